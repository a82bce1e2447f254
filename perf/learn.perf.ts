// Feedback learning: batched event ingest beside a raw better-sqlite3 insert of the same rows, and label
// derivation (events → labels) throughput, over events from `troupe learn simulate`'s population; and the field
// dashboard's served-reply checks (chat store → the bench's detectors per reply) beside the detectors run once per
// chat in memory, as the bench runs them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DETECTORS, runDetectors } from "../src/bench/index.ts";
import { chatDb } from "../src/chat/index.ts";
import {
  deriveLabels,
  ensureFeedbackTables,
  examinedCandidates,
  ingestEvents,
  readEvents,
  readServedReplies,
  runPipeline,
  type StoredFeedbackEvent,
  simulate,
} from "../src/feedback/index.ts";
import { openStore } from "../src/store/index.ts";
import { median, type PerfResult } from "./perf-result.ts";
import { englishTurns } from "./synthetic-transcript.ts";

const BATCH = 500;
const ROUNDS = 3;

/** Simulated events with the server's clock, as POST /api/events would receive them (batches of 500). */
function workload(): { events: Array<Record<string, unknown>>; now: number } {
  const sim = simulate({ seed: "perf", humans: 250 });
  const events = sim.batches.flatMap((b) => b.events);
  return { events, now: Math.max(...sim.batches.map((b) => b.receivedAt)) };
}

/** The rows troupe writes for these events, for the raw baseline (so both insert identical data). */
async function rowsOf(events: Array<Record<string, unknown>>, now: number) {
  const dir = mkdtempSync(join(tmpdir(), "troupe-perf-learn-"));
  const store = await openStore({ home: dir });
  try {
    for (let i = 0; i < events.length; i += BATCH)
      await ingestEvents(store, "perf", events.slice(i, i + BATCH), { now, trustUser: true });
    return (await store.db.selectFrom("feedback_events").selectAll().execute()) as Array<Record<string, unknown>>;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeTroupe(events: Array<Record<string, unknown>>, now: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-perf-learn-"));
  const store = await openStore({ home: dir });
  try {
    await ensureFeedbackTables(store);
    const start = performance.now();
    for (let i = 0; i < events.length; i += BATCH)
      await ingestEvents(store, "perf", events.slice(i, i + BATCH), { now, trustUser: true });
    return performance.now() - start;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A prepared INSERT per row, one transaction per batch: the fastest plain way to write these rows. */
async function timeRaw(rows: Array<Record<string, unknown>>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-perf-learn-"));
  // Same schema as troupe's (created by its migration), same pragmas as openStore.
  const store = await openStore({ home: dir });
  await ensureFeedbackTables(store);
  await store.close();
  const db = new Database(join(dir, "troupe.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  try {
    const columns = Object.keys(rows[0] as object);
    const insert = db.prepare(
      `insert into feedback_events (${columns.join(", ")}) values (${columns.map((c) => `@${c}`).join(", ")})`,
    );
    const batch = db.transaction((chunk: Array<Record<string, unknown>>) => {
      for (const row of chunk) insert.run(row);
    });
    const start = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) batch(rows.slice(i, i + BATCH));
    return performance.now() - start;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storedEvents(events: Array<Record<string, unknown>>, now: number): Promise<StoredFeedbackEvent[]> {
  const store = await openStore({ databaseUrl: ":memory:" });
  try {
    for (let i = 0; i < events.length; i += 5000)
      await ingestEvents(store, "perf", events.slice(i, i + 5000), { now, trustUser: true });
    return await readEvents(store);
  } finally {
    await store.close();
  }
}

const CHATS = 100;
const REPLIES_PER_CHAT = 20;

/** A store with CHATS served chats of REPLIES_PER_CHAT replies each, written as troupe serve writes its tables. */
async function servedStore() {
  const store = await openStore({ databaseUrl: ":memory:" });
  const db = await chatDb(store);
  const next = englishTurns("perf-served");
  const transcripts: Array<Array<{ role: "ai" | "user"; round: number; text: string }>> = [];
  for (let c = 0; c < CHATS; c++) {
    const chatId = `chat${c}`;
    const t = 1_790_000_000_000 + c * 100_000;
    await db
      .insertInto("chat_chats")
      .values({
        id: chatId,
        owner_id: "perf",
        character_id: null,
        character_ids: "[]",
        world_id: null,
        persona_name: "Ada",
        persona_description: "",
        model: null,
        sampling: "{}",
        title: "perf",
        branched_from_chat: null,
        branched_from_message: null,
        created_at: t,
        updated_at: t,
      })
      .execute();
    const messages = [];
    const candidates = [];
    const turns: Array<{ role: "ai" | "user"; round: number; text: string }> = [];
    let parent: string | null = null;
    for (let i = 0; i < REPLIES_PER_CHAT * 2; i++) {
      const user = i % 2 === 0;
      const id = `${chatId}-m${i}`;
      const text = user ? next().split(" ").slice(0, 12).join(" ") : next();
      turns.push({ role: user ? "user" : "ai", round: Math.floor(i / 2) + 2, text });
      const base = { owner_id: "perf", chat_id: chatId, created_at: t + i * 1000, updated_at: t + i * 1000 };
      messages.push({
        ...base,
        id,
        parent_id: parent,
        parent_key: parent ?? "",
        slot_id: id,
        version: 0,
        position: 0,
        role: user ? ("user" as const) : ("assistant" as const),
        speaker: user ? "Ada" : "Mira",
        text,
        status: "complete" as const,
        origin: user ? ("user" as const) : ("generated" as const),
        finish_reason: user ? null : "stop",
        edit_of: null,
        continued_from: null,
        copied_from: null,
        candidate_id: user ? null : `${id}-c`,
        client_message_id: null,
        world_node_id: null,
        lease_until: null,
        deleted_at: null,
      });
      if (!user)
        candidates.push({
          ...base,
          id: `${id}-c`,
          message_id: id,
          parent_message_id: parent,
          batch_id: `${id}-b`,
          batch_size: 1,
          generation_index: 0,
          sibling_position: 0,
          displayed_position: 0,
          policy_id: c % 2 ? "model-a" : "model-b",
          policy: "{}",
          manifest: "{}",
          prompt_tokens: null,
          completion_tokens: null,
          latency_ms: null,
          propensity: 1,
          order_propensity: 1,
          retry_of: null,
          kind: "reply",
          api: "chat",
          end_user: null,
          status: "complete" as const,
          finish_reason: "stop",
          text,
        });
      parent = id;
    }
    await db.insertInto("chat_messages").values(messages).execute();
    await db.insertInto("chat_candidates").values(candidates).execute();
    transcripts.push(turns);
  }
  return { store, transcripts };
}

/** Served-reply checks for the field dashboard beside the same detectors run once per chat, in memory. */
async function servedReplies(): Promise<PerfResult> {
  const { store, transcripts } = await servedStore();
  const detectors = DETECTORS.filter((d) =>
    ["garbled-text", "within-turn-repetition", "loop", "silence", "speaks-for-user"].includes(d.name),
  );
  try {
    await readServedReplies(store);
    const troupe: number[] = [];
    const direct: number[] = [];
    let replies = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      for (const turns of transcripts) runDetectors({ aiName: "Mira", userName: "Ada", turns }, detectors);
      direct.push(performance.now() - start);
      start = performance.now();
      replies = (await readServedReplies(store)).length;
      troupe.push(performance.now() - start);
    }
    const troupeMs = median(troupe);
    const directMs = median(direct);
    return {
      name: "field dashboard: served replies checked from the chat store vs detectors once per chat in memory",
      ratio: troupeMs / directMs,
      unit: "troupe wall time ÷ in-memory detector pass; lower is better (each reply is checked with its 8 prior turns)",
      detail: {
        chats: CHATS,
        replies,
        troupe_ms: troupeMs,
        direct_ms: directMs,
        replies_per_s: replies / (troupeMs / 1000),
      },
    };
  } finally {
    await store.close();
  }
}

export default async function run(): Promise<PerfResult[]> {
  const { events, now } = workload();
  const rows = await rowsOf(events, now);
  const troupe: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate so drift in machine load hits both sides alike.
    raw.push(await timeRaw(rows));
    troupe.push(await timeTroupe(events, now));
  }
  const troupeMs = median(troupe);
  const rawMs = median(raw);
  const ingestRatio = rawMs / troupeMs;

  const stored = await storedEvents(events, now);
  // Warm up once: the ratios are about steady-state throughput, not the JIT's first pass.
  deriveLabels(stored, {}, examinedCandidates(stored));
  runPipeline(stored);
  const derive: number[] = [];
  const pipeline: number[] = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    let start = performance.now();
    deriveLabels(stored, {}, examinedCandidates(stored));
    derive.push(performance.now() - start);
    start = performance.now();
    runPipeline(stored);
    pipeline.push(performance.now() - start);
  }
  const perSecond = stored.length / (median(derive) / 1000);
  return [
    {
      name: "batched event ingest vs raw SQLite insert of the same rows",
      ratio: ingestRatio,
      unit: "troupe ingest throughput ÷ raw prepared-insert throughput; higher is better",
      target: "≥ 0.5",
      pass: ingestRatio >= 0.5,
      detail: {
        events: events.length,
        batch: BATCH,
        troupe_ms: troupeMs,
        raw_ms: rawMs,
        troupe_events_per_s: events.length / (troupeMs / 1000),
      },
    },
    {
      name: "label derivation (exposure + labels) throughput",
      ratio: perSecond,
      unit: "events per second",
      target: "≥ 200000",
      pass: perSecond >= 200_000,
      detail: {
        events: stored.length,
        derive_ms: median(derive),
        full_pipeline_ms: median(pipeline),
        full_pipeline_events_per_s: stored.length / (median(pipeline) / 1000),
      },
    },
    await servedReplies(),
  ];
}
