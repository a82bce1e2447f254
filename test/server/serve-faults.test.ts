import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityStore } from "../../src/server/auth/identity-store.ts";
import { openStore } from "../../src/store/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { startTroupe, type TroupeProcess } from "../support/troupe-process.ts";
import { waitUntil } from "../support/wait-until.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

const CARD = resolve(import.meta.dirname, "../../../shared/data/cards/default_Seraphina.png");

interface MessageRow {
  id: string;
  role: string;
  status: string;
  text: string;
}

async function makeChat(url: string, key: string): Promise<string> {
  const imported = await fetch(`${url}/api/characters/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "image/png" },
    body: readFileSync(CARD),
  });
  const { id: characterId } = (await imported.json()) as { id: string };
  const chat = await fetch(`${url}/api/chats`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ characterId }),
  });
  expect(chat.status).toBe(201);
  return ((await chat.json()) as { chat: { id: string } }).chat.id;
}

async function messages(url: string, key: string, chatId: string): Promise<MessageRow[]> {
  const res = await fetch(`${url}/api/chats/${chatId}`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { messages: MessageRow[] }).messages;
}

describe("a client that leaves mid-reply", () => {
  let f: ServeFixture;
  beforeAll(async () => {
    f = await startServeFixture({ serve: { rateLimitPerMinute: 10_000 } });
  });
  afterAll(() => f?.close());

  it("cancels the upstream call and keeps the partial reply as incomplete, never complete", async () => {
    const chatId = await makeChat(f.server.url, f.aliceKey);
    f.fake.setOptions({ latencyMs: 30_000 });
    const calls = f.fake.callCount;
    const controller = new AbortController();
    const sending = fetch(`${f.server.url}/api/chats/${chatId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.aliceKey}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "Tell me everything." }),
      signal: controller.signal,
    }).catch(() => undefined);
    // The reply row exists (streaming) and the upstream call has started before the client goes.
    await waitUntil(async () => f.fake.callCount > calls);
    await waitUntil(async () =>
      (await messages(f.server.url, f.aliceKey, chatId)).some(
        (m) => m.role === "assistant" && m.status === "streaming",
      ),
    );
    controller.abort();
    await sending;
    await waitUntil(async () => {
      const rows = await messages(f.server.url, f.aliceKey, chatId);
      return rows.at(-1)?.status === "incomplete";
    });
    const rows = await messages(f.server.url, f.aliceKey, chatId);
    expect(rows.filter((m) => m.role === "assistant" && m.status === "complete")).toHaveLength(1); // the greeting
    f.fake.setOptions({ latencyMs: 0 });
  });
});

describe("kill -9 of the server mid-stream", () => {
  let fake: FakeLlmServer;
  let dir: string;
  let server: TroupeProcess | undefined;
  let key: string;

  const start = async (): Promise<string> => {
    server = startTroupe(["serve", "--port", "0", "--model", `${fake.openaiBaseUrl}#fake`], {
      cwd: dir,
      env: { TROUPE_HOME: join(dir, "home") },
    });
    await server.waitFor(/listening on (http:\/\/\S+)/);
    return /listening on (http:\/\/\S+)/.exec(server.stdout)?.[1] as string;
  };

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    dir = mkdtempSync(join(tmpdir(), "troupe-kill-"));
    const store = await openStore({ home: join(dir, "home") });
    const identity = await IdentityStore.open(store);
    key = (await identity.createKey((await identity.createUser({ name: "alice" })).id)).key;
    await store.close();
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves no reply marked complete that was not, and an event batch sent twice across the crash is stored once", async () => {
    let url = await start();
    const chatId = await makeChat(url, key);
    const batch = JSON.stringify({
      events: [{ event_id: "kill-evt-1", type: "session_start", created_at_client: Date.now(), payload: {} }],
    });
    const post = (u: string) =>
      fetch(`${u}/api/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: batch,
      }).then((r) => r.json() as Promise<{ accepted: number; duplicates: number }>);
    expect((await post(url)).accepted).toBe(1);

    fake.setOptions({ latencyMs: 60_000 });
    const calls = fake.callCount;
    void fetch(`${url}/api/chats/${chatId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "A long tale, please." }),
    }).catch(() => undefined);
    await waitUntil(async () => fake.callCount > calls);
    await waitUntil(async () => (await messages(url, key, chatId)).at(-1)?.status === "streaming");
    server?.child.kill("SIGKILL");
    await server?.done;
    fake.setOptions({ latencyMs: 0 });

    url = await start();
    const rows = await messages(url, key, chatId);
    const last = rows.at(-1);
    expect(last?.role).toBe("assistant");
    expect(last?.status).not.toBe("complete");
    expect(last?.text).toBe("");
    expect(rows.at(-2)).toMatchObject({ role: "user", text: "A long tale, please.", status: "complete" });
    const again = await post(url);
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
  }, 120_000);
});
