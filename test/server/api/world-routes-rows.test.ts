// The world routes over a chat whose lines are message rows: message ids name lines, the rows follow a branch made
// through the routes, and a held reply decided through them completes its row. Another user gets 404.
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, type ReplyPolicy } from "../../../src/chat/index.ts";
import {
  createWorldChat,
  regenerateWorldChatMessage,
  sendWorldChatMessage,
  type WorldChatEvent,
  worldIdOfChat,
} from "../../../src/chat/world-chat-rows.ts";
import type { Actor } from "../../../src/server/actor.ts";
import { worldRoutes } from "../../../src/server/api/world-routes.ts";
import { HttpError, notFound } from "../../../src/server/http-error.ts";
import { World } from "../../../src/world/index.ts";
import { openTestSqlite, type TestStore } from "../../support/stores.ts";
import { at, startWorldFake, type WorldFake } from "../../world/world-chat-fake.ts";

const OWNER: Actor = { userId: "u-owner", role: "user", via: "session" };
const OTHER: Actor = { userId: "u-other", role: "user", via: "session" };

let db: TestStore;
let fake: WorldFake;
let app: FastifyInstance;
let chatId: string;
let world: World;
let policy: ReplyPolicy;
const lines: string[] = [];

beforeAll(async () => {
  db = await openTestSqlite();
  fake = await startWorldFake({ lines, extract: (s) => (s === "Alex" ? [at("Alex", "dock")] : []) });
  policy = { policyId: "p1", model: fake.model, propensity: 1, sampling: {}, promptVersion: "world-1" };
  world = await World.create(db.store, {
    name: "dock",
    userName: "Alex",
    cast: [{ name: "Mara", firstMessage: "Ahoy." }],
    startTime: 0,
  });
  chatId = await createWorldChat({ store: db.store }, OWNER.userId, world);
  app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(
    async (api) => {
      api.setErrorHandler((error: FastifyError, _request, reply) => {
        if (error instanceof HttpError)
          return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
        if (hasZodFastifySchemaValidationErrors(error))
          return reply.code(400).send({ error: { code: "invalid_request", message: error.message } });
        return reply.code(500).send({ error: { code: "internal", message: String(error) } });
      });
      api.addHook("onRequest", async (request) => {
        request.actor = request.headers["x-test-user"] === OTHER.userId ? OTHER : OWNER;
      });
      await api.register(worldRoutes, {
        resolveWorld: async (actor, id) => {
          const worldId = await worldIdOfChat(db.store, actor.userId, id).catch(() => undefined);
          if (worldId !== world.id) throw notFound("chat", id);
          return world;
        },
        resolveModels: async () => ({ generator: fake.model }),
        rows: { deps: { store: db.store }, policy: async () => policy },
      });
    },
    { prefix: "/api" },
  );
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await db?.cleanup();
});

const chats = () => new ChatService({ store: db.store });

describe("world routes over message rows", () => {
  it("names lines by message id, and the rows follow a branch made at a message", async () => {
    lines.push("The ferry leaves at dusk.");
    const sent = await sendWorldChatMessage({ store: db.store }, OWNER.userId, chatId, world, policy, "When?");
    const view = await chats().getChat(OWNER.userId, chatId);
    const [, user, reply] = view.messages;
    expect(reply?.id).toBe(sent.messageId);

    const manifest = await app.inject({ method: "GET", url: `/api/chats/${chatId}/world/manifest/${reply?.id}` });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json().speaker).toBe("Mara");
    const facts = await app.inject({ method: "GET", url: `/api/chats/${chatId}/world/facts?at=${user?.id}` });
    expect(facts.json().facts.map((f: { object: string }) => f.object)).toEqual(["dock"]);

    const branched = await app.inject({
      method: "POST",
      url: `/api/chats/${chatId}/world/branches`,
      payload: { name: "alt", at: user?.id },
    });
    expect(branched.statusCode).toBe(201);
    // Until the branch has a line of its own, the chat's rows still show main's reply after the branch point; the
    // branch's first reply (here a regeneration) is a sibling of it, and the one shown.
    lines.push("On this branch, the ferry is late.");
    const alt = await regenerateWorldChatMessage(
      { store: db.store },
      OWNER.userId,
      chatId,
      world,
      policy,
      reply?.id as string,
    );
    const shown = (await chats().getChat(OWNER.userId, chatId)).messages;
    expect(shown.map((m) => m.id)).toEqual([view.messages[0]?.id, user?.id, alt.messageId]);
    expect(shown.at(-1)).toMatchObject({ text: "On this branch, the ferry is late.", siblingCount: 2 });
    const back = await app.inject({
      method: "POST",
      url: `/api/chats/${chatId}/world/checkout`,
      payload: { branch: "main" },
    });
    expect(back.statusCode).toBe(200);
    expect((await chats().getChat(OWNER.userId, chatId)).messages.at(-1)?.id).toBe(reply?.id);

    const other = await app.inject({
      method: "GET",
      url: `/api/chats/${chatId}/world/manifest/${reply?.id}`,
      headers: { "x-test-user": OTHER.userId },
    });
    expect(other.statusCode).toBe(404);
  });

  it("completes a held reply's row when the user accepts it through the route", async () => {
    lines.push("Alex nods and pays me.");
    const events: WorldChatEvent[] = [];
    const sent = await sendWorldChatMessage({ store: db.store }, OWNER.userId, chatId, world, policy, "Here.", {
      onEvent: (e) => events.push(e),
    });
    const held = events.at(-1);
    if (held?.type !== "held") throw new Error("expected a held reply");
    const decided = await app.inject({
      method: "POST",
      url: `/api/chats/${chatId}/world/pending/${held.pendingId}`,
      payload: { action: "accept" },
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.json().status).toBe("committed");
    const last = (await chats().getChat(OWNER.userId, chatId)).messages.at(-1);
    expect(last).toMatchObject({ id: sent.messageId, status: "complete", worldNodeId: world.head().id });
  });
});
