import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

const CARD = resolve(import.meta.dirname, "../../../shared/data/cards/default_Seraphina.png");

/**
 * Every /api route of the OpenAPI document, tried by a second user against the first user's objects. A route
 * missing from BODIES fails the test, so a new route cannot ship without its cross-user check.
 */
const BODIES: Record<string, unknown> = {
  "post /api/chats/{id}/messages": { text: "let me in" },
  "post /api/chats/{id}/messages/{mid}/regenerate": {},
  "post /api/chats/{id}/messages/{mid}/continue": {},
  "post /api/chats/{id}/messages/{mid}/select": {},
  "patch /api/chats/{id}/messages/{mid}": { text: "overwritten" },
  "delete /api/chats/{id}/messages/{mid}": undefined,
  "post /api/chats/{id}/messages/{mid}/branch": {},
  "post /api/chats/{id}/messages/{mid}/rating": { thumbs: -1 },
  "get /api/chats/{id}/messages/{mid}/stream": undefined,
  "get /api/chats/{id}": undefined,
  "patch /api/chats/{id}": { title: "stolen" },
  "delete /api/chats/{id}": undefined,
  "get /api/characters/{id}": undefined,
  "patch /api/characters/{id}": { description: "stolen" },
  "delete /api/characters/{id}": undefined,
  "get /api/characters/{id}/export": undefined,
  "get /api/characters/{id}/avatar": undefined,
  "delete /api/keys/{id}": undefined,
  // A world-backed chat's world: every route resolves the chat (and so the owner) before anything else.
  "get /api/chats/{id}/world/facts": undefined,
  "get /api/chats/{id}/world/timeline": undefined,
  "get /api/chats/{id}/world/knowledge": undefined,
  "get /api/chats/{id}/world/branches": undefined,
  "post /api/chats/{id}/world/branches": { name: "stolen" },
  "get /api/chats/{id}/world/manifest/{messageId}": undefined,
  "get /api/chats/{id}/world/why": undefined,
  "post /api/chats/{id}/world/away": { duration: "1h" },
  "post /api/chats/{id}/world/away/{proposalId}/accept": undefined,
  "post /api/chats/{id}/world/away/{proposalId}/discard": undefined,
  "post /api/chats/{id}/world/checkout": { branch: "main" },
  "get /api/chats/{id}/world/pending": undefined,
  "post /api/chats/{id}/world/pending/{pendingId}": { action: "cancel" },
  "get /api/chats/{id}/world/transcript": undefined,
};

/** Query strings a route needs to pass validation (so that what is tried is the owner check, not the schema). */
const QUERIES: Record<string, string> = { "get /api/chats/{id}/world/why": "?fact=Mara%20at%20dock" };

/** Routes without an object id: what a second user sees there must not include the first user's things. */
const LISTS = ["/api/characters", "/api/chats", "/api/keys"];

let f: ServeFixture;
const ids: Record<string, string> = {};
let aliceChat = "";
let aliceWorld = "";

const call = (method: string, path: string, key: string, body?: unknown) =>
  fetch(`${f.server.url}${path}`, {
    method: method.toUpperCase(),
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  f = await startServeFixture({ serve: { rateLimitPerMinute: 10_000 } });
  const imported = await fetch(`${f.server.url}/api/characters/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.aliceKey}`, "content-type": "image/png" },
    body: readFileSync(CARD),
  });
  ids["character"] = ((await imported.json()) as { id: string }).id;
  const chat = await call("post", "/api/chats", f.aliceKey, { characterId: ids["character"] });
  ids["chat"] = ((await chat.json()) as { chat: { id: string } }).chat.id;
  const sent = await call("post", `/api/chats/${ids["chat"]}/messages?stream=false`, f.aliceKey, {
    text: "a private line",
  });
  const generation = (await sent.json()) as { replies: Array<{ message: { id: string } }> };
  ids["message"] = generation.replies[0]?.message.id as string;
  const key = await call("post", "/api/keys", f.aliceKey, { label: "alice's" });
  ids["key"] = ((await key.json()) as { info: { id: string } }).info.id;
  aliceChat = await (await call("get", `/api/chats/${ids["chat"]}`, f.aliceKey)).text();
  const world = await call("post", "/api/chats", f.aliceKey, { world: true, characterIds: [ids["character"]] });
  const worldView = (await world.json()) as { chat: { id: string }; messages: Array<{ id: string }> };
  ids["worldChat"] = worldView.chat.id;
  ids["worldMessage"] = worldView.messages[0]?.id as string;
  aliceWorld = await (await call("get", `/api/chats/${ids["worldChat"]}/world/transcript`, f.aliceKey)).text();
});
afterAll(() => f?.close());

function fill(path: string): string {
  if (path.includes("/world/"))
    return path
      .replace("{id}", ids["worldChat"] as string)
      .replace("{messageId}", ids["worldMessage"] as string)
      .replace("{proposalId}", "away-1")
      .replace("{pendingId}", "held-1");
  const what = path.startsWith("/api/keys") ? "key" : path.startsWith("/api/characters") ? "character" : "chat";
  return path.replace("{id}", ids[what] as string).replace("{mid}", ids["message"] as string);
}

describe("every /api route refuses another user's objects: 0 cross-user reads or writes", () => {
  it("answers 404 (never 403, never data) for each of the first user's objects", async () => {
    const spec = (await (await fetch(`${f.server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const tried: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (!path.startsWith("/api/") || !path.includes("{")) continue;
      for (const method of Object.keys(ops)) {
        const route = `${method} ${path}`;
        expect(Object.keys(BODIES), `no cross-user check for ${route}: add it to BODIES`).toContain(route);
        const url = fill(path) + (QUERIES[route] ?? "");
        const res = await call(method, url, f.bobKey, BODIES[route]);
        const text = await res.text();
        expect(res.status, `${route} → ${res.status} ${text.slice(0, 200)}`).toBe(404);
        // The answer may repeat the id it was asked about, and nothing else of the first user's.
        for (const id of Object.values(ids)) if (!url.includes(id)) expect(text, route).not.toContain(id);
        expect(text).not.toContain("a private line");
        tried.push(route);
      }
    }
    expect(tried.length).toBe(Object.keys(BODIES).length);
  });

  it("lists none of the first user's things to the second", async () => {
    for (const path of LISTS) {
      const text = await (await call("get", path, f.bobKey)).text();
      for (const id of Object.values(ids)) expect(text, path).not.toContain(id);
    }
  });

  it("left the first user's chat exactly as it was", async () => {
    expect(await (await call("get", `/api/chats/${ids["chat"]}`, f.aliceKey)).text()).toBe(aliceChat);
    expect(await (await call("get", `/api/chats/${ids["worldChat"]}/world/transcript`, f.aliceKey)).text()).toBe(
      aliceWorld,
    );
    expect((await call("get", `/api/characters/${ids["character"]}`, f.aliceKey)).status).toBe(200);
  });
});
