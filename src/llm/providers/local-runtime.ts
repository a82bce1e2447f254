import { open, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaLogLevel,
  LlamaModel,
} from "node-llama-cpp";
import { canonicalJson, ExitCode, type Logger, silentLogger, TroupeError } from "../../core/index.ts";
import { applyNumberRules, type GrammarJsonSchema } from "../json-schema-grammar.ts";
import { LlmError } from "../llm-error.ts";
import { loadedContextSize } from "../model-context-window.ts";
import { SequencePool } from "./local-sequence-pool.ts";
import { SharedCache } from "./local-shared-cache.ts";

/** The node-llama-cpp module, imported only when a local model is actually used. */
export type NodeLlamaCpp = typeof import("node-llama-cpp");

/** Loads node-llama-cpp; replaceable in tests to simulate a missing or broken native binary. */
export type RuntimeImporter = () => Promise<NodeLlamaCpp>;

/** Grammars kept per process; compiling one costs milliseconds, and bench runs reuse a handful of schemas. */
const MAX_CACHED_GRAMMARS = 64;

/**
 * Threads for llama.cpp on a machine with `cores` logical CPUs. On 2 cores llama.cpp's own default (all cores,
 * busy-waiting) competes with Node and other processes and runs hundreds of times slower than one thread; on larger
 * machines about half the logical CPUs approximates the physical cores, capped because small models stop scaling.
 */
export function defaultLocalThreads(cores: number = availableParallelism()): number {
  if (cores <= 2) return 1;
  return Math.min(8, Math.max(1, Math.floor(cores / 2)));
}

/** What a loaded model and its context offer to the provider. Shared by every ChatModel made for the same file. */
export interface LocalRuntimeModel {
  readonly mod: NodeLlamaCpp;
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly pool: SequencePool<LlamaContextSequence>;
  readonly chatWrapper: ChatWrapper;
  /** True when the GGUF carries its own chat template (otherwise troupe's plain transcript wrapper is used). */
  readonly hasChatTemplate: boolean;
  readonly contextSize: number;
  readonly threads: number;
  /** A compiled grammar for a schema, cached by the schema's canonical JSON. */
  grammar(schema: GrammarJsonSchema): Promise<LlamaGrammar>;
}

/** One user's hold on a shared model; `release` unloads it when the last holder lets go. */
export interface LocalModelLease {
  readonly runtime: LocalRuntimeModel;
  release(): Promise<void>;
}

export interface AcquireOptions {
  modelPath: string;
  threads: number;
  contextSize?: number;
  parallel: number;
  logger?: Logger;
  importRuntime?: RuntimeImporter;
}

interface LoadedContext {
  runtime: LocalRuntimeModel;
  dispose(): Promise<void>;
}

interface LoadedWeights {
  mod: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
}

const defaultImporter: RuntimeImporter = () => import("node-llama-cpp");
// One llama.cpp runtime per importer (in practice one per process; tests add fakes that must not replace it).
const llamas = new Map<RuntimeImporter, Promise<{ mod: NodeLlamaCpp; llama: Llama }>>();
// Weights are loaded once per file; each context shape (threads, size, sequences) gets its own context on them.
const weights = new SharedCache<LoadedWeights>((w) => w.model.dispose());
const contexts = new SharedCache<LoadedContext>((c) => c.dispose());
// llama.cpp logs through one process-wide callback; route it to the logger of the most recent caller that gave one.
let logSink: Logger = silentLogger;

/** Load (once) and share a model file with a context of the given shape. */
export async function acquireLocalModel(options: AcquireOptions): Promise<LocalModelLease> {
  if (options.logger) logSink = options.logger;
  const modelPath = resolve(options.modelPath);
  await checkModelFile(modelPath);
  const key = [modelPath, options.contextSize ?? "auto", options.threads, options.parallel].join("\0");
  const lease = await contexts.acquire(key, () => loadContext(modelPath, options));
  return { runtime: lease.value.runtime, release: () => lease.release() };
}

/** Unload every local model and the llama.cpp runtime (tests, and a server shutting down). */
export async function disposeLocalModels(): Promise<void> {
  await contexts.clear();
  await weights.clear();
  const runtimes = [...llamas.values()];
  llamas.clear();
  for (const runtime of runtimes) {
    const started = await runtime.catch(() => undefined);
    await started?.llama.dispose();
  }
}

/** Fail early, with a message a user can act on, when the path is not a readable GGUF file. */
async function checkModelFile(modelPath: string): Promise<void> {
  const hint = "Pass a GGUF file that exists, e.g. --model local:/path/to/model.gguf, or use --model local:default.";
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(modelPath);
  } catch (error) {
    throw new LlmError("invalid_request", `No model file at ${modelPath}.`, {
      hint,
      cause: error,
      model: `local:${modelPath}`,
    });
  }
  if (!info.isFile()) {
    throw new LlmError("invalid_request", `${modelPath} is not a file.`, { hint, model: `local:${modelPath}` });
  }
  const handle = await open(modelPath, "r");
  try {
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    if (magic.toString("latin1") !== "GGUF") {
      throw new LlmError("invalid_request", `${modelPath} is not a GGUF model file (it does not start with "GGUF").`, {
        hint: "Local models must be llama.cpp GGUF files; convert the model or download a .gguf build of it.",
        model: `local:${modelPath}`,
      });
    }
  } finally {
    await handle.close();
  }
}

async function loadLlama(importer: RuntimeImporter): Promise<{ mod: NodeLlamaCpp; llama: Llama }> {
  const existing = llamas.get(importer);
  if (existing) return existing;
  const started = startLlama(importer);
  llamas.set(importer, started);
  // A failed start is not remembered, so the next call can try again (e.g. after the user fixed the install).
  started.catch(() => {
    if (llamas.get(importer) === started) llamas.delete(importer);
  });
  return started;
}

async function startLlama(importer: RuntimeImporter): Promise<{ mod: NodeLlamaCpp; llama: Llama }> {
  const hint =
    "Run `npm ci` again on this machine (node-llama-cpp ships prebuilt llama.cpp binaries for Linux, macOS and " +
    "Windows on x64 and arm64), or use a remote model instead, e.g. --model openai:gpt-4.1-mini.";
  let mod: NodeLlamaCpp;
  try {
    mod = await importer();
  } catch (error) {
    throw new TroupeError(
      "llm.local_runtime",
      `The local model runtime (node-llama-cpp) could not be loaded: ${message(error)}`,
      {
        hint,
        exitCode: ExitCode.model,
        cause: error,
      },
    );
  }
  try {
    const llama = await mod.getLlama({
      gpu: false,
      // Never compile llama.cpp on the user's machine: a missing prebuilt binary should fail now, not after minutes.
      build: "never",
      logLevel: "warn" as LlamaLogLevel,
      logger: (level, text) => routeLog(level, text),
    });
    return { mod, llama };
  } catch (error) {
    const noBinary = error instanceof mod.NoBinaryFoundError;
    throw new TroupeError(
      "llm.local_runtime",
      noBinary
        ? `No prebuilt llama.cpp binary works on this machine (${process.platform}-${process.arch}).`
        : `The llama.cpp runtime failed to start: ${message(error)}`,
      { hint, exitCode: ExitCode.model, cause: error },
    );
  }
}

function routeLog(level: LlamaLogLevel, text: string): void {
  const line = text.trim();
  if (line.length === 0) return;
  // llama.cpp warns routinely about harmless metadata (e.g. unset separator tokens); keep warnings for --verbose.
  if (level === "fatal" || level === "error") logSink.error({ source: "llama.cpp" }, line);
  else if (level === "warn") logSink.info({ source: "llama.cpp" }, line);
  else logSink.debug({ source: "llama.cpp" }, line);
}

async function loadWeights(modelPath: string, importer: RuntimeImporter): Promise<LoadedWeights> {
  const { mod, llama } = await loadLlama(importer);
  try {
    return { mod, llama, model: await llama.loadModel({ modelPath }) };
  } catch (error) {
    throw new LlmError("invalid_request", `Could not load the model ${modelPath}: ${message(error)}`, {
      hint:
        error instanceof mod.InsufficientMemoryError
          ? "The machine does not have enough memory for this model; use a smaller or more quantised GGUF."
          : "Check that the file is a complete GGUF download of a model llama.cpp supports.",
      model: `local:${modelPath}`,
      cause: error,
    });
  }
}

async function loadContext(modelPath: string, options: AcquireOptions): Promise<LoadedContext> {
  const importer = options.importRuntime ?? defaultImporter;
  const weightsLease = await weights.acquire(`${importerId(importer)}\0${modelPath}`, () =>
    loadWeights(modelPath, importer),
  );
  const { mod, llama, model } = weightsLease.value;
  const modelId = `local:${modelPath}`;
  let context: LlamaContext;
  try {
    context = await model.createContext({
      contextSize: options.contextSize ?? loadedContextSize(model.trainContextSize),
      sequences: options.parallel,
      threads: options.threads,
    });
  } catch (error) {
    await weightsLease.release();
    throw new LlmError("invalid_request", `Could not create a context for ${modelPath}: ${message(error)}`, {
      hint: "Lower the context size or the number of parallel sequences.",
      model: modelId,
      cause: error,
    });
  }
  const sequences = Array.from({ length: options.parallel }, () => context.getSequence());
  const hasChatTemplate = typeof model.fileInfo.metadata?.tokenizer?.chat_template === "string";
  // Without a template node-llama-cpp would guess Llama-2 syntax, which a model trained on none of it cannot follow;
  // a plain "### User / ### Assistant" transcript is the most neutral format for such models.
  const chatWrapper: ChatWrapper = hasChatTemplate
    ? mod.resolveChatWrapper(model)
    : new mod.GeneralChatWrapper({ userMessageTitle: "User", modelResponseTitle: "Assistant" });
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  const runtime: LocalRuntimeModel = {
    mod,
    llama,
    model,
    context,
    pool: new SequencePool(sequences),
    chatWrapper,
    hasChatTemplate,
    contextSize: context.contextSize,
    threads: options.threads,
    grammar(schema) {
      const key = canonicalJson(schema);
      let grammar = grammars.get(key);
      if (!grammar) {
        if (grammars.size >= MAX_CACHED_GRAMMARS) grammars.delete(grammars.keys().next().value!);
        grammar = compileGrammar(llama, schema);
        grammar.catch(() => grammars.delete(key));
        grammars.set(key, grammar);
      }
      return grammar;
    },
  };
  return {
    runtime,
    async dispose() {
      await context.dispose();
      await weightsLease.release();
    },
  };
}

/** node-llama-cpp's grammar for a schema, with troupe's number rules (sign, unit interval) patched in. */
async function compileGrammar(llama: Llama, schema: GrammarJsonSchema): Promise<LlamaGrammar> {
  const json = await llama.createGrammarForJsonSchema(schema as Parameters<Llama["createGrammarForJsonSchema"]>[0]);
  const gbnf = applyNumberRules(json.grammar);
  if (gbnf === json.grammar) return json;
  return llama.createGrammar({
    grammar: gbnf,
    stopGenerationTriggers: json.stopGenerationTriggers,
    trimWhitespaceSuffix: json.trimWhitespaceSuffix,
  });
}

const importerIds = new Map<RuntimeImporter, number>();

/** Weights belong to the runtime that loaded them, so a test's fake runtime never receives the real one's. */
function importerId(importer: RuntimeImporter): number {
  let id = importerIds.get(importer);
  if (id === undefined) {
    id = importerIds.size;
    importerIds.set(importer, id);
  }
  return id;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
