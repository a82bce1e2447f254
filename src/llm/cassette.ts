import { mkdirSync } from "node:fs";
import { type FileHandle, open, readFile, truncate } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ExitCode, TroupeError } from "../core/index.ts";
import type { ChatRequest } from "./chat-request.ts";
import type { ChatResult } from "./chat-result.ts";

/** One recorded call: a line of the JSONL cassette. */
export interface CassetteEntry {
  v: 1;
  key: string;
  model: string;
  role: string | null;
  seed: number | null;
  runIndex: number | null;
  request: ChatRequest;
  result: ChatResult;
  recordedAt: string;
}

/** A cassette file that cannot be read (a damaged line other than a torn last one). */
export class CassetteError extends TroupeError {
  constructor(code: string, message: string, options: ConstructorParameters<typeof TroupeError>[2] = {}) {
    super(code, message, { exitCode: ExitCode.usage, ...options });
  }
}

/** What reading a cassette file found. */
export interface CassetteLoad {
  entries: CassetteEntry[];
  /** Byte length of the valid prefix; a torn last line lies beyond it. */
  validBytes: number;
  /** True when a torn (unparseable, unterminated) last line was dropped. */
  tornTail: boolean;
  /** True when the last valid line lacks its newline. */
  missingNewline: boolean;
}

/**
 * Parse cassette text. A crash can leave the last line half-written; that line is dropped (the call it recorded
 * simply runs again). Any other damaged line is an error: silently skipping it would replay a different run.
 */
export function parseCassette(text: string, path: string): CassetteLoad {
  const entries: CassetteEntry[] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset < text.length) {
    lineNo++;
    const end = text.indexOf("\n", offset);
    const last = end === -1;
    const line = text.slice(offset, last ? text.length : end);
    const next = last ? text.length : end + 1;
    if (line.trim() !== "") {
      try {
        const entry = JSON.parse(line) as CassetteEntry;
        if (typeof entry.key !== "string" || !entry.result) throw new Error("not a cassette entry");
        entries.push(entry);
      } catch (error) {
        if (last) {
          return {
            entries,
            validBytes: Buffer.byteLength(text.slice(0, offset)),
            tornTail: true,
            missingNewline: false,
          };
        }
        throw new CassetteError(
          "llm.cassette_corrupt",
          `Cassette ${path} line ${lineNo} is damaged: ${(error as Error).message}`,
          {
            hint: "Restore the file from a backup, or delete the damaged line (its call will be recorded again in auto mode).",
          },
        );
      }
    }
    offset = next;
  }
  return {
    entries,
    validBytes: Buffer.byteLength(text),
    tornTail: false,
    missingNewline: text.length > 0 && !text.endsWith("\n"),
  };
}

/**
 * A JSONL cassette of model calls, for reproducible runs. Each recorded call is appended as one line and fsynced
 * before the call returns, so a crash loses at most the call in flight. Several models of one run can share a
 * cassette (keys include the model id); use `openCassette` to get the shared instance for a path.
 */
export class Cassette {
  private readonly byKey = new Map<string, CassetteEntry[]>();
  private readonly cursor = new Map<string, number>();
  private handle: FileHandle | undefined;
  private writes: Promise<void> = Promise.resolve();
  private needsNewline: boolean;
  private tornAt: number | undefined;

  private constructor(
    readonly path: string,
    load: CassetteLoad,
  ) {
    for (const entry of load.entries) this.index(entry);
    this.needsNewline = load.missingNewline;
    this.tornAt = load.tornTail ? load.validBytes : undefined;
  }

  /** True when the file ended in a torn line (dropped on load, cut from the file before the next append). */
  get hadTornTail(): boolean {
    return this.tornAt !== undefined;
  }

  /** Read a cassette (a missing file is an empty cassette). Reading never changes the file. */
  static async load(path: string): Promise<Cassette> {
    const absolute = resolve(path);
    let text = "";
    try {
      text = await readFile(absolute, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return new Cassette(absolute, parseCassette(text, absolute));
  }

  private index(entry: CassetteEntry): void {
    const list = this.byKey.get(entry.key);
    if (list) list.push(entry);
    else this.byKey.set(entry.key, [entry]);
  }

  /** Number of recorded entries. */
  get size(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }

  /** Whether a key was recorded. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The next recorded answer for a key: equal calls replay their recordings in order; once they run out the last
   * one repeats (equal calls are interchangeable, exactly as a cache would treat them).
   */
  take(key: string): ChatResult | undefined {
    const list = this.byKey.get(key);
    if (!list || list.length === 0) return undefined;
    const at = this.cursor.get(key) ?? 0;
    this.cursor.set(key, at + 1);
    return (list[Math.min(at, list.length - 1)] as CassetteEntry).result;
  }

  /** Append an entry and fsync it; resolves once it is durable. Appends are serialised, never interleaved. */
  append(entry: CassetteEntry): Promise<void> {
    this.index(entry);
    // A recorded call counts as consumed, so auto mode does not replay what it just recorded to the same caller.
    this.cursor.set(entry.key, (this.cursor.get(entry.key) ?? 0) + 1);
    const write = this.writes.then(async () => {
      if (!this.handle) {
        mkdirSync(dirname(this.path), { recursive: true });
        // Cut a torn last line off before appending, so the new entry starts on a clean line.
        if (this.tornAt !== undefined) await truncate(this.path, this.tornAt);
        this.handle = await open(this.path, "a");
      }
      const line = `${this.needsNewline ? "\n" : ""}${JSON.stringify(entry)}\n`;
      this.needsNewline = false;
      await this.handle.write(line);
      await this.handle.datasync();
    });
    // Keep the chain alive after a failed write; the caller of that append still sees the error.
    this.writes = write.catch(() => {});
    return write;
  }

  /** Wait for pending writes and close the file. */
  async close(): Promise<void> {
    await this.writes;
    await this.handle?.close();
    this.handle = undefined;
  }
}

const open_: Map<string, Promise<Cassette>> = new Map();

/** The shared cassette for a path (loaded once per process), so several models append to one file safely. */
export function openCassette(path: string): Promise<Cassette> {
  const absolute = resolve(path);
  let cassette = open_.get(absolute);
  if (!cassette) {
    cassette = Cassette.load(absolute);
    open_.set(absolute, cassette);
    cassette.catch(() => open_.delete(absolute));
  }
  return cassette;
}

/** Close every cassette opened through `openCassette` (end of a run, or between tests). */
export async function closeCassettes(): Promise<void> {
  const all = [...open_.values()];
  open_.clear();
  await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close()));
}
