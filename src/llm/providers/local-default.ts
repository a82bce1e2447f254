import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { type DownloadProgress, downloadPinnedFile, type PinnedFile } from "./local-download.ts";

/** A downloadable GGUF model, pinned by size and checksum. */
export interface DefaultLocalModelInfo extends PinnedFile {
  /** File name inside the cache folder. */
  fileName: string;
  /** What it is, for `--help` and error messages. */
  description: string;
  license: string;
}

/**
 * The model `local:default` stands for: Qwen2.5-0.5B-Instruct at Q4_K_M (bartowski's GGUF build, Apache-2.0). It is
 * the smallest instruct model that follows a role-play system prompt and JSON schemas well enough to be useful, and
 * at ~400 MB it downloads in minutes and runs on a CPU. Its chat template ships in the file.
 *
 * Size and SHA-256 are those Hugging Face reports for the LFS object (several independent projects pin the same
 * pair); the download is verified against them, so a changed upstream file fails loudly instead of loading.
 */
export const DEFAULT_LOCAL_MODEL: DefaultLocalModelInfo = {
  fileName: "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
  url: "https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
  bytes: 397_808_192,
  sha256: "6eb923e7d26e9cea28811e1a8e852009b21242fb157b26149d3b188f3a8c8653",
  description: "Qwen2.5-0.5B-Instruct, Q4_K_M quantisation (about 380 MiB)",
  license: "Apache-2.0",
};

/** Where downloaded models live unless told otherwise: `$TROUPE_MODELS_DIR`, else the user's cache folder. */
export function defaultLocalModelCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const explicit = env["TROUPE_MODELS_DIR"];
  if (explicit) return resolve(explicit);
  // Models are large and not project state, so they go to the per-user cache rather than ./.troupe.
  const cacheRoot = env["XDG_CACHE_HOME"] || join(home, ".cache");
  return join(cacheRoot, "troupe", "models");
}

export interface EnsureDefaultLocalModelOptions {
  /** Folder the model is kept in (created if missing). */
  cacheDir: string;
  onProgress?: (progress: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** The file to fetch; defaults to `DEFAULT_LOCAL_MODEL` (tests pass a small file served locally). */
  model?: DefaultLocalModelInfo;
}

/**
 * Return the path of the default local model, downloading it into `cacheDir` on first use. Offline, it fails with
 * an error that tells the user how to use a model file they already have instead.
 */
export async function ensureDefaultLocalModel(options: EnsureDefaultLocalModelOptions): Promise<string> {
  const model = options.model ?? DEFAULT_LOCAL_MODEL;
  return downloadPinnedFile({
    file: model,
    dest: join(resolve(options.cacheDir), model.fileName),
    hint:
      `local:default downloads ${model.description} from ${new URL(model.url).host} on first use. Without a ` +
      "connection, pass a GGUF file you already have: --model local:/path/to/model.gguf",
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
