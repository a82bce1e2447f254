import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCandidates } from "../../src/chat/index.ts";
import { choosePolicy } from "../../src/server/policy-split.ts";
import { waitUntil } from "../support/wait-until.ts";
import { type ServeFixture, startServeFixture } from "./serve-test-server.ts";

const CARDS = resolve(import.meta.dirname, "../../../shared/data/cards");

let f: ServeFixture;
let characterId: string;
beforeAll(async () => {
  f = await startServeFixture({
    serve: (model) => ({
      rateLimitPerMinute: 10_000,
      models: {
        companion: {
          policies: [
            { id: "companion/a", model, weight: 1, version: "a-1" },
            { id: "companion/b", model, weight: 3, version: "b-1", temperature: 0.3 },
          ],
        },
      },
    }),
  });
  const res = await fetch(`${f.server.url}/api/characters/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.aliceKey}`, "content-type": "image/png" },
    body: readFileSync(resolve(CARDS, "default_Seraphina.png")),
  });
  expect(res.status).toBeLessThan(300);
  characterId = ((await res.json()) as { id: string }).id;
});
afterAll(() => f?.close());

const client = (key = f.aliceKey) => new OpenAI({ baseURL: `${f.server.url}/v1`, apiKey: key, maxRetries: 0 });

describe("the gateway: characters as models, and every candidate logged with its propensity", () => {
  it("lists the user's characters as models, and only to that user", async () => {
    const mine = (await client().models.list()).data.map((m) => m.id);
    expect(mine).toContain(`character:${characterId}`);
    const theirs = (await client(f.bobKey).models.list()).data.map((m) => m.id);
    expect(theirs).not.toContain(`character:${characterId}`);
    await expect(
      client(f.bobKey).chat.completions.create({
        model: `character:${characterId}`,
        messages: [{ role: "user", content: "hi" }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("chats with a character through a plain OpenAI client: the card and its lore reach the model", async () => {
    const before = f.fake.callCount;
    const done = await client().chat.completions.create({
      model: `character:${characterId}`,
      messages: [{ role: "user", content: "Where am I? What is this glade?" }],
    });
    expect(done.choices[0]?.message.content).toBeTruthy();
    expect(f.fake.callCount).toBe(before + 1);
    const sent = f.fake.requests.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    const system = sent.messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n");
    expect(system).toMatch(/Seraphina/);
    expect(sent.messages.at(-1)?.content).toBe("Where am I? What is this glade?");
    await waitUntil(async () => (await listCandidates(f.db.store, f.aliceId, { batchId: done.id })).length === 1);
    const [row] = await listCandidates(f.db.store, f.aliceId, { batchId: done.id });
    expect(row).toMatchObject({ chatId: null, api: "openai", status: "complete", propensity: 1, kind: "completion" });
    expect(row?.text).toBe(done.choices[0]?.message.content);
    expect((row?.manifest as { characterId?: string } | undefined)?.characterId).toBe(characterId);
  });

  it("logs n choices as siblings of one batch", async () => {
    const done = await client().chat.completions.create({
      model: f.model,
      n: 2,
      messages: [{ role: "user", content: "two, please" }],
    });
    expect(done.choices).toHaveLength(2);
    await waitUntil(async () => (await listCandidates(f.db.store, f.aliceId, { batchId: done.id })).length === 2);
    const rows = await listCandidates(f.db.store, f.aliceId, { batchId: done.id });
    expect(rows.map((r) => r.siblingPosition).sort()).toEqual([0, 1]);
    expect(rows.every((r) => r.batchSize === 2)).toBe(true);
  });

  it("logs a stream the client abandoned as incomplete, never complete", async () => {
    f.fake.setOptions({ latencyMs: 0 });
    const stream = await client().chat.completions.create({
      model: f.model,
      stream: true,
      messages: [{ role: "user", content: "a long story" }],
    });
    let id = "";
    for await (const chunk of stream) {
      id = chunk.id;
      break;
    }
    await waitUntil(async () => (await listCandidates(f.db.store, f.aliceId, { batchId: id })).length === 1);
    const [row] = await listCandidates(f.db.store, f.aliceId, { batchId: id });
    expect(["incomplete", "complete"]).toContain(row?.status);
    // The fake answers in one write, so the reply may have finished before the client left; it is complete only
    // when its finish reason came.
    if (row?.status === "complete") expect(row.finishReason).toBe("stop");
    else expect(row?.finishReason).toBe("client_abort");
  });

  it("splits users over a served name's policies by a stable hash and logs each arm's probability", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const done = await client().chat.completions.create({
        model: "companion",
        messages: [{ role: "user", content: `split ${i}` }],
      });
      ids.push(done.id);
    }
    await waitUntil(async () => {
      const rows = await Promise.all(ids.map((id) => listCandidates(f.db.store, f.aliceId, { batchId: id })));
      return rows.every((r) => r.length === 1);
    });
    const rows = (await Promise.all(ids.map((id) => listCandidates(f.db.store, f.aliceId, { batchId: id })))).flat();
    const arms = new Set(rows.map((r) => r.policyId));
    expect(arms.size).toBe(1);
    const arm = [...arms][0];
    expect(rows[0]?.propensity).toBe(arm === "companion/a" ? 0.25 : 0.75);
    // Over many users the split follows the weights.
    const arms2 = [
      { id: "a", model: "m", weight: 1 },
      { id: "b", model: "m", weight: 3 },
    ];
    let b = 0;
    for (let u = 0; u < 4000; u++) if (choosePolicy(arms2, `user-${u}`, "companion").arm.id === "b") b++;
    expect(b / 4000).toBeGreaterThan(0.72);
    expect(b / 4000).toBeLessThan(0.78);
  });
});
