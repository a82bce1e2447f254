import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityStore } from "../../src/server/auth/identity-store.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { freshPostgresSchema, postgresAvailable } from "../support/postgres.ts";
import { redisAvailable, TEST_REDIS_URL } from "../support/redis.ts";
import { startTroupe, type TroupeProcess } from "../support/troupe-process.ts";
import { waitUntil } from "../support/wait-until.ts";
import { follow, sseEvents } from "./reply-follow.ts";

const ready = (await postgresAvailable()) && (await redisAvailable());

/** Requests per minute per key in this test: small, so the shared counter is easy to exhaust. */
const LIMIT = 6;

describe.skipIf(!ready)("two troupe serve processes on one PostgreSQL and one Redis behave as one service", () => {
  let fake: FakeLlmServer;
  let schema: { url: string; drop: () => Promise<void> };
  let store: Store;
  let identity: IdentityStore;
  const servers: Array<{ proc: TroupeProcess; url: string }> = [];
  let key: string;
  let userId: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    schema = await freshPostgresSchema("serve_cluster");
    store = await openStore({ databaseUrl: schema.url });
    identity = await IdentityStore.open(store);
    const user = await identity.createUser({ name: "alice" });
    userId = user.id;
    key = (await identity.createKey(user.id)).key;
    const dir = mkdtempSync(join(tmpdir(), "troupe-cluster-"));
    writeFileSync(join(dir, "troupe.config.yaml"), `serve:\n  rateLimitPerMinute: ${LIMIT}\n`);
    for (let i = 0; i < 2; i++) {
      const proc = startTroupe(["serve", "--port", "0", "--model", `${fake.openaiBaseUrl}#fake`], {
        cwd: dir,
        env: { DATABASE_URL: schema.url, REDIS_URL: TEST_REDIS_URL, TROUPE_HOME: join(dir, `home${i}`) },
      });
      await proc.waitFor(/listening on (http:\/\/\S+)/);
      const url = /listening on (http:\/\/\S+)/.exec(proc.stdout)?.[1] as string;
      servers.push({ proc, url });
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) s.proc.child.kill("SIGTERM");
    await Promise.all(servers.map((s) => s.proc.done));
    await store?.close();
    await schema?.drop();
    await fake?.close();
  });

  const client = (i: number, apiKey = key) => new OpenAI({ baseURL: `${servers[i]?.url}/v1`, apiKey, maxRetries: 0 });

  it("a key works on both, and a key revoked through one is refused by the other at once", async () => {
    const other = await identity.createKey(userId, "second");
    for (const i of [0, 1]) {
      const done = await client(i, other.key).chat.completions.create({
        model: `${fake.openaiBaseUrl}#fake`,
        messages: [{ role: "user", content: `hello ${i}` }],
      });
      expect(done.choices[0]?.message.content).toBeTruthy();
    }
    const revoke = await fetch(`${servers[0]?.url}/api/keys/${other.info.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(revoke.status).toBe(204);
    await expect(client(1, other.key).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("shares one rate-limit counter: the limit holds across both processes, not per process", async () => {
    const limited = (await identity.createKey(userId, "limited")).key;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await fetch(`${servers[i % 2]?.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${limited}`, "content-type": "application/json" },
        body: JSON.stringify({ model: `${fake.openaiBaseUrl}#fake`, messages: [{ role: "user", content: "x" }] }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Each process alone saw at most LIMIT/2 + 1 requests: only a shared counter refuses any.
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(statuses.slice(LIMIT)).toEqual([429, 429]);
  });

  it("stores an event batch once when it is sent to each process", async () => {
    const batch = JSON.stringify({
      events: [
        {
          event_id: "cluster-evt-1",
          type: "session_start",
          created_at_client: Date.now(),
          payload: {},
        },
      ],
    });
    const results = [];
    for (const s of servers) {
      const res = await fetch(`${s.url}/api/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: batch,
      });
      results.push((await res.json()) as { accepted: number; duplicates: number });
    }
    expect(results.map((r) => r.accepted)).toEqual([1, 0]);
    expect(results[1]?.duplicates).toBe(1);
  });

  it("a chat made on one process is read on the other, and a reply generated on one is followed live on the other", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const call = (base: string, path: string, body?: unknown) =>
      fetch(`${base}/api${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const character = (await (await call(a, "/characters", { name: "Mira", first_mes: "Hello." })).json()) as {
      id: string;
    };
    const chat = (await (await call(a, "/chats", { characterId: character.id })).json()) as { chat: { id: string } };
    expect((await call(b, `/chats/${chat.chat.id}`)).status).toBe(200);
    fake.setOptions({ latencyMs: 1_500 });
    const sending = call(a, `/chats/${chat.chat.id}/messages`, { text: "What ship is that?" }).then((r) => r.text());
    let replyId = "";
    await waitUntil(async () => {
      const view = (await (await call(b, `/chats/${chat.chat.id}`)).json()) as {
        messages: Array<{ id: string; role: string; status: string }>;
      };
      const last = view.messages.at(-1);
      if (last?.role === "assistant" && last.status === "streaming") replyId = last.id;
      return replyId !== "";
    });
    const followed = await follow(b, key, chat.chat.id, replyId);
    const done = sseEvents(await sending).find((e) => e.event === "done")?.data as { message: { text: string } };
    fake.setOptions({ latencyMs: 0 });
    expect(followed.pieces).toBe(done.message.text);
    expect(followed.final.text).toBe(done.message.text);
  });
});
