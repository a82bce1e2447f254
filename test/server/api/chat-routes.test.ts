// The character, chat and message routes through app.inject (and one real socket for a client that leaves), on a
// Fastify app assembled like the server's /api scope: zod compilers, OpenAPI, troupe's error shape, an actor set by
// a hook, and a real model talking to the fake LLM server.
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readCard } from "../../../src/cards/index.ts";
import { ChatService, listCandidates } from "../../../src/chat/index.ts";
import type { ChatModel } from "../../../src/llm/index.ts";
import type { Actor } from "../../../src/server/actor.ts";
import { useApiErrors } from "../../../src/server/api/api-errors.ts";
import { characterRoutes } from "../../../src/server/api/characters-routes.ts";
import { chatRoutes } from "../../../src/server/api/chats-routes.ts";
import { messageRoutes } from "../../../src/server/api/messages-routes.ts";
import { cardBytes, fakeServerModel, policyFor } from "../../chat/chat-fixtures.ts";
import { type FakeLlmServer, presets, sequence, startFakeLlmServer } from "../../support/fake-llm-server.ts";
import { sseEvents } from "../../support/sse-events.ts";
import { openTestSqlite, type TestStore } from "../../support/stores.ts";
import { waitUntil } from "../../support/wait-until.ts";

const OWNER: Actor = { userId: "u-owner", role: "user", via: "key", keyId: "k1" };
const OTHER: Actor = { userId: "u-other", role: "user", via: "key", keyId: "k2" };

let db: TestStore;
let server: FakeLlmServer;
let model: ChatModel;
let chats: ChatService;
let app: FastifyInstance;

async function buildApp(): Promise<FastifyInstance> {
  const root = Fastify();
  root.setValidatorCompiler(validatorCompiler);
  root.setSerializerCompiler(serializerCompiler);
  await root.register(swagger, {
    openapi: { openapi: "3.1.0", info: { title: "t", version: "0" } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await root.register(
    async (api) => {
      useApiErrors(api);
      api.addHook("onRequest", async (request) => {
        const who = request.headers["x-test-user"];
        request.actor = who === OTHER.userId ? OTHER : OWNER;
      });
      const options = { chats, resolvePolicy: async () => policyFor(model), pingMs: 0 };
      await api.register(characterRoutes, options);
      await api.register(chatRoutes, options);
      await api.register(messageRoutes, options);
    },
    { prefix: "/api" },
  );
  await root.ready();
  return root;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const call = (method: Method, url: string, payload?: unknown, actor: Actor = OWNER) =>
  app.inject({
    method,
    url,
    headers: { "x-test-user": actor.userId },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

beforeAll(async () => {
  db = await openTestSqlite();
  server = await startFakeLlmServer();
  model = fakeServerModel(server);
  chats = new ChatService({ store: db.store });
  app = await buildApp();
});
afterAll(async () => {
  await app.close();
  await server.close();
  await db.cleanup();
});
beforeEach(() => {
  server.reset();
  server.setReply(presets.hash);
});

async function seraphinaChat() {
  const imported = await app.inject({
    method: "POST",
    url: "/api/characters/import",
    headers: { "content-type": "image/png", "x-test-user": OWNER.userId },
    payload: Buffer.from(cardBytes("default_Seraphina.png")),
  });
  expect(imported.statusCode).toBe(201);
  const character = imported.json();
  const created = await call("POST", "/api/chats", {
    characterId: character.id,
    persona: { name: "Ada", description: "A traveller." },
  });
  expect(created.statusCode).toBe(201);
  return { character, chat: created.json() };
}

describe("character routes", () => {
  it("imports a PNG card, serves its avatar, exports it, edits and deletes it", async () => {
    const bytes = cardBytes("default_FluxTheCat.png");
    const imported = await app.inject({
      method: "POST",
      url: "/api/characters/import",
      headers: { "content-type": "image/png", "x-test-user": OWNER.userId },
      payload: Buffer.from(bytes),
    });
    expect(imported.statusCode).toBe(201);
    const flux = imported.json();
    expect(flux).toMatchObject({ name: "Flux the Cat", hasAvatar: true, version: 1, source: { container: "png" } });

    const avatar = await call("GET", `/api/characters/${flux.id}/avatar`);
    expect(avatar.headers["content-type"]).toBe("image/png");
    expect(avatar.rawPayload.equals(Buffer.from(bytes))).toBe(true);

    const png = await call("GET", `/api/characters/${flux.id}/export?format=png`);
    expect(png.headers["content-disposition"]).toContain('filename="Flux the Cat.png"');
    expect(readCard(new Uint8Array(png.rawPayload)).card.data.name).toBe("Flux the Cat");
    const json = await call("GET", `/api/characters/${flux.id}/export`);
    expect(JSON.parse(json.payload).spec).toBe("chara_card_v2");
    const charx = await call("GET", `/api/characters/${flux.id}/export?format=charx`);
    expect(charx.headers["content-type"]).toBe("application/zip");

    const patched = await call("PATCH", `/api/characters/${flux.id}`, { personality: "smug" });
    expect(patched.json()).toMatchObject({ version: 2, card: { data: { personality: "smug" } } });
    expect((await call("GET", "/api/characters")).json().characters.map((c: { id: string }) => c.id)).toContain(
      flux.id,
    );
    expect((await call("DELETE", `/api/characters/${flux.id}`)).statusCode).toBe(204);
    expect((await call("GET", `/api/characters/${flux.id}`)).json()).toEqual({
      error: { code: "character.not_found", message: `No character "${flux.id}".` },
    });
  });

  it("creates from fields or a card JSON, and refuses bad cards with 400 and big ones with 413", async () => {
    const created = await call("POST", "/api/characters", { name: "Vera", description: "A cartographer." });
    expect(created.statusCode).toBe(201);
    expect(created.json().hasAvatar).toBe(false);
    const fromJson = await call("POST", "/api/characters", {
      card: { spec: "chara_card_v2", spec_version: "2.0", data: { name: "Old", first_mes: "Hi" } },
    });
    expect(fromJson.json()).toMatchObject({ name: "Old", source: { spec: "v2" } });
    const noName = await call("POST", "/api/characters", { description: "nameless" });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.code).toBe("invalid_request");
    const garbage = await app.inject({
      method: "POST",
      url: "/api/characters/import",
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("not a card"),
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe("character.invalid_card");
    const huge = await app.inject({
      method: "POST",
      url: "/api/characters/import",
      headers: { "content-type": "image/png" },
      payload: Buffer.alloc(17 * 1024 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    const noAvatar = await call("GET", `/api/characters/${created.json().id}/avatar`);
    expect(noAvatar.json().error.code).toBe("character.no_avatar");
  });
});

describe("chat and message routes", () => {
  it("sends a message and streams the reply as SSE, then reads the chat", async () => {
    const { chat } = await seraphinaChat();
    expect(chat.messages[0]).toMatchObject({ origin: "greeting", siblingCount: 1 });
    const sent = await call("POST", `/api/chats/${chat.chat.id}/messages`, { text: "Is this forest safe?" });
    expect(sent.statusCode).toBe(200);
    expect(sent.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const events = sseEvents(sent.payload);
    expect(events.map((e) => e.event)[0]).toBe("message");
    expect(events[0]!.data.message).toMatchObject({ text: "Is this forest safe?", role: "user" });
    expect(events[1]!.event).toBe("start");
    const done = events.find((e) => e.event === "done")!.data;
    const deltas = events.filter((e) => e.event === "delta").map((e) => e.data.text);
    expect(deltas.join("")).toBe(done.message.text);
    expect(done.candidateId).toBe(events[1]!.data.replies[0].candidateId);

    const read = (await call("GET", `/api/chats/${chat.chat.id}`)).json();
    expect(read.messages.map((m: { role: string }) => m.role)).toEqual(["assistant", "user", "assistant"]);
    expect(read.messages[2]).toMatchObject({ status: "complete", candidateId: done.candidateId });
    expect((await call("GET", "/api/chats")).json().chats[0].id).toBe(chat.chat.id);
  });

  it("answers with JSON when stream=false, and regenerate/select/edit/continue/delete/branch/rate work", async () => {
    const { chat } = await seraphinaChat();
    const base = `/api/chats/${chat.chat.id}/messages`;
    const first = (await call("POST", `${base}?stream=false`, { text: "Hello", clientMessageId: "m1" })).json();
    expect(first.message.text).toBe("Hello");
    const reply = first.replies[0].message;
    expect(reply.status).toBe("complete");
    // The same client message id again: nothing new.
    const again = (await call("POST", `${base}?stream=false`, { text: "Hello", clientMessageId: "m1" })).json();
    expect(again.replies[0].message.id).toBe(reply.id);

    const regen = (await call("POST", `${base}/${reply.id}/regenerate?stream=false`, { candidates: 2 })).json();
    expect(regen.message).toBeNull();
    expect(regen.replies).toHaveLength(2);
    expect(regen.replies[0].message.siblingCount).toBe(3);
    const selected = (await call("POST", `${base}/${reply.id}/select`)).json();
    expect(selected.messages.at(-1)).toMatchObject({ id: reply.id, siblingIndex: 0, siblingCount: 3 });

    const edited = (await call("PATCH", `${base}/${reply.id}`, { text: "An edited reply." })).json();
    expect(edited).toMatchObject({ editOf: reply.id, text: "An edited reply.", version: 1 });
    server.setReply(sequence([" And more."]));
    const continued = (await call("POST", `${base}/${edited.id}/continue?stream=false`)).json();
    expect(continued.replies[0].message).toMatchObject({
      text: "An edited reply. And more.",
      continuedFrom: edited.id,
    });

    const rated = await call("POST", `${base}/${continued.replies[0].message.id}/rating`, { thumbs: 1, stars: 5 });
    expect(rated.json()).toEqual({ thumbs: 1, stars: 5 });
    expect((await call("POST", `${base}/${reply.id}/rating`, {})).statusCode).toBe(400);

    const branch = await call("POST", `${base}/${first.message.id}/branch`, { title: "Other path" });
    expect(branch.statusCode).toBe(201);
    expect(branch.json().chat).toMatchObject({ title: "Other path", branchedFrom: { chatId: chat.chat.id } });
    expect(branch.json().messages).toHaveLength(2);

    expect((await call("DELETE", `${base}/${first.message.id}`)).statusCode).toBe(204);
    const after = (await call("GET", `/api/chats/${chat.chat.id}`)).json();
    expect(after.messages.map((m: { text: string }) => m.text)).not.toContain("Hello");
    const logged = await listCandidates(db.store, OWNER.userId, { chatId: chat.chat.id });
    expect(logged.map((c) => c.kind)).toEqual(["reply", "regenerate", "regenerate", "continue"]);
  });

  it("answers an upstream failure before the first token with a status, and a later one in-stream", async () => {
    const { chat } = await seraphinaChat();
    const base = `/api/chats/${chat.chat.id}/messages`;
    server.setReply(() => ({ fault: "http", status: 500 }));
    const failed = await call("POST", base, { text: "Anyone?" });
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error.code).toBe("upstream_server");
    server.setReply(() => ({ fault: "truncated_stream", mode: "end" }));
    const cut = await call("POST", base, { text: "Again?" });
    expect(cut.statusCode).toBe(200);
    const events = sseEvents(cut.payload);
    expect(events.some((e) => e.event === "delta")).toBe(true);
    expect(events.at(-1)).toMatchObject({
      event: "error",
      data: { error: { code: expect.stringMatching(/^upstream_/) } },
    });
    const read = (await call("GET", `/api/chats/${chat.chat.id}`)).json();
    expect(read.messages.at(-1)).toMatchObject({ status: "incomplete" });
  });

  it("keeps the partial reply as incomplete when the client disconnects mid-stream", async () => {
    const { chat } = await seraphinaChat();
    server.setReply(() => ({ fault: "truncated_stream", mode: "stall" }));
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const abort = new AbortController();
    const response = await fetch(`${address}/api/chats/${chat.chat.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-user": OWNER.userId },
      body: JSON.stringify({ text: "Speak slowly." }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("event: delta")) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await waitUntil(async () => {
      const view = await chats.getChat(OWNER.userId, chat.chat.id);
      return view.messages.at(-1)!.status === "incomplete";
    });
    const view = await chats.getChat(OWNER.userId, chat.chat.id);
    expect(view.messages.at(-1)).toMatchObject({ finishReason: "aborted" });
    expect(view.messages.at(-1)!.text.length).toBeGreaterThan(0);
  });

  it("validates bodies with the field path", async () => {
    const { chat } = await seraphinaChat();
    const bad = await call("POST", `/api/chats/${chat.chat.id}/messages`, { text: 5 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.param).toBe("text");
    const tooMany = await call("POST", `/api/chats/${chat.chat.id}/messages`, { text: "x", candidates: 99 });
    expect(tooMany.json().error.param).toBe("candidates");
  });

  it("gives another user 404 on every route and changes nothing", async () => {
    const { chat, character } = await seraphinaChat();
    const c = chat.chat.id;
    const sent = (await call("POST", `/api/chats/${c}/messages?stream=false`, { text: "Mine" })).json();
    const m = sent.replies[0].message.id;
    const calls = server.callCount;
    const attempts: Array<[Method, string, unknown?]> = [
      ["GET", `/api/characters/${character.id}`],
      ["PATCH", `/api/characters/${character.id}`, { name: "Stolen" }],
      ["DELETE", `/api/characters/${character.id}`],
      ["GET", `/api/characters/${character.id}/export?format=png`],
      ["GET", `/api/characters/${character.id}/avatar`],
      ["POST", "/api/chats", { characterId: character.id }],
      ["GET", `/api/chats/${c}`],
      ["DELETE", `/api/chats/${c}`],
      ["POST", `/api/chats/${c}/messages`, { text: "Theirs" }],
      ["POST", `/api/chats/${c}/messages/${m}/regenerate`],
      ["POST", `/api/chats/${c}/messages/${m}/continue`],
      ["POST", `/api/chats/${c}/messages/${m}/select`],
      ["PATCH", `/api/chats/${c}/messages/${m}`, { text: "x" }],
      ["DELETE", `/api/chats/${c}/messages/${m}`],
      ["POST", `/api/chats/${c}/messages/${m}/branch`],
      ["POST", `/api/chats/${c}/messages/${m}/rating`, { thumbs: -1 }],
    ];
    for (const [method, url, body] of attempts) {
      const res = await call(method, url, body, OTHER);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toMatch(/\.not_found$/);
    }
    expect(server.callCount).toBe(calls);
    expect((await call("GET", "/api/chats", undefined, OTHER)).json()).toEqual({ chats: [] });
    expect((await call("GET", "/api/characters", undefined, OTHER)).json()).toEqual({ characters: [] });
    const mine = (await call("GET", `/api/chats/${c}`)).json();
    expect(mine.messages).toHaveLength(3);
    expect(mine.messages[2].rating).toBeNull();
  });

  it("documents every route in OpenAPI with tags and a summary", () => {
    const doc = app.swagger() as { paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(18);
    for (const { op } of ops) {
      expect(op.tags?.length).toBeGreaterThan(0);
      expect(op.summary).toBeTruthy();
    }
    expect(doc.paths["/api/chats/{id}/messages"]).toBeDefined();
  });
});
