// A world-backed chat through a real troupe server: created over HTTP from the user's own characters, a line
// sent and the reply streamed as it is committed to the world, the world's facts and why they hold, regenerate
// and select moving the world, a group chat where the director says why a character answers, the world's
// context in the /v1 `world:<chatId>` model, and a second user getting 404 everywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listWorlds } from "../../src/world/index.ts";
import { sseEvents } from "../support/sse-events.ts";
import { waitUntil } from "../support/wait-until.ts";
import { at, startWorldFake, type WorldFake } from "../world/world-chat-fake.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

let f: ServeFixture;
let fake: WorldFake;
const lines: string[] = [];

interface Message {
  id: string;
  role: string;
  speaker: string;
  text: string;
  status: string;
  finishReason: string | null;
  worldNodeId: string | null;
  siblingCount: number;
  siblingIndex: number;
  candidateId: string | null;
}
interface View {
  chat: { id: string; worldId: string | null; persona: { name: string } };
  messages: Message[];
}

const call = (method: string, path: string, key: string, body?: unknown) =>
  fetch(`${f.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function character(name: string, firstMes: string): Promise<string> {
  const res = await call("POST", "/api/characters", f.aliceKey, { name, first_mes: firstMes, description: `${name}.` });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function worldChat(characterIds: string[]): Promise<View> {
  const res = await call("POST", "/api/chats", f.aliceKey, {
    world: true,
    characterIds,
    persona: { name: "Alex", description: "A traveller." },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as View;
}

async function transcript(chatId: string): Promise<Array<{ nodeId: string; speaker: string; text: string }>> {
  const res = await call("GET", `/api/chats/${chatId}/world/transcript`, f.aliceKey);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: Array<{ nodeId: string; speaker: string; text: string }> }).messages;
}

beforeAll(async () => {
  fake = await startWorldFake({ lines, extract: (s) => (s === "Alex" ? [at("Alex", "dock")] : []) });
  f = await startServeFixture({ fake: fake.server, serve: { rateLimitPerMinute: 10_000 } });
});
afterAll(async () => {
  await f?.close();
  await fake?.close();
});

describe("a world-backed chat over HTTP", () => {
  let chatId = "";
  let firstReply: Message;

  it("is created from the user's own character, greeting first, with the persona as the world's user", async () => {
    const mara = await character("Mara", "Ahoy, {{user}}.");
    const view = await worldChat([mara]);
    chatId = view.chat.id;
    expect(view.chat.worldId).toBeTruthy();
    expect(view.chat.persona.name).toBe("Alex");
    expect(view.messages).toHaveLength(1);
    expect(view.messages[0]).toMatchObject({ speaker: "Mara", text: "Ahoy, Alex.", status: "complete" });
    expect(view.messages[0]?.worldNodeId).toBeTruthy();
  });

  it("streams the reply to a sent line, and the streamed text is the line the world committed", async () => {
    lines.push("Welcome to the dock, traveller.");
    const res = await call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, { text: "I walk to the dock." });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const got = sseEvents(await res.text());
    const names = got.map((e) => e.event);
    expect(names[0]).toBe("message");
    expect(names[1]).toBe("start");
    expect(names.at(-1)).toBe("done");
    expect(names.filter((n) => n === "delta").length).toBeGreaterThan(1);
    const start = (got[1]?.data["replies"] as Array<Record<string, unknown>> | undefined)?.[0];
    expect(start?.["speaker"]).toBe("Mara");
    const streamed = got
      .filter((e) => e.event === "delta")
      .map((e) => e.data["text"])
      .join("");
    const done = got.at(-1)?.data as { message: Message; candidateId: string; nodeId: string };
    expect(streamed).toBe("Welcome to the dock, traveller.");
    expect(done.message.text).toBe(streamed);
    expect(done.message.status).toBe("complete");
    expect(done.candidateId).toBeTruthy();
    const world = await transcript(chatId);
    expect(world.at(-1)).toMatchObject({ nodeId: done.nodeId, speaker: "Mara", text: streamed });
    expect(world.at(-2)).toMatchObject({ speaker: "Alex", text: "I walk to the dock." });
    firstReply = done.message;
    const view = (await (await call("GET", `/api/chats/${chatId}`, f.aliceKey)).json()) as View;
    expect(view.messages.map((m) => m.text)).toEqual(world.map((m) => m.text));
  });

  it("shows the fact the line established, and why it holds", async () => {
    const facts = (await (await call("GET", `/api/chats/${chatId}/world/facts`, f.aliceKey)).json()) as {
      facts: Array<{ subject: string; predicate: string; object: string }>;
    };
    expect(facts.facts).toContainEqual(expect.objectContaining({ subject: "Alex", predicate: "at", object: "dock" }));
    const why = await call(
      "GET",
      `/api/chats/${chatId}/world/why?fact=${encodeURIComponent("Alex at dock")}`,
      f.aliceKey,
    );
    expect(why.status).toBe(200);
    const answers = ((await why.json()) as { answers: Array<{ holdsNow: boolean; lines: string[] }> }).answers;
    expect(answers.length).toBeGreaterThan(0);
    expect(answers[0]?.holdsNow).toBe(true);
    expect(answers[0]?.lines.join("\n")).toContain("dock");
  });

  it("explains a reply by its chat message id, and shows the timeline and what each character knows", async () => {
    const manifest = await call("GET", `/api/chats/${chatId}/world/manifest/${firstReply.id}`, f.aliceKey);
    expect(manifest.status).toBe(200);
    expect(await manifest.json()).toMatchObject({ speaker: "Mara" });
    const timeline = (await (await call("GET", `/api/chats/${chatId}/world/timeline`, f.aliceKey)).json()) as {
      turns: Array<{ speaker?: string; text?: string }>;
    };
    expect(timeline.turns.filter((t) => t.text).map((t) => t.speaker)).toEqual(["Mara", "Alex", "Mara"]);
    const knowledge = await call("GET", `/api/chats/${chatId}/world/knowledge?character=Mara`, f.aliceKey);
    expect(knowledge.status).toBe(200);
    expect(JSON.stringify(await knowledge.json())).toContain("dock");
  });

  it("regenerates a reply as a new alternative of the world's line, and selecting the first brings it back", async () => {
    lines.push("Mind the ropes, Alex.");
    const res = await call(
      "POST",
      `/api/chats/${chatId}/messages/${firstReply.id}/regenerate?stream=false`,
      f.aliceKey,
      {},
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replies: Array<{ message: Message; candidateId: string }> };
    const second = body.replies[0]?.message as Message;
    expect(second).toMatchObject({
      text: "Mind the ropes, Alex.",
      status: "complete",
      siblingCount: 2,
      siblingIndex: 1,
    });
    expect(second.worldNodeId).not.toBe(firstReply.worldNodeId);
    expect((await transcript(chatId)).at(-1)?.text).toBe("Mind the ropes, Alex.");

    const selected = await call("POST", `/api/chats/${chatId}/messages/${firstReply.id}/select`, f.aliceKey, {});
    expect(selected.status).toBe(200);
    const view = (await selected.json()) as View;
    expect(view.messages.at(-1)).toMatchObject({ id: firstReply.id, text: "Welcome to the dock, traveller." });
    expect((await transcript(chatId)).at(-1)?.nodeId).toBe(firstReply.worldNodeId);
  });

  it("answers what the world does not allow with a clear 409, and rates like any chat", async () => {
    const edit = await call("PATCH", `/api/chats/${chatId}/messages/${firstReply.id}`, f.aliceKey, { text: "x" });
    expect(edit.status).toBe(409);
    expect(((await edit.json()) as { error: { code: string } }).error.code).toBe("world.line_canon");
    const cont = await call("POST", `/api/chats/${chatId}/messages/${firstReply.id}/continue`, f.aliceKey, {});
    expect(cont.status).toBe(409);
    const del = await call("DELETE", `/api/chats/${chatId}/messages/${firstReply.id}`, f.aliceKey);
    expect(del.status).toBe(409);
    const two = await call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, { text: "Hi", candidates: 2 });
    expect(two.status).toBe(400);
    const rated = await call("POST", `/api/chats/${chatId}/messages/${firstReply.id}/rating`, f.aliceKey, {
      thumbs: 1,
    });
    expect(rated.status).toBe(200);
    expect(await rated.json()).toMatchObject({ thumbs: 1 });
  });

  it("branches the world at a message: the same chat continues on the new branch from there", async () => {
    const greeting = (await transcript(chatId))[0];
    const view0 = (await (await call("GET", `/api/chats/${chatId}`, f.aliceKey)).json()) as View;
    const greetingRow = view0.messages.find((m) => m.worldNodeId === greeting?.nodeId) as Message;
    const res = await call("POST", `/api/chats/${chatId}/messages/${greetingRow.id}/branch`, f.aliceKey, {
      title: "quiet start",
    });
    expect(res.status).toBe(201);
    const view = (await res.json()) as View;
    expect(view.chat.id).toBe(chatId);
    expect(view.messages.map((m) => m.id)).toEqual([greetingRow.id]);
    const branches = (await (await call("GET", `/api/chats/${chatId}/world/branches`, f.aliceKey)).json()) as {
      current: string;
    };
    expect(branches.current).toBe("quiet-start");
    lines.push("A quiet morning.");
    const sent = await call("POST", `/api/chats/${chatId}/messages?stream=false`, f.aliceKey, {
      text: "Good morning.",
    });
    expect(sent.status).toBe(200);
    const after = (await (await call("GET", `/api/chats/${chatId}`, f.aliceKey)).json()) as View;
    expect(after.messages.map((m) => m.text)).toEqual(["Ahoy, Alex.", "Good morning.", "A quiet morning."]);
  });

  it("serves the chat's world to /v1 as world:<chatId>: the speaker's knowledge reaches the prompt", async () => {
    const before = fake.server.requests.length;
    const res = await call("POST", "/v1/chat/completions", f.aliceKey, {
      model: `world:${chatId}`,
      messages: [{ role: "user", content: "Where am I?" }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const request = fake.server.requests.slice(before).find((r) => !r.schema);
    const system = request?.messages[0]?.content ?? "";
    expect(system).toContain("What Mara knows");
    expect(system).toContain("dock");
    expect(request?.messages.some((m) => m.content === "Where am I?")).toBe(true);
  });

  it("holds a reply that breaks a rule, and lets the user edit, cancel or regenerate it through the message routes", async () => {
    const sendHeld = async (line: string) => {
      lines.push(line);
      const res = await call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, { text: "Here is the fare." });
      expect(res.status).toBe(200);
      const got = sseEvents(await res.text());
      expect(got.map((e) => e.event)).not.toContain("done");
      const held = got.at(-1);
      expect(held?.event).toBe("held");
      const data = held?.data as { message: Message; pendingId: string; violations: Array<{ code: string }> };
      expect(data.message).toMatchObject({ status: "incomplete", finishReason: "held", text: line });
      expect(data.violations.length).toBeGreaterThan(0);
      return data;
    };

    const first = await sendHeld("Alex nods and pays me.");
    // Nothing new is said while a line waits for the user's decision.
    const blocked = await call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, { text: "And?" });
    expect(blocked.status).toBe(409);
    const edited = await call("PATCH", `/api/chats/${chatId}/messages/${first.message.id}`, f.aliceKey, {
      text: "Thank you, traveller.",
    });
    expect(edited.status, await edited.clone().text()).toBe(200);
    expect(await edited.json()).toMatchObject({
      id: first.message.id,
      status: "complete",
      text: "Thank you, traveller.",
    });
    expect((await transcript(chatId)).at(-1)).toMatchObject({ speaker: "Mara", text: "Thank you, traveller." });

    // A held reply regenerated: the held line is released and the new one streams and is committed.
    const second = await sendHeld("Alex smiles and leaves.");
    lines.push("Safe travels.");
    const again = await call("POST", `/api/chats/${chatId}/messages/${second.message.id}/regenerate`, f.aliceKey, {});
    expect(again.status).toBe(200);
    const done = sseEvents(await again.text()).at(-1);
    expect(done?.event).toBe("done");
    expect(done?.data["message"]).toMatchObject({ text: "Safe travels.", status: "complete" });
    expect((await transcript(chatId)).at(-1)).toMatchObject({ speaker: "Mara", text: "Safe travels." });

    // A held reply deleted: cancelled, nothing of it reaches the world, and the row leaves the chat.
    const third = await sendHeld("Alex laughs and pays twice.");
    const cancelled = await call("DELETE", `/api/chats/${chatId}/messages/${third.message.id}`, f.aliceKey);
    expect(cancelled.status).toBe(204);
    const pending = (await (await call("GET", `/api/chats/${chatId}/world/pending`, f.aliceKey)).json()) as {
      pending: unknown[];
    };
    expect(pending.pending).toEqual([]);
    expect((await transcript(chatId)).at(-1)).toMatchObject({ speaker: "Alex", text: "Here is the fare." });
    const view = (await (await call("GET", `/api/chats/${chatId}`, f.aliceKey)).json()) as View;
    expect(view.messages.map((m) => m.id)).not.toContain(third.message.id);
  });

  it("stores a send retried with the same clientMessageId once, answering the retry with the first reply", async () => {
    lines.push("Tide's turning.");
    const body = { text: "Is the tide turning?", clientMessageId: "client-line-1" };
    const first = await call("POST", `/api/chats/${chatId}/messages?stream=false`, f.aliceKey, body);
    expect(first.status).toBe(200);
    const a = (await first.json()) as { message: Message; replies: Array<{ message: Message }> };
    expect(a.replies[0]?.message.text).toBe("Tide's turning.");
    const calls = fake.server.callCount;
    const retry = await call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, body);
    const got = sseEvents(await retry.text());
    expect(got.map((e) => e.event)).toEqual(["message", "done"]);
    expect(got[0]?.data["message"]).toMatchObject({ id: a.message.id });
    expect(got[1]?.data["message"]).toMatchObject({ id: a.replies[0]?.message.id });
    expect(fake.server.callCount).toBe(calls);
    const said = (await transcript(chatId)).filter((m) => m.text === "Is the tide turning?");
    expect(said).toHaveLength(1);
  });

  it("gives another user 404 on the chat, its messages and its world", async () => {
    const tries: Array<[string, string, unknown?]> = [
      ["GET", `/api/chats/${chatId}`],
      ["POST", `/api/chats/${chatId}/messages`, { text: "let me in" }],
      ["POST", `/api/chats/${chatId}/messages/${firstReply.id}/regenerate`, {}],
      ["POST", `/api/chats/${chatId}/messages/${firstReply.id}/select`, {}],
      ["POST", `/api/chats/${chatId}/messages/${firstReply.id}/branch`, {}],
      ["GET", `/api/chats/${chatId}/world/facts`],
      ["GET", `/api/chats/${chatId}/world/why?fact=${encodeURIComponent("Alex at dock")}`],
      ["GET", `/api/chats/${chatId}/world/transcript`],
    ];
    const calls = fake.server.callCount;
    for (const [method, path, body] of tries) {
      const res = await call(method, path, f.bobKey, body);
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(404);
      expect(text).not.toContain("dock");
    }
    const v1 = await call("POST", "/v1/chat/completions", f.bobKey, {
      model: `world:${chatId}`,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(v1.status).toBe(404);
    expect(fake.server.callCount).toBe(calls);
  });
});

describe("a group chat in a world", () => {
  it("lets the director pick who answers and says why", async () => {
    const mara = await character("Mara", "Ahoy.");
    const jun = await character("Jun", "Hello there.");
    const view = await worldChat([mara, jun]);
    lines.push("Jun, fetch the lantern!");
    const res = await call("POST", `/api/chats/${view.chat.id}/messages?stream=false`, f.aliceKey, {
      text: "Mara, Jun: who keeps watch tonight?",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replies: Array<{ message: Message; reason?: string }> };
    const reply = body.replies[0];
    expect(["Mara", "Jun"]).toContain(reply?.message.speaker);
    expect(reply?.reason).toBeTruthy();
    expect(reply?.message.text).toBe("Jun, fetch the lantern!");
  });

  it("deletes the chat's world with the chat", async () => {
    const mara = await character("Mara", "Ahoy.");
    const view = await worldChat([mara]);
    const worldId = view.chat.worldId as string;
    expect((await listWorlds(f.db.store)).map((w) => w.id)).toContain(worldId);
    expect((await call("DELETE", `/api/chats/${view.chat.id}`, f.aliceKey)).status).toBe(204);
    expect((await listWorlds(f.db.store)).map((w) => w.id)).not.toContain(worldId);
    expect((await call("GET", `/api/chats/${view.chat.id}/world/facts`, f.aliceKey)).status).toBe(404);
  });

  it("refuses a cast of another user's characters as not found", async () => {
    const mara = await character("Mara", "Ahoy.");
    const res = await call("POST", "/api/chats", f.bobKey, { world: true, characterIds: [mara] });
    expect(res.status).toBe(404);
  });
});

describe("a world reply in flight", () => {
  it("can be followed from its first token through the reply stream route, like a plain reply", async () => {
    const mara = await character("Mara", "Ahoy.");
    const view = await worldChat([mara]);
    const chatId = view.chat.id;
    // The character's line waits for the gate, so the reply is seen while it is still streaming.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    fake.server.setReply(async (request) => {
      if (request.schema) return JSON.stringify({ minutesPassed: 5, events: [] });
      await gate;
      return { text: "The lamps are lit along the quay.", chunkChars: 5 };
    });
    const sending = call("POST", `/api/chats/${chatId}/messages`, f.aliceKey, { text: "Evening." });
    let streaming: Message | undefined;
    await waitUntil(async () => {
      const now = (await (await call("GET", `/api/chats/${chatId}`, f.aliceKey)).json()) as View;
      streaming = now.messages.find((m) => m.status === "streaming");
      return streaming !== undefined;
    });
    const following = call("GET", `/api/chats/${chatId}/messages/${streaming?.id}/stream`, f.aliceKey);
    const follower = await following;
    expect(follower.status).toBe(200);
    open();
    const sent = sseEvents(await (await sending).text());
    const followed = sseEvents(await follower.text());
    const text = (list: typeof sent) =>
      list
        .filter((e) => e.event === "delta")
        .map((e) => e.data["text"])
        .join("");
    expect(text(sent)).toBe("The lamps are lit along the quay.");
    expect(text(followed)).toBe("The lamps are lit along the quay.");
    expect(followed.at(-1)?.event).toBe("done");
    expect(followed.at(-1)?.data["message"]).toMatchObject({ id: streaming?.id, status: "complete" });
  });
});
