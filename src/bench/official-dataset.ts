import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { ExitCode, TroupeError, UsageError } from "../core/index.ts";
import { downloadFetch } from "../llm/index.ts";
import type { Lang } from "./scenario.ts";

/** Where the official data lives and the revision troupe pins (the dataset's initial release). */
export const ROLE_PLAY_BENCH = {
  repo: "MiniMaxAI/role-play-bench",
  revision: "3c1be2a56afbcaab19ae6b40b8a24429eae792f5",
  /**
   * The YAML header says apache-2.0 while the card's prose names CC BY 4.0 / CC BY-SA 4.0; troupe records the YAML
   * value and this note wherever provenance is shown.
   */
  license: "apache-2.0 (dataset card YAML; its prose also names CC BY 4.0 / CC BY-SA 4.0)",
} as const;

/** The three tables of the dataset. */
export type OfficialTable = "seeds" | "dialogues" | "evaluations";

export interface FetchOfficialOptions {
  lang: Lang;
  table: OfficialTable;
  format?: "jsonl" | "parquet";
  revision?: string;
  /** Cache folder; files are kept under `<cacheDir>/<revision>/<lang>/`. */
  cacheDir: string;
  /** Hugging Face endpoint (default `$HF_ENDPOINT` or https://huggingface.co), e.g. a mirror. */
  endpoint?: string;
  fetch?: typeof globalThis.fetch;
  /** Download progress; `total` is undefined when the server sends no length. */
  onProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

/** The public URL of one official file. */
export function officialFileUrl(
  o: Pick<FetchOfficialOptions, "lang" | "table" | "format" | "revision" | "endpoint">,
): string {
  const endpoint = (o.endpoint ?? process.env["HF_ENDPOINT"] ?? "https://huggingface.co").replace(/\/+$/, "");
  return `${endpoint}/datasets/${ROLE_PLAY_BENCH.repo}/resolve/${o.revision ?? ROLE_PLAY_BENCH.revision}/data/${o.lang}/${o.table}.${o.format ?? "jsonl"}`;
}

/**
 * Download one official file into the cache (once; later calls return the cached path) and return its path.
 * The file is written to a temporary name and renamed when complete, so an interrupted download never leaves a
 * truncated file that looks cached.
 */
export async function fetchOfficialFile(options: FetchOfficialOptions): Promise<string> {
  const revision = options.revision ?? ROLE_PLAY_BENCH.revision;
  const path = join(options.cacheDir, revision, options.lang, `${options.table}.${options.format ?? "jsonl"}`);
  if (existsSync(path)) return path;
  const url = officialFileUrl({ ...options, revision });
  const doFetch = options.fetch ?? (await downloadFetch());
  let response: Response;
  try {
    response = await doFetch(url, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (options.signal?.aborted) throw error;
    // Offline, DNS or refused connection: a network failure like a model download's (exit 4), not a bug.
    throw new TroupeError("bench.download_failed", `Could not download ${url}: ${describeFetchError(error)}.`, {
      hint: "Check the network connection (or set HF_ENDPOINT to a reachable mirror), or download the files yourself and pass their folder to --suite or `bench judge`.",
      exitCode: ExitCode.model,
      cause: error,
    });
  }
  if (!response.ok || !response.body) {
    const notFound = response.status === 404;
    throw new (notFound ? UsageError : TroupeError)(
      "bench.download_failed",
      `Downloading ${url} failed: HTTP ${response.status} ${response.statusText}`,
      {
        hint: notFound
          ? "Check the language and revision, or download the files yourself and pass the folder to --suite."
          : "The server failed; run the command again later, set HF_ENDPOINT to a mirror, or download the files yourself and pass the folder to --suite.",
        ...(notFound ? {} : { exitCode: ExitCode.model }),
      },
    );
  }
  const lengthHeader = response.headers.get("content-length");
  const total = lengthHeader ? Number(lengthHeader) : undefined;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  // Errors surface through the awaited `once(...)` calls below; this listener only keeps a late one from crashing.
  out.on("error", () => {});
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (!out.write(chunk)) await once(out, "drain");
      options.onProgress?.(received, total);
    }
    out.end();
    await once(out, "finish");
    if (total !== undefined && received !== total) {
      throw new TroupeError(
        "bench.download_failed",
        `Download of ${url} ended early (${received} of ${total} bytes).`,
        { hint: "Run the command again to retry the download.", exitCode: ExitCode.model },
      );
    }
    renameSync(partial, path);
  } catch (error) {
    out.destroy();
    await once(out, "close").catch(() => {});
    rmSync(partial, { force: true });
    if (error instanceof TroupeError) throw error;
    throw new TroupeError(
      "bench.download_failed",
      `Download of ${url} failed after ${received} bytes: ${(error as Error).message}`,
      {
        hint: "Run the command again to retry the download; nothing partial was kept.",
        exitCode: ExitCode.model,
        cause: error,
      },
    );
  }
  return path;
}

/** A fetch failure in a line: its message plus the system error code underneath ("fetch failed (ENOTFOUND)"). */
function describeFetchError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  let cause: unknown = error;
  for (let depth = 0; depth < 6 && cause && typeof cause === "object"; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return `${message} (${code})`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return message;
}
