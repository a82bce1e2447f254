// Feedback learning: batched event ingest beside a raw better-sqlite3 insert of the same rows, and label
// derivation (events → labels) throughput, over events from `troupe learn simulate`'s population.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  deriveLabels,
  ensureFeedbackTables,
  examinedCandidates,
  ingestEvents,
  readEvents,
  runPipeline,
  type StoredFeedbackEvent,
  simulate,
} from "../src/feedback/index.ts";
import { openStore } from "../src/store/index.ts";
import { median, type PerfResult } from "./perf-result.ts";

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
  ];
}
