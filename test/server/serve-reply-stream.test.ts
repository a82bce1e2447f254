import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/wait-until.ts";
import { follow, sseEvents } from "./reply-follow.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
beforeAll(async () => {
  f = await startServeFixture({ serve: { rateLimitPerMinute: 10_000 } });
});
afterAll(() => f?.close());

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${f.server.url}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${f.aliceKey}`, "content-type": "application/json" },
  });

describe("following a reply from a second connection", () => {
  it("gets every piece of a reply in flight, then the stored message", async () => {
    const character = (await (
      await api("/characters", { method: "POST", body: JSON.stringify({ name: "Mira", first_mes: "Hello." }) })
    ).json()) as { id: string };
    const chat = (await (
      await api("/chats", { method: "POST", body: JSON.stringify({ characterId: character.id }) })
    ).json()) as { chat: { id: string } };
    f.fake.setOptions({ latencyMs: 1_500 });
    const sending = api(`/chats/${chat.chat.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ text: "Tell me about the light." }),
    }).then((r) => r.text());
    let replyId = "";
    await waitUntil(async () => {
      const view = (await (await api(`/chats/${chat.chat.id}`)).json()) as {
        messages: Array<{ id: string; role: string; status: string }>;
      };
      const last = view.messages.at(-1);
      if (last?.role === "assistant" && last.status === "streaming") replyId = last.id;
      return replyId !== "";
    });
    const followed = await follow(f.server.url, f.aliceKey, chat.chat.id, replyId);
    const sent = sseEvents(await sending);
    const done = sent.find((e) => e.event === "done")?.data as { message: { text: string } };
    expect(followed.pieces).toBe(done.message.text);
    expect(followed.final.text).toBe(done.message.text);
    expect(followed.final.status).toBe("complete");
    // A finished reply answers at once with its stored message.
    expect((await follow(f.server.url, f.aliceKey, chat.chat.id, replyId)).final.text).toBe(done.message.text);
    // Another user cannot follow it.
    const theirs = await fetch(`${f.server.url}/api/chats/${chat.chat.id}/messages/${replyId}/stream`, {
      headers: { authorization: `Bearer ${f.bobKey}` },
    });
    expect(theirs.status).toBe(404);
    f.fake.setOptions({ latencyMs: 0 });
  });
});
