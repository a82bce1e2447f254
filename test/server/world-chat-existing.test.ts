import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { World } from "../../src/world/index.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
let worldId: string;
beforeAll(async () => {
  f = await startServeFixture();
  const world = await World.create(f.db.store, {
    name: "Gull Harbor",
    userName: "Ada",
    cast: [{ name: "Mara", firstMessage: 'Mara looks up from the nets. "You\'re late."' }],
  });
  worldId = world.id;
});
afterAll(() => f?.close());

const post = (key: string, body: unknown) =>
  fetch(`${f.server.url}/api/chats`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("a chat on a world made outside the server (troupe world new)", () => {
  it("is for admins only, starts with the cast's greeting, and the world then belongs to that admin's chats", async () => {
    const refused = await post(f.bobKey, { worldRef: worldId });
    expect(refused.status).toBe(403);
    const made = await post(f.adminKey, { worldRef: "Gull Harbor" });
    expect(made.status).toBe(201);
    const view = (await made.json()) as {
      chat: { worldId: string };
      messages: Array<{ speaker: string; text: string }>;
    };
    expect(view.chat.worldId).toBe(worldId);
    expect(view.messages[0]).toMatchObject({ speaker: "Mara" });
    expect(view.messages[0]?.text).toContain("You're late");

    const other = await f.server.identity.createUser({ name: "second-admin", role: "admin" });
    const { key } = await f.server.identity.createKey(other.id);
    const taken = await post(key, { worldRef: worldId });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: { code: string } }).error.code).toBe("chat.world_taken");
    expect((await post(f.adminKey, { worldRef: "no such world" })).status).toBe(404);
    expect((await post(f.adminKey, { worldRef: worldId, characterId: "x" })).status).toBe(400);
  });
});
