import { randomBytes } from "node:crypto";
import type { Logger } from "../core/index.ts";
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, Usage } from "../llm/index.ts";
import type { Actor } from "./actor.ts";
import type { Gateway, GatewayEvent, GatewayRequest, ServedModelInfo } from "./gateway.ts";
import { HttpError } from "./http-error.ts";
import type { ModelRegistry, ResolvedPolicy } from "./model-registry.ts";

/**
 * Characters served as models ("character:<id>", "world:<chatId>"): a plain OpenAI client chats with a card, its
 * lore and, for a world, what the character knows and remembers.
 */
export interface CharacterServing {
  list(actor: Actor): Promise<ServedModelInfo[]>;
  /** Whether a model name is one of these (then `prompt` decides whether the actor has it). */
  claims(name: string): boolean;
  /** The prompt for the client's history, or undefined when the actor has no such character. */
  prompt(
    actor: Actor,
    name: string,
    history: ChatMessage[],
  ): Promise<{ messages: ChatMessage[]; model?: string; manifest?: unknown } | undefined>;
}

/** One generated choice as the candidate log records it. */
export interface GatewayCandidate {
  index: number;
  text: string;
  finishReason: FinishReason | "client_abort" | "error";
  usage?: Usage;
  latencyMs: number;
}

/** What the gateway logs for every completion: the raw material of the learning loop. */
export interface GatewayLogEntry {
  actor: Actor;
  request: GatewayRequest;
  completionId: string;
  policy: ResolvedPolicy;
  character?: string;
  manifest?: unknown;
  candidates: GatewayCandidate[];
  startedAt: number;
}

/** Gateway options. */
export interface ModelGatewayOptions {
  characters?: CharacterServing;
  /** Called once per completion after it ends (never on the response path). */
  log?: (entry: GatewayLogEntry) => Promise<void>;
  logger: Logger;
  now?: () => number;
}

/**
 * The gateway behind /v1 and MiniMax routes: picks the user's policy for the named model (or builds a character's
 * prompt), streams `n` candidates from it in parallel, and logs every candidate with its propensity afterwards.
 */
export class ModelGateway implements Gateway {
  private readonly now: () => number;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly options: ModelGatewayOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Served names plus the actor's characters. */
  async models(actor: Actor): Promise<ServedModelInfo[]> {
    return [...this.registry.list(), ...((await this.options.characters?.list(actor)) ?? [])];
  }

  /** Stream a completion: see Gateway. */
  async *complete(actor: Actor, request: GatewayRequest, signal: AbortSignal): AsyncIterable<GatewayEvent> {
    let name = request.model;
    let messages = request.messages;
    let character: string | undefined;
    let manifest: unknown;
    if (this.options.characters?.claims(name)) {
      character = name;
      const built = await this.options.characters.prompt(actor, name, messages);
      if (!built)
        throw new HttpError(
          404,
          "model_not_found",
          `The model "${name}" does not exist or you do not have access to it.`,
          {
            param: "model",
          },
        );
      messages = built.messages;
      manifest = built.manifest;
      const fallback = built.model ?? this.registry.defaultName;
      if (!fallback)
        throw new HttpError(503, "serve.no_model", "No model is configured to play characters: start with --model.");
      name = fallback;
    }
    const policy = await this.registry.choose(name, actor.userId);
    const sampling = { ...policy.arm.sampling, ...request.sampling };
    const chatRequest: ChatRequest = {
      messages,
      ...(sampling.temperature === undefined ? {} : { temperature: sampling.temperature }),
      ...(sampling.topP === undefined ? {} : { topP: sampling.topP }),
      ...(sampling.maxTokens === undefined ? {} : { maxTokens: sampling.maxTokens }),
      ...(sampling.stop === undefined ? {} : { stop: sampling.stop }),
      extra: {
        ...request.extra,
        ...(sampling.presencePenalty === undefined ? {} : { presence_penalty: sampling.presencePenalty }),
        ...(sampling.frequencyPenalty === undefined ? {} : { frequency_penalty: sampling.frequencyPenalty }),
      },
    };
    const completionId = `chatcmpl-${randomBytes(12).toString("base64url")}`;
    const startedAt = this.now();
    const candidates: GatewayCandidate[] = Array.from({ length: request.n }, (_, index) => ({
      index,
      text: "",
      finishReason: "client_abort",
      latencyMs: 0,
    }));
    const merged = mergeChoices(policy, chatRequest, request, signal, candidates, this.now);
    let started = false;
    try {
      for await (const event of merged) {
        if (!started) {
          started = true;
          yield { type: "start", id: completionId, model: request.model, created: Math.floor(startedAt / 1000) };
        }
        yield event;
      }
    } finally {
      const log = this.options.log;
      if (log)
        void log({
          actor,
          request,
          completionId,
          policy,
          ...(character ? { character } : {}),
          ...(manifest === undefined ? {} : { manifest }),
          candidates,
          startedAt,
        }).catch((error: unknown) => this.options.logger.error({ err: error }, "candidate log write failed"));
    }
  }
}

/** Merge each run of deltas of one choice into one delta; other events keep their place and order. */
export function coalesce(events: GatewayEvent[]): GatewayEvent[] {
  const out: GatewayEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (event.type === "delta" && last?.type === "delta" && last.choice === event.choice)
      out[out.length - 1] = { ...last, text: last.text + event.text };
    else out.push(event);
  }
  return out;
}

/**
 * Run the n choice streams side by side and yield their events in arrival order, each choice's deltas followed by
 * its finish, then one usage event. The first failure ends everything (the rest are aborted).
 */
async function* mergeChoices(
  policy: ResolvedPolicy,
  chatRequest: ChatRequest,
  request: GatewayRequest,
  signal: AbortSignal,
  candidates: GatewayCandidate[],
  now: () => number,
): AsyncIterable<GatewayEvent> {
  const inner = new AbortController();
  const onAbort = () => inner.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const queue: GatewayEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  let running = request.n;
  const results: ChatResult[] = [];
  const push = (event: GatewayEvent) => {
    queue.push(event);
    wake?.();
  };
  const started = now();
  for (let index = 0; index < request.n; index++) {
    void (async () => {
      const candidate = candidates[index] as GatewayCandidate;
      try {
        const stream = policy.model.stream(chatRequest, {
          role: "serve",
          signal: inner.signal,
          noCache: true,
          ...(request.sampling.seed === undefined ? {} : { seed: request.sampling.seed + index }),
        });
        for await (const chunk of stream) {
          if (chunk.type === "delta") {
            candidate.text += chunk.text;
            push({ type: "delta", choice: index, text: chunk.text });
          } else {
            candidate.text = chunk.result.text;
            candidate.finishReason = chunk.result.finishReason;
            candidate.usage = chunk.result.usage;
            results.push(chunk.result);
            push({ type: "finish", choice: index, reason: chunk.result.finishReason });
          }
        }
      } catch (error) {
        candidate.finishReason = signal.aborted ? "client_abort" : "error";
        if (failure === undefined && !signal.aborted) failure = error;
        inner.abort(error);
      } finally {
        candidate.latencyMs = now() - started;
        running--;
        wake?.();
      }
    })();
  }
  try {
    while (true) {
      if (queue.length > 0) {
        for (const event of coalesce(queue.splice(0))) yield event;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (running === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      // Let the upstream parser finish the packet it is on: its tokens then leave as one delta, not one each.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (signal.aborted) return;
    // One prompt serves every choice (as OpenAI counts n > 1); completions add up.
    const estimated = results.some((r) => r.usage.estimated);
    yield {
      type: "usage",
      usage: {
        promptTokens: results[0]?.usage.promptTokens ?? 0,
        completionTokens: results.reduce((sum, r) => sum + r.usage.completionTokens, 0),
        ...(estimated ? { estimated } : {}),
      },
    };
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (running > 0) inner.abort(new Error("the client went away"));
  }
}
