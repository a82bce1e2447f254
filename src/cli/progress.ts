/** What a long-running command reports as it goes. */
export interface ProgressUpdate {
  /** Units done so far (turns, sessions, bytes). */
  done: number;
  total?: number;
  /** Tokens used so far. */
  tokens?: number;
  /** Dollars spent so far. */
  costUsd?: number;
  /** A short status word or two ("resuming", "judging chunk 3/5"). */
  note?: string;
}

export interface ProgressOptions {
  label: string;
  /** Name of the unit in the rate ("turns/s"). */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Seconds between lines when the stream is not a terminal (logs in CI). */
  plainIntervalSec?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Human duration "1h02m", "3m05s", "12s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** Compact count: 950, 12.3k, 4.56M. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** The one-line view of a progress state; pure so it can be tested without a terminal. */
export function renderProgressLine(
  label: string,
  unit: string,
  u: ProgressUpdate,
  elapsedMs: number,
  width = 24,
): string {
  const parts = [label];
  if (u.total && u.total > 0) {
    const frac = Math.min(1, u.done / u.total);
    const filled = Math.round(frac * width);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${u.done}/${u.total} ${(frac * 100).toFixed(0)}%`);
  } else {
    parts.push(`${u.done}`);
  }
  const rate = elapsedMs > 0 ? u.done / (elapsedMs / 1000) : 0;
  parts.push(`${rate.toFixed(rate < 10 ? 2 : 1)} ${unit}/s`);
  if (u.total && u.done > 0 && u.done < u.total)
    parts.push(`ETA ${formatDuration(((u.total - u.done) / u.done) * elapsedMs)}`);
  parts.push(`elapsed ${formatDuration(elapsedMs)}`);
  if (u.tokens !== undefined) parts.push(`${formatCount(u.tokens)} tok`);
  if (u.costUsd !== undefined) parts.push(`$${u.costUsd.toFixed(u.costUsd < 1 ? 4 : 2)}`);
  if (u.note) parts.push(u.note);
  return parts.join("  ");
}

/**
 * A progress display on stderr. On a terminal it redraws one line in place; elsewhere (CI logs, pipes) it prints
 * a line every few seconds, so logs show progress without thousands of lines.
 */
export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly now: () => number;
  private readonly started: number;
  private lastPlain = 0;
  private lastDraw = 0;
  private state: ProgressUpdate = { done: 0 };
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Report new totals; cheap to call on every unit. */
  update(update: Partial<ProgressUpdate>): void {
    this.state = { ...this.state, ...update };
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw < 100 && this.state.done !== this.state.total) return;
      this.lastDraw = t;
      this.stream.write(`\r\x1b[2K${this.line()}`);
    } else if (t - this.lastPlain >= (this.options.plainIntervalSec ?? 5) * 1000) {
      this.lastPlain = t;
      this.stream.write(`${this.line()}\n`);
    }
  }

  /** Print the final state on its own line. */
  done(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (note !== undefined) this.state.note = note;
    this.stream.write(`${this.stream.isTTY ? "\r\x1b[2K" : ""}${this.line()}\n`);
  }

  private line(): string {
    return renderProgressLine(this.options.label, this.options.unit ?? "it", this.state, this.now() - this.started);
  }
}
