import type { CompiledQuery } from "kysely";
import { BackgroundUnavailableError, type Store } from "../store/index.ts";
import { type BenchTurnRow, benchDb } from "./bench-tables.ts";
import type { TurnMeta } from "./dialogue.ts";
import { TurnConflictError } from "./run-store.ts";
import type { Turn } from "./turn.ts";

interface Pending {
  row: BenchTurnRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// PostgreSQL allows 65,535 parameters per statement; 14 columns × 500 rows stays far below it.
const MAX_ROWS = 500;
const MAX_WINDOW_MS = 10;

/**
 * Group commit for turns. Sessions running side by side each hand over their finished turn and wait; all turns
 * handed over within a short window go to the database in one multi-row INSERT (one statement, one transaction), and
 * every waiting session continues only once that statement has committed. A turn is therefore exactly as durable
 * as with one INSERT per turn, but 64 sessions cost one write instead of 64.
 */
export class TurnWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  /** The open batch's window timer, while one is running. */
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Moving average of the model-call latency of the turns handed over (scripted turns, with no call, excluded). */
  private latencyMs = 0;

  constructor(private readonly store: Store) {}

  /** How long a new batch is held open, in ms: a fifth of the typical call latency, at most 10; 0 below 1 ms. */
  get windowMs(): number {
    const window = Math.min(MAX_WINDOW_MS, this.latencyMs / 5);
    return window >= 1 ? window : 0;
  }

  /** Commit one turn; resolves once it is durable. Same text at the same round is a no-op; different text throws. */
  commit(runId: string, sessionId: string, turn: Turn, meta: TurnMeta, now: number): Promise<void> {
    // Answers replayed from a cassette or the cache count with their latency of 0, so a replay closes the window.
    if (meta.attempts > 0) this.latencyMs += (meta.latency_ms - this.latencyMs) * 0.1;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row: toRow(runId, sessionId, turn, meta, now), resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Sessions hand a turn over and start their next model call at once (session-runner.ts), so a commit only
      // has to land before that call returns. Holding the batch open for a fifth of the typical call latency
      // (at most 10 ms) therefore delays no one, and gathers several times more rows per transaction; with
      // instant models (tests, local replays) the window is zero and setImmediate batches one I/O phase.
      const windowMs = this.windowMs;
      if (windowMs > 0) this.timer = setTimeout(this.flush, windowMs);
      else setImmediate(this.flush);
    });
  }

  /**
   * Close the open batch now instead of at the end of its window: for a caller about to wait on a commit with no
   * model call to overlap it (a session's scripted opening turns, its last turn). Without this every session
   * start and end sat out what was left of a window: a few milliseconds each, tens over a bench run's five sessions
   * per concurrency slot.
   */
  hurry(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(() => this.write(batch));
  };

  /**
   * Runs the insert on the store's background connection when it has one (an SQLite file: the rows are written on
   * another thread while this one serves model answers), else, or if that worker is gone, on the main connection.
   * Returns the number of rows inserted.
   */
  private async execute(insert: CompiledQuery): Promise<number> {
    if (this.store.background) {
      try {
        return await this.store.background.run(insert.sql, insert.parameters);
      } catch (error) {
        if (!(error instanceof BackgroundUnavailableError)) throw error;
      }
    }
    const result = await (await benchDb(this.store)).executeQuery(insert);
    return Number(result.numAffectedRows ?? 0n);
  }

  private async write(batch: Pending[]): Promise<void> {
    const db = await benchDb(this.store);
    for (let i = 0; i < batch.length; i += MAX_ROWS) {
      const part = batch.slice(i, i + MAX_ROWS);
      try {
        const insert = db
          .insertInto("bench_turns")
          .values(part.map((p) => p.row))
          .onConflict((oc) => oc.columns(["session_id", "round"]).doNothing())
          .compile();
        if ((await this.execute(insert)) === part.length) {
          for (const p of part) p.resolve();
          continue;
        }
        // Some rows already existed: each one is fine if it holds the same text, a conflict otherwise.
        for (const p of part) {
          const existing = await db
            .selectFrom("bench_turns")
            .select("text")
            .where("session_id", "=", p.row.session_id)
            .where("round", "=", p.row.round)
            .executeTakeFirst();
          if (existing?.text === p.row.text) p.resolve();
          else p.reject(new TurnConflictError(p.row.session_id, p.row.round));
        }
      } catch (error) {
        for (const p of part) p.reject(error);
      }
    }
  }
}

function toRow(runId: string, sessionId: string, turn: Turn, meta: TurnMeta, now: number): BenchTurnRow {
  return {
    session_id: sessionId,
    round: turn.round,
    run_id: runId,
    role: turn.role,
    source: meta.source,
    text: turn.text,
    prompt_tokens: meta.prompt_tokens,
    completion_tokens: meta.completion_tokens,
    cost_usd: meta.cost_usd,
    retries: meta.retries,
    calls: meta.attempts,
    latency_ms: meta.latency_ms,
    meta_json: JSON.stringify(meta),
    created_at: now,
  };
}

const writers = new WeakMap<Store, TurnWriter>();

/** The shared writer of a store (one per store, so every session of every run in a process batches together). */
export function turnWriter(store: Store): TurnWriter {
  let writer = writers.get(store);
  if (!writer) {
    writer = new TurnWriter(store);
    writers.set(store, writer);
  }
  return writer;
}
