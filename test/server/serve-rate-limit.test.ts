import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
beforeAll(async () => {
  f = await startServeFixture({ serve: { rateLimitPerMinute: 3 } });
});
afterAll(() => f?.close());

describe("per-key rate limits", () => {
  it("hold on /api routes that call a model, with the API's error shape and a Retry-After", async () => {
    const headers = { authorization: `Bearer ${f.aliceKey}`, "content-type": "application/json" };
    const character = (await (
      await fetch(`${f.server.url}/api/characters`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "Mira", first_mes: "Hi." }),
      })
    ).json()) as { id: string };
    const chat = (await (
      await fetch(`${f.server.url}/api/chats`, {
        method: "POST",
        headers,
        body: JSON.stringify({ characterId: character.id }),
      })
    ).json()) as { chat: { id: string } };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${f.server.url}/api/chats/${chat.chat.id}/messages?stream=false`, {
        method: "POST",
        headers,
        body: JSON.stringify({ text: `line ${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
      } else await res.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another key has its own allowance.
    const other = await fetch(`${f.server.url}/api/chats`, { headers: { authorization: `Bearer ${f.bobKey}` } });
    expect(other.status).toBe(200);
  });
});
