import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

/** WAL size past which a checkpoint is started: SQLite's own default (1000 pages of 4 KiB). */
const THRESHOLD_BYTES = 1000 * 4096;
const POLL_MS = 250;
const MAX_FAILURES = 3;

// The worker's whole program. It is a string (run with `eval`) rather than a module file because the sources run
// through a TypeScript loader that a worker thread does not inherit; it needs nothing but better-sqlite3.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("foreign_keys = ON");
const statements = new Map();
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  if (message === "checkpoint") {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
      parentPort.postMessage({ checkpoint: true, ok: true });
    } catch (error) {
      parentPort.postMessage({ checkpoint: true, ok: false });
    }
    return;
  }
  try {
    let statement = statements.get(message.sql);
    if (!statement) {
      statement = db.prepare(message.sql);
      statements.set(message.sql, statement);
      if (statements.size > 64) statements.delete(statements.keys().next().value);
    }
    parentPort.postMessage({ id: message.id, changes: statement.run(...message.params).changes });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

/** The background connection is gone (its worker could not start or died): run the statement yourself. */
export class BackgroundUnavailableError extends Error {
  constructor() {
    super("the SQLite background worker is not available");
  }
}

/** Writes a caller may hand to another thread: one statement, its parameters, the number of rows it changed. */
export interface BackgroundWriter {
  run(sql: string, parameters: readonly unknown[]): Promise<number>;
}

/** What the worker posts back: a checkpoint's outcome, or a write's changed rows or error. */
interface WorkerReply {
  checkpoint?: true;
  ok?: boolean;
  id?: number;
  changes?: number;
  error?: { message: string; code?: string };
}

interface Pending {
  resolve: (changes: number) => void;
  reject: (error: unknown) => void;
}

/**
 * A worker thread with its own connection to the same SQLite file, doing the database work that would otherwise
 * stall the one JavaScript thread:
 *
 * - **WAL checkpoints.** By default the connection that commits past the threshold copies the WAL back into the
 *   database file and syncs it, inside that commit: 5–7 ms during which the event loop answers nothing. Here the
 *   main connection never checkpoints; the worker runs PASSIVE checkpoints (which neither wait for nor block
 *   writers) once the WAL has grown past SQLite's usual threshold. If the worker fails, SQLite's automatic
 *   checkpoints come back, so the WAL never grows without bound.
 * - **Batched writes** (`run`): a bench run's turn inserts, a few hundred microseconds of SQLite work every few
 *   milliseconds, during which answers from the model wait. The caller awaits the worker's commit, so a write is
 *   exactly as durable as on the main connection. If the worker is unavailable, `run` rejects with
 *   BackgroundUnavailableError and the caller writes on the main connection instead.
 *
 * perf/bench-run.perf.ts measures both. Two connections writing one file take turns on SQLite's write lock; each
 * waits in SQLite's busy handler (the store's busy timeout) rather than failing.
 */
export class SqliteBackground implements BackgroundWriter {
  private worker: Worker | undefined;
  private checkpointing = false;
  private failed = false;
  /** Checkpoints that failed in a row (another process checkpointing at the same moment is one harmless cause). */
  private failures = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  /** Callers of `idle` waiting for the running checkpoint to end. */
  private idleWaiters: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly walPath: string;

  constructor(
    private readonly database: Database.Database,
    private readonly path: string,
    private readonly busyTimeoutMs = 5_000,
    /** The module the worker opens the database with (tests point it at one that fails). */
    private readonly driver = createRequire(import.meta.url).resolve("better-sqlite3"),
  ) {
    this.walPath = `${path}-wal`;
    database.pragma("wal_autocheckpoint = 0");
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Checks the WAL's size and starts a checkpoint past the threshold (also called by the timer). */
  poll(): void {
    if (this.checkpointing || this.failed) return;
    let size: number;
    try {
      size = statSync(this.walPath).size;
    } catch {
      return; // no WAL file yet
    }
    if (size < THRESHOLD_BYTES) return;
    this.checkpointing = true;
    this.start().postMessage("checkpoint");
  }

  /**
   * Resolves once no checkpoint is running (at once when none is): the checkpoint has finished, failed, or the
   * worker has fallen back. Lets a caller order its next write after a checkpoint by an event, not a clock.
   */
  idle(): Promise<void> {
    if (!this.checkpointing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs one statement on the worker's connection; resolves with the rows it changed once it has committed. */
  run(sql: string, parameters: readonly unknown[]): Promise<number> {
    if (this.failed) return Promise.reject(new BackgroundUnavailableError());
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while a write is outstanding: the caller awaits it, and an unreferenced worker would let the
      // process exit with that await still pending.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, sql, params: parameters });
    });
  }

  /** Stops the worker (after the work it has been given) and its timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    // Referenced again while it shuts down, for the same reason as in `run`.
    worker.ref();
    worker.postMessage("close");
    await exited;
    this.checkpointEnded();
    this.rejectPending();
  }

  /** Whether the worker has failed and checkpoints and writes are back on the main connection (for tests). */
  get fellBack(): boolean {
    return this.failed;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: this.driver, path: this.path, busyTimeoutMs: this.busyTimeoutMs },
    });
    // Idle, it must not keep the process alive: an interrupted checkpoint is harmless in SQLite.
    worker.unref();
    worker.on("message", (message: WorkerReply) => this.settle(message));
    worker.on("error", () => this.fallBack());
    worker.on("exit", () => {
      if (this.worker === worker) this.fallBack();
    });
    this.worker = worker;
    return worker;
  }

  private settle(message: WorkerReply): void {
    if (message.checkpoint) {
      this.failures = message.ok ? 0 : this.failures + 1;
      if (this.failures >= MAX_FAILURES) this.fallBack();
      this.checkpointEnded();
      return;
    }
    const waiting = this.pending.get(message.id as number);
    if (!waiting) return;
    this.pending.delete(message.id as number);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.error) {
      const { message: text, code } = message.error;
      waiting.reject(Object.assign(new Error(text), code ? { code } : {}));
    } else waiting.resolve(message.changes as number);
  }

  /** The worker could not do its job: SQLite's own checkpoints take over again, writes go back to the caller. */
  private fallBack(): void {
    if (this.failed) return;
    this.failed = true;
    this.checkpointEnded();
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.rejectPending();
    try {
      this.database.pragma("wal_autocheckpoint = 1000");
    } catch {
      // the connection is already closed
    }
  }

  private checkpointEnded(): void {
    this.checkpointing = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private rejectPending(): void {
    for (const waiting of this.pending.values()) waiting.reject(new BackgroundUnavailableError());
    this.pending.clear();
  }
}
