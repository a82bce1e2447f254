// The world routes of a world-backed chat, through app.inject on a Fastify app assembled like the server's /api
// scope (zod compilers, an actor set by a hook, troupe's error shape): facts as of a turn and why they hold,
// manifests, knowledge, branches, checkout, away proposals, and another user's 404 on every route.
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWorldLine, startWorldChat } from "../../../src/chat/world-chat.ts";
import type { Actor } from "../../../src/server/actor.ts";
import { worldRoutes } from "../../../src/server/api/world-routes.ts";
import { HttpError, notFound } from "../../../src/server/http-error.ts";
import { World } from "../../../src/world/index.ts";
import { openTestSqlite, type TestStore } from "../../support/stores.ts";
import { at, startWorldFake, type WorldFake } from "../../world/world-chat-fake.ts";

const OWNER: Actor = { userId: "u-owner", role: "user", via: "key", keyId: "k1" };
const OTHER: Actor = { userId: "u-other", role: "user", via: "key", keyId: "k2" };
const CHAT = "c-dock";

let db: TestStore;
let fake: WorldFake;
let app: FastifyInstance;
let world: World;
let userNode: string;
let replyNode: string;
const lines = ["Mara: The ferry leaves at dusk."];

/** The server's /api shape, reduced to what these routes need: HttpError, validation and anything else. */
async function buildApp(): Promise<FastifyInstance> {
  const server = Fastify();
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  await server.register(swagger, {
    openapi: { openapi: "3.1.0", info: { title: "t", version: "0" } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await server.register(
    async (api) => {
      api.setErrorHandler((error: FastifyError, _request, reply) => {
        if (error instanceof HttpError)
          return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
        if (hasZodFastifySchemaValidationErrors(error))
          return reply.code(400).send({ error: { code: "invalid_request", message: error.message } });
        return reply.code(500).send({ error: { code: "internal", message: "Something went wrong." } });
      });
      api.addHook("onRequest", async (request) => {
        const who = request.headers["x-test-user"];
        if (who === OWNER.userId) request.actor = OWNER;
        else if (who === OTHER.userId) request.actor = OTHER;
      });
      await api.register(worldRoutes, {
        resolveWorld: async (actor, chatId) => {
          if (actor.userId !== OWNER.userId || chatId !== CHAT) throw notFound("chat", chatId);
          return world;
        },
        resolveModels: async () => ({ generator: fake.model }),
      });
    },
    { prefix: "/api" },
  );
  await server.ready();
  return server;
}

const get = (url: string, actor: Actor | null = OWNER) =>
  app.inject({ method: "GET", url, headers: actor ? { "x-test-user": actor.userId } : {} });
const post = (url: string, payload: unknown, actor: Actor | null = OWNER) =>
  app.inject({
    method: "POST",
    url,
    payload: payload as Record<string, unknown>,
    headers: actor ? { "x-test-user": actor.userId } : {},
  });

beforeAll(async () => {
  db = await openTestSqlite();
  fake = await startWorldFake({ lines, extract: (speaker) => (speaker === "Alex" ? [at("Alex", "dock")] : []) });
  world = await World.create(db.store, {
    name: "dock",
    userName: "Alex",
    cast: [{ name: "Mara", firstMessage: "Ahoy, {{user}}." }],
    startTime: 0,
  });
  await startWorldChat(world);
  const sent = await sendWorldLine(world, { generator: fake.model }, "I walk down to the dock.");
  if (sent.status !== "sent" || sent.reply.status !== "committed") throw new Error("setup: no committed reply");
  userNode = sent.user.nodeId;
  replyNode = sent.reply.message.nodeId;
  app = await buildApp();
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await db?.cleanup();
});

describe("world routes", () => {
  it("answers facts as of a turn: Alex is at the dock from the turn of the user's line on", async () => {
    const before = await get(`/api/chats/${CHAT}/world/facts?turn=1`);
    expect(before.statusCode).toBe(200);
    expect(before.json().facts).toEqual([]);
    const after = await get(`/api/chats/${CHAT}/world/facts?turn=2&subject=Alex`);
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({
      turn: 2,
      facts: [{ subject: "Alex", predicate: "at", object: "dock", validFrom: { turn: 2 } }],
    });
    expect(after.json().facts[0]).not.toHaveProperty("validTo");
    const now = await get(`/api/chats/${CHAT}/world/facts`);
    expect(now.json().turn).toBe(3);

    const atLine = await get(`/api/chats/${CHAT}/world/facts?at=${userNode}&subject=Alex`);
    expect(atLine.json()).toMatchObject({ turn: 2, facts: [{ object: "dock" }] });
    expect((await get(`/api/chats/${CHAT}/world/facts?at=nope`)).statusCode).toBe(404);
    expect((await get(`/api/chats/${CHAT}/world/facts?at=${userNode}&turn=1`)).statusCode).toBe(400);

    const beyond = await get(`/api/chats/${CHAT}/world/facts?turn=99`);
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json().error.code).toBe("world.bad_turn");
    expect((await get(`/api/chats/${CHAT}/world/facts?turn=abc`)).statusCode).toBe(400);
  });

  it("explains why a fact holds: its chain leads back to the user's line", async () => {
    const res = await get(`/api/chats/${CHAT}/world/why?fact=${encodeURIComponent("Alex at dock")}`);
    expect(res.statusCode).toBe(200);
    const [answer] = res.json().answers;
    expect(answer.holdsNow).toBe(true);
    expect(answer.chain.event).toMatchObject({ kind: "changed", node: userNode, turn: 2 });
    expect(answer.lines[0]).toMatch(/^Alex at dock holds now/);
    const none = await get(`/api/chats/${CHAT}/world/why?fact=${encodeURIComponent("Mara at moon")}`);
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe("world.no_fact");
  });

  it("shows the manifest of a generated reply, and 404 for a line that has none", async () => {
    const res = await get(`/api/chats/${CHAT}/world/manifest/${replyNode}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ speaker: "Mara", turn: 2 });
    expect(res.json().items.length).toBeGreaterThan(0);
    expect((await get(`/api/chats/${CHAT}/world/manifest/${userNode}`)).json().error.code).toBe("world.no_manifest");
    expect((await get(`/api/chats/${CHAT}/world/manifest/nope`)).statusCode).toBe(404);
  });

  it("lists the timeline and what each character knows", async () => {
    const timeline = await get(`/api/chats/${CHAT}/world/timeline`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json().turns.map((t: { speaker?: string }) => t.speaker ?? null)).toEqual([
      null,
      "Mara",
      "Alex",
      "Mara",
    ]);
    const knowledge = await get(`/api/chats/${CHAT}/world/knowledge?character=Mara`);
    expect(knowledge.statusCode).toBe(200);
    expect(knowledge.json().characters[0].character).toBe("Mara");
    expect((await get(`/api/chats/${CHAT}/world/knowledge?character=Nobody`)).statusCode).toBe(404);
  });

  it("branches at a message, switches back, and lists the branch tree", async () => {
    const made = await post(`/api/chats/${CHAT}/world/branches`, { name: "what-if", at: userNode });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ name: "what-if", head: userNode, forkedFrom: "main", current: true });
    expect((await post(`/api/chats/${CHAT}/world/branches`, { name: "what-if" })).statusCode).toBe(409);
    expect((await post(`/api/chats/${CHAT}/world/branches`, { name: "bad name!" })).statusCode).toBe(400);
    const tree = await get(`/api/chats/${CHAT}/world/branches`);
    expect(tree.json().current).toBe("what-if");
    expect(tree.json().branches.map((b: { name: string }) => b.name)).toEqual(["main", "what-if"]);
    const back = await post(`/api/chats/${CHAT}/world/checkout`, { branch: "main" });
    expect(back.statusCode).toBe(200);
    expect(back.json().messages.at(-1)).toMatchObject({ nodeId: replyNode, text: "The ferry leaves at dusk." });
    expect((await post(`/api/chats/${CHAT}/world/checkout`, { branch: "nowhere" })).statusCode).toBe(404);
  });

  it("proposes what happened while the user was away, then discards one proposal and accepts another", async () => {
    const first = await post(`/api/chats/${CHAT}/world/away`, { duration: "3h", maxSteps: 1 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "proposal", steps: [{ actor: "Mara", action: "Mara counts coins" }] });
    const discarded = await post(`/api/chats/${CHAT}/world/away/${first.json().id}/discard`, {});
    expect(discarded.json()).toEqual({ id: first.json().id, status: "discarded" });
    expect((await post(`/api/chats/${CHAT}/world/away/${first.json().id}/accept`, {})).statusCode).toBe(409);

    const second = await post(`/api/chats/${CHAT}/world/away`, { duration: 120, maxSteps: 1 });
    const accepted = await post(`/api/chats/${CHAT}/world/away/${second.json().id}/accept`, {});
    expect(accepted.statusCode).toBe(200);
    const facts = await get(`/api/chats/${CHAT}/world/facts?subject=Mara`);
    expect(facts.json().facts.map((f: { object: string }) => f.object)).toContain("pleased");
    expect((await post(`/api/chats/${CHAT}/world/away/away-99/accept`, {})).statusCode).toBe(404);
    expect((await post(`/api/chats/${CHAT}/world/away`, { duration: "soon" })).statusCode).toBe(400);
  });

  it("accepts an edited away digest: only the steps kept reach the chat", async () => {
    const proposal = await post(`/api/chats/${CHAT}/world/away`, { duration: "2h", maxSteps: 2 });
    expect(proposal.statusCode).toBe(200);
    const steps = proposal.json().steps as Array<{ node?: string; rejected?: string }>;
    const committed = steps.filter((s) => s.node && !s.rejected);
    expect(committed.length).toBe(2);
    const id = proposal.json().id as string;
    expect((await post(`/api/chats/${CHAT}/world/away/${id}/accept`, { keepSteps: 3 })).statusCode).toBe(400);
    const accepted = await post(`/api/chats/${CHAT}/world/away/${id}/accept`, { keepSteps: 1 });
    expect(accepted.statusCode).toBe(200);
    const tree = await get(`/api/chats/${CHAT}/world/branches`);
    const current = tree.json().branches.find((b: { name: string }) => b.name === tree.json().current);
    expect(current.head).toBe(committed[0]?.node);
  });

  it("lists a held reply and commits it once the user accepts its violations", async () => {
    lines.push("Alex nods and hands me the fare.");
    const sent = await sendWorldLine(world, { generator: fake.model }, "What does the ferry cost?");
    if (sent.status !== "sent" || sent.reply.status !== "pending") throw new Error("expected a held reply");
    const listed = await get(`/api/chats/${CHAT}/world/pending`);
    expect(listed.json().pending).toEqual([
      expect.objectContaining({ id: sent.reply.pending.id, speaker: "Mara", text: "Alex nods and hands me the fare." }),
    ]);
    const wrong = await post(`/api/chats/${CHAT}/world/pending/${sent.reply.pending.id}`, {
      action: "drop",
      violation: 7,
    });
    expect(wrong.statusCode).toBe(400);
    const decided = await post(`/api/chats/${CHAT}/world/pending/${sent.reply.pending.id}`, { action: "accept" });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({
      status: "committed",
      message: { text: "Alex nods and hands me the fare." },
    });
    expect((await get(`/api/chats/${CHAT}/world/pending`)).json().pending).toEqual([]);
    expect(
      (await post(`/api/chats/${CHAT}/world/pending/${sent.reply.pending.id}`, { action: "cancel" })).statusCode,
    ).toBe(404);
  });

  it("answers 404 to another user on every route, and 401 without an actor", async () => {
    const base = `/api/chats/${CHAT}/world`;
    const reads = [
      "facts",
      "facts?turn=1",
      "timeline",
      "knowledge",
      "branches",
      `manifest/${replyNode}`,
      "why?fact=Alex",
      "pending",
      "transcript",
    ];
    for (const path of reads) {
      const res = await get(`${base}/${path}`, OTHER);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code, path).toBe("chat.not_found");
    }
    const writes: Array<[string, unknown]> = [
      ["away", { duration: "1h" }],
      ["away/away-1/accept", {}],
      ["away/away-1/discard", {}],
      ["branches", { name: "theirs" }],
      ["checkout", { branch: "main" }],
      ["pending/p1", { action: "cancel" }],
    ];
    for (const [path, body] of writes) {
      const res = await post(`${base}/${path}`, body, OTHER);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code, path).toBe("chat.not_found");
    }
    expect(world.ledger.branches.has("theirs")).toBe(false);
    expect((await get(`${base}/facts`, null)).statusCode).toBe(401);
  });

  it("documents every route under the world tag in the OpenAPI document", () => {
    const doc = app.swagger() as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
      components?: { schemas?: Record<string, unknown> };
    };
    const worldPaths = Object.keys(doc.paths).filter((p) => p.includes("/world/"));
    expect(worldPaths.length).toBeGreaterThanOrEqual(11);
    for (const path of worldPaths)
      for (const op of Object.values(doc.paths[path] ?? {})) {
        expect(op.tags).toEqual(["world"]);
        expect(op.summary).toBeTruthy();
      }
    // The causal chain is recursive: it must be documented, not dropped or expanded without end.
    expect(JSON.stringify(doc).length).toBeLessThan(500_000);
    expect(JSON.stringify(doc.paths["/api/chats/{id}/world/why"])).toMatch(/#\/components\/schemas\/WorldCauseNode"/);
    expect(JSON.stringify(doc.components?.schemas?.["WorldCauseNode"])).toMatch(/causes/);
    for (const [, name] of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      expect(doc.components?.schemas, `dangling $ref ${name}`).toHaveProperty([name as string]);
  });
});
