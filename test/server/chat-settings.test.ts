import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
beforeAll(async () => {
  f = await startServeFixture({ serve: { rateLimitPerMinute: 10_000 } });
});
afterAll(() => f?.close());

const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  fetch(`${f.server.url}/api${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.key ?? f.aliceKey}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

type Sent = {
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  messages: Array<{ content: string }>;
};

describe("a chat's own settings", () => {
  it("reach the model (the chat's sampling over the served arm's), and can change mid-chat", async () => {
    const character = (await (
      await api("/characters", { method: "POST", body: { name: "Mira", first_mes: "Hi." } })
    ).json()) as {
      id: string;
    };
    const made = (await (
      await api("/chats", {
        method: "POST",
        body: {
          characterId: character.id,
          sampling: { temperature: 0.3, maxTokens: 77 },
          persona: { name: "Ada", description: "a sailor" },
        },
      })
    ).json()) as { chat: { id: string } };
    const chatId = made.chat.id;
    await api(`/chats/${chatId}/messages?stream=false`, { method: "POST", body: { text: "Hello." } });
    const first = f.fake.requests.at(-1)?.body as Sent;
    expect(first.temperature).toBe(0.3);
    expect(first.max_tokens ?? first.max_completion_tokens).toBe(77);
    expect(JSON.stringify(first.messages)).toContain("a sailor");

    const changed = await api(`/chats/${chatId}`, {
      method: "PATCH",
      body: {
        sampling: { temperature: 0.9 },
        persona: { name: "Ada", description: "a lighthouse keeper" },
        title: "Renamed",
      },
    });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { title: string }).title).toBe("Renamed");
    await api(`/chats/${chatId}/messages?stream=false`, { method: "POST", body: { text: "Again." } });
    const second = f.fake.requests.at(-1)?.body as Sent;
    expect(second.temperature).toBe(0.9);
    expect(JSON.stringify(second.messages)).toContain("a lighthouse keeper");

    expect((await api(`/chats/${chatId}`, { method: "PATCH", body: { title: "x" }, key: f.bobKey })).status).toBe(404);
    expect((await api(`/chats/${chatId}`, { method: "PATCH", body: { sampling: { temperature: 9 } } })).status).toBe(
      400,
    );
  });

  it("lists the models a signed-in user can pick, characters included", async () => {
    const models = (await (await api("/models")).json()) as Array<{ id: string }>;
    expect(models.map((m) => m.id)).toContain(f.model);
    expect(models.some((m) => m.id.startsWith("character:"))).toBe(true);
    const bobs = (await (await api("/models", { key: f.bobKey })).json()) as Array<{ id: string }>;
    expect(bobs.some((m) => m.id.startsWith("character:"))).toBe(false);
  });
});
