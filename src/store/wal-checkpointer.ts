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
const db = new Database(workerData.path, { timeout: 0 });
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

/**
 * Moves SQLite's WAL checkpoints off the JavaScript thread. By default the connection that commits past the
 * threshold copies the WAL back into the database file and syncs it, inside that commit: 5–7 ms during which the
 * event loop answers nothing. In a bench run that was the longest stall of the loop, and every session whose
 * answer arrived meanwhile waited it out (perf/bench-run.perf.ts measured it). Here the main connection never
 * checkpoints; a worker thread with its own connection runs PASSIVE checkpoints (which neither wait for nor block
 * writers) once the WAL has grown past SQLite's usual threshold. Should the worker fail, the main connection takes
 * checkpoints back, so the WAL never grows without bound.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private running = false;
  private failed = false;
  /** Checkpoints that failed in a row (another process checkpointing at the same moment is one harmless cause). */
  private failures = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly walPath: string;

  constructor(
    private readonly database: Database.Database,
    private readonly path: string,
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
    if (this.running || this.failed) return;
    let size: number;
    try {
      size = statSync(this.walPath).size;
    } catch {
      return; // no WAL file yet
    }
    if (size < THRESHOLD_BYTES) return;
    this.running = true;
    this.start().postMessage("checkpoint");
  }

  /** Stops the worker (after any checkpoint in progress) and its timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    // Referenced again while it shuts down: a closing store is awaited, and an unreferenced worker would let the
    // process exit with that await still pending.
    worker.ref();
    worker.postMessage("close");
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: this.driver, path: this.path } });
    // A checkpoint in progress must not keep the process alive: an interrupted checkpoint is harmless in SQLite.
    worker.unref();
    worker.on("message", (result: { ok: boolean }) => {
      this.running = false;
      this.failures = result.ok ? 0 : this.failures + 1;
      if (this.failures >= MAX_FAILURES) this.fallBack();
    });
    worker.on("error", () => this.fallBack());
    worker.on("exit", () => {
      if (this.worker === worker) this.fallBack();
    });
    this.worker = worker;
    return worker;
  }

  /** The worker could not checkpoint: SQLite's own automatic checkpoints take over again. */
  private fallBack(): void {
    if (this.failed) return;
    this.failed = true;
    this.running = false;
    clearInterval(this.timer);
    this.worker = undefined;
    try {
      this.database.pragma("wal_autocheckpoint = 1000");
    } catch {
      // the connection is already closed
    }
  }

  /** Whether checkpoints have fallen back to the main connection (for tests). */
  get fellBack(): boolean {
    return this.failed;
  }
}
