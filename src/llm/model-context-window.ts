import { open } from "node:fs/promises";
import { join } from "node:path";
import type { ModelSpec } from "./model-spec.ts";

/** Context size a local model is loaded with when none is given, capped by what the model was trained on. */
export const DEFAULT_CONTEXT_SIZE = 8192;

/** Training context of the model `local:default` downloads (Qwen2.5-0.5B-Instruct), known without the file. */
const DEFAULT_MODEL_TRAIN_CONTEXT = 32768;

/** Where to look for files a spec refers to indirectly. */
export interface ModelContextWindowOptions {
  /** Folder of downloaded models, for `local:default` (default: the user's troupe model cache). */
  modelsDir?: string;
}

/**
 * Tokens a model holds (prompt plus answer), as far as troupe can know without loading it: the spec's explicit
 * `contextSize`; for a local GGUF the size troupe would load (its training context, at most 8192), read from the
 * file's header; otherwise undefined (a remote model's window is not known unless configured).
 */
export async function modelContextWindow(
  spec: ModelSpec,
  options: ModelContextWindowOptions = {},
): Promise<number | undefined> {
  if (spec.endpoint.contextSize !== undefined) return spec.endpoint.contextSize;
  if (spec.kind !== "local") return undefined;
  if (spec.path !== "default") {
    const trained = await ggufTrainContext(spec.path);
    return trained === undefined ? undefined : loadedContextSize(trained);
  }
  const { DEFAULT_LOCAL_MODEL, defaultLocalModelCacheDir } = await import("./providers/local-default.ts");
  const cached = join(options.modelsDir ?? defaultLocalModelCacheDir(), DEFAULT_LOCAL_MODEL.fileName);
  const trained = (await ggufTrainContext(cached)) ?? DEFAULT_MODEL_TRAIN_CONTEXT;
  return loadedContextSize(trained);
}

/** The context troupe loads a local model with when the spec gives no size. */
export function loadedContextSize(trainContextSize: number): number {
  return Math.min(trainContextSize, DEFAULT_CONTEXT_SIZE);
}

/** The training context a GGUF file declares, or undefined when the file is missing or unreadable. */
async function ggufTrainContext(path: string): Promise<number | undefined> {
  // node-llama-cpp's reader reads past the end of a damaged file as zeros and can spin for seconds; check first.
  if (!(await plausibleGgufHeader(path))) return undefined;
  try {
    // node-llama-cpp is heavy: load it only when a local model's header is actually read.
    const { readGgufFileInfo } = await import("node-llama-cpp");
    // The header alone; the vocabulary arrays are the bulk of the metadata and say nothing about the context.
    const info = await readGgufFileInfo(path, {
      readTensorInfo: false,
      logWarnings: false,
      ignoreKeys: [
        "tokenizer.ggml.tokens",
        "tokenizer.ggml.scores",
        "tokenizer.ggml.token_type",
        "tokenizer.ggml.merges",
      ],
      sourceType: "filesystem",
    });
    const length = (info.architectureMetadata as { context_length?: unknown }).context_length;
    return typeof length === "number" && length > 0 ? length : undefined;
  } catch {
    return undefined;
  }
}

/** True when the file starts like a GGUF v2/v3 header whose metadata count the file could actually hold. */
async function plausibleGgufHeader(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const head = Buffer.alloc(24);
    const { bytesRead } = await handle.read(head, 0, 24, 0);
    if (bytesRead < 24 || head.toString("latin1", 0, 4) !== "GGUF") return false;
    const version = head.readUInt32LE(4);
    const entries = head.readBigUInt64LE(16);
    // Every metadata entry takes at least 12 bytes (key length and value type).
    return (version === 2 || version === 3) && entries * 12n <= BigInt((await handle.stat()).size);
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
