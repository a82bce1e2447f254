import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ExitCode, TroupeError } from "../../core/index.ts";
import { sharedHttpTransport } from "../http-transport.ts";
import { LlmError } from "../llm-error.ts";

/** A file to fetch once and keep: where it comes from and what it must be. */
export interface PinnedFile {
  url: string;
  /** Exact size in bytes. */
  bytes: number;
  /** Lower-case hex SHA-256 of the whole file. */
  sha256: string;
}

/** Progress of a download: bytes on disk so far (including a resumed part) and the expected total. */
export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes?: number;
}

export interface DownloadOptions {
  file: PinnedFile;
  /** Final path; the file appears there only once complete and verified. */
  dest: string;
  /** Replaces the shared transport's fetch (tests simulate an offline machine). */
  fetchImpl?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** What to tell the user to do instead when the download cannot happen. */
  hint: string;
  /** Attempts that may resume after the connection drops mid-file. Default 3. */
  attempts?: number;
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Download a pinned file to `dest` unless it is already there. Bytes go to `<dest>.part` and are resumed with an
 * HTTP Range request after an interruption (or restarted when the server ignores the range); the finished file is
 * checked for size and SHA-256 and only then renamed into place, so `dest` never holds a partial or wrong file.
 * A lock file keeps two processes from writing the same part; calls in one process share one download.
 */
export async function downloadPinnedFile(options: DownloadOptions): Promise<string> {
  const existing = inFlight.get(options.dest);
  if (existing) return existing;
  const job = runDownload(options).finally(() => inFlight.delete(options.dest));
  inFlight.set(options.dest, job);
  return job;
}

async function runDownload(options: DownloadOptions): Promise<string> {
  const { dest, file } = options;
  if (await isComplete(dest, file)) return dest;
  await mkdir(dirname(dest), { recursive: true });
  const release = await lock(`${dest}.lock`, options.signal);
  try {
    // Another process may have finished it while we waited for the lock.
    if (await isComplete(dest, file)) return dest;
    const part = `${dest}.part`;
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const before = await sizeOf(part);
      try {
        await fetchInto(part, options);
        break;
      } catch (error) {
        const progressed = (await sizeOf(part)) > before;
        // Retry only a transfer that was moving: an offline machine should fail at once, not after three tries.
        if (!(error instanceof LlmError && error.kind === "connection" && progressed && attempt < attempts))
          throw error;
      }
    }
    await verify(part, options);
    await rename(part, dest);
    return dest;
  } finally {
    await release();
  }
}

/** A file at `dest` was renamed there only after verification, so a matching size is enough to trust it. */
async function isComplete(dest: string, file: PinnedFile): Promise<boolean> {
  const size = await sizeOf(dest);
  if (size === file.bytes) return true;
  if (size > 0) await rm(dest, { force: true });
  return false;
}

async function fetchInto(part: string, options: DownloadOptions): Promise<void> {
  const { file, hint } = options;
  // The shared transport's connections, without the size limit of model calls (the pin checks size and checksum).
  const fetchImpl = options.fetchImpl ?? sharedHttpTransport().fetchUnlimited;
  const host = safeHost(file.url);
  let offset = await sizeOf(part);
  if (offset > file.bytes) {
    await rm(part, { force: true });
    offset = 0;
  }
  if (offset === file.bytes) return;
  options.onProgress?.({ downloadedBytes: offset, totalBytes: file.bytes });

  let response: Response;
  try {
    response = await fetchImpl(file.url, {
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      redirect: "follow",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw abortError(error);
    throw new LlmError("unreachable", `Could not download ${basename(file.url)} from ${host}: ${describe(error)}.`, {
      hint,
      cause: error,
    });
  }

  if (offset > 0 && (response.status === 416 || (response.status === 206 && !rangeStartsAt(response, offset)))) {
    // The server disagrees about what we have: start over rather than splice mismatched bytes.
    await response.body?.cancel();
    await rm(part, { force: true });
    return fetchInto(part, options);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new LlmError(
      response.status >= 500 ? "server" : "unreachable",
      `Downloading ${basename(file.url)} from ${host} failed with HTTP ${response.status}.`,
      { hint, status: response.status },
    );
  }
  if (!response.body) throw new LlmError("connection", `${host} sent an empty response.`, { hint });
  if (response.status === 206 && !rangeStartsAt(response, offset)) {
    await response.body?.cancel();
    throw new LlmError("server", `${host} answered a plain download with a partial range.`, { hint });
  }
  const append = response.status === 206 && offset > 0;
  const announced = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(announced) && (append ? offset : 0) + announced !== file.bytes) {
    // An error page served with 200, or a changed upstream file: neither will ever verify, so do not fetch it.
    await response.body?.cancel();
    throw new TroupeError(
      "llm.download_size",
      `${host} offers ${basename(file.url)} as ${(append ? offset : 0) + announced} bytes, but the pinned file is ` +
        `${file.bytes} bytes.`,
      { hint, exitCode: ExitCode.model },
    );
  }
  let written = append ? offset : 0;
  const handle = await open(part, append ? "a" : "w");
  try {
    for await (const chunk of response.body) {
      written += chunk.byteLength;
      if (written > file.bytes) {
        throw new TroupeError("llm.download_size", `${host} sent more than the expected ${file.bytes} bytes.`, {
          hint,
          exitCode: ExitCode.model,
        });
      }
      await handle.write(chunk);
      options.onProgress?.({ downloadedBytes: written, totalBytes: file.bytes });
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    if (error instanceof TroupeError) {
      await rm(part, { force: true });
      throw error;
    }
    if (options.signal?.aborted) throw abortError(error);
    throw new LlmError("connection", `The download from ${host} broke off at ${written} of ${file.bytes} bytes.`, {
      hint: "Run the command again to resume the download.",
      cause: error,
    });
  }
  await handle.close();
  if (written < file.bytes) {
    throw new LlmError("connection", `The download from ${host} ended at ${written} of ${file.bytes} bytes.`, {
      hint: "Run the command again to resume the download.",
    });
  }
}

async function verify(part: string, options: DownloadOptions): Promise<void> {
  const { file } = options;
  const size = await sizeOf(part);
  const digest = size === file.bytes ? await sha256File(part) : "";
  if (size !== file.bytes || digest !== file.sha256.toLowerCase()) {
    await rm(part, { force: true });
    throw new TroupeError(
      "llm.download_checksum",
      `The downloaded ${basename(file.url)} failed verification (${size} bytes, sha256 ${digest || "not computed"}; ` +
        `expected ${file.bytes} bytes, sha256 ${file.sha256}). The file was deleted.`,
      { hint: `Run the command again to download it afresh. ${options.hint}`, exitCode: ExitCode.model },
    );
  }
}

/** Hex SHA-256 of a file, streamed so large models do not need to fit in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Take an exclusive lock file; waits while a live process holds it and takes over one left by a dead process. */
async function lock(path: string, signal?: AbortSignal): Promise<() => Promise<void>> {
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (!Number.isInteger(holder) || !isAlive(holder)) {
      await rm(path, { force: true });
      continue;
    }
    await sleep(500, undefined, signal ? { signal } : {}).catch((error: unknown) => {
      throw abortError(error);
    });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function rangeStartsAt(response: Response, offset: number): boolean {
  const match = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match !== null && Number(match[1]) === offset;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The network cause of a failed fetch ("getaddrinfo ENOTFOUND huggingface.co"), not just "fetch failed". */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message) return `${error.message} (${cause.message})`;
  return error.message;
}

function abortError(cause: unknown): LlmError {
  return new LlmError("aborted", "The download was stopped; run the command again to resume it.", { cause });
}
