import {
  type CandidateLogEntry,
  CHARACTER_PROMPT_VERSION,
  ChatError,
  ChatService,
  type ChatSummary,
  characterPrompt,
  type ReplyEvent,
  type ReplyPolicy,
} from "../chat/index.ts";
import type { Actor } from "./actor.ts";
import { characterRoutes } from "./api/characters-routes.ts";
import { chatRoutes } from "./api/chats-routes.ts";
import { messageRoutes } from "./api/messages-routes.ts";
import { replyStreamRoutes } from "./api/reply-stream-routes.ts";
import { worldChatWiring } from "./api/world-chat-wiring.ts";
import { worldRoutes } from "./api/world-routes.ts";
import { HttpError } from "./http-error.ts";
import type { CharacterServing, GatewayLogEntry } from "./model-gateway.ts";
import type { ModelRegistry } from "./model-registry.ts";
import type { ServerExtension, ServerParts } from "./start-server.ts";
import { MemoryStreamBus } from "./state/memory-stream-bus.ts";
import { RedisStreamBus } from "./state/redis-stream-bus.ts";
import type { StreamBus } from "./state/stream-bus.ts";
import { WorldRegistry } from "./world-registry.ts";
import { WORLD_PREFIX, WorldServing } from "./world-serving.ts";

const CHARACTER_PREFIX = "character:";

/** The reply policy of a served name for this user: the split's arm, its model and the arm's propensity. */
export async function replyPolicyFor(registry: ModelRegistry, actor: Actor, name: string | null): Promise<ReplyPolicy> {
  const served = name ?? registry.defaultName;
  if (!served)
    throw new HttpError(503, "serve.no_model", "No model is configured to answer: start the server with --model.");
  const { arm, propensity, model } = await registry.choose(served, actor.userId);
  return {
    policyId: arm.id,
    model,
    propensity,
    sampling: arm.sampling ?? {},
    promptVersion: arm.promptVersion ?? CHARACTER_PROMPT_VERSION,
    ...(arm.version ? { modelVersion: arm.version } : {}),
  };
}

/** The actor's characters as /v1 models: `character:<id>`, or `character:<name>` when the name is unique. */
function characterServing(chats: ChatService, worlds: WorldServing): CharacterServing {
  // By id first (one indexed read, the card parsed once per version); a unique name is a convenience for people
  // typing model names.
  const find = async (actor: Actor, ref: string) => {
    const byId = await chats.promptCharacter(actor.userId, ref).catch((error: unknown) => {
      if (error instanceof ChatError && error.kind === "not_found") return undefined;
      throw error;
    });
    if (byId) return byId;
    const byName = (await chats.listCharacters(actor.userId)).filter((c) => c.name === ref);
    return byName.length === 1 && byName[0] ? chats.promptCharacter(actor.userId, byName[0].id) : undefined;
  };
  return {
    list: async (actor) => [
      ...(await chats.listCharacters(actor.userId)).map((c) => ({
        id: `${CHARACTER_PREFIX}${c.id}`,
        created: Math.floor(c.createdAt / 1000),
        ownedBy: actor.userId,
      })),
      ...(await worlds.list(actor)),
    ],
    claims: (name) => name.startsWith(CHARACTER_PREFIX) || name.startsWith(WORLD_PREFIX),
    prompt: async (actor, name, history) => {
      if (name.startsWith(WORLD_PREFIX)) return worlds.prompt(actor, name.slice(WORLD_PREFIX.length), history);
      const character = await find(actor, name.slice(CHARACTER_PREFIX.length));
      if (!character) return undefined;
      const built = characterPrompt({ character, history });
      return { messages: built.messages, manifest: built.manifest };
    },
  };
}

/** Candidate-log rows of a /v1 or MiniMax completion: one per choice, all siblings of one batch. */
export function completionCandidates(entry: GatewayLogEntry): CandidateLogEntry[] {
  const { policy, request } = entry;
  return entry.candidates.map((c) => ({
    chatId: null,
    batchId: entry.completionId,
    batchSize: entry.candidates.length,
    generationIndex: c.index,
    siblingPosition: c.index,
    displayedPosition: c.index,
    policyId: policy.arm.id,
    policy: {
      policyId: policy.arm.id,
      served: policy.name,
      model: policy.model.id,
      provider: policy.model.provider,
      ...(policy.arm.version ? { modelVersion: policy.arm.version } : {}),
      ...(policy.arm.promptVersion ? { promptVersion: policy.arm.promptVersion } : {}),
      sampling: { ...policy.arm.sampling, ...request.sampling },
      ...(entry.character ? { character: entry.character } : {}),
      // The client's own retry of a failed call (X-Stainless-Retry-Count): a repeat, not a user's regenerate.
      ...(request.retryCount ? { clientRetry: request.retryCount } : {}),
    },
    manifest: (entry.manifest ?? {}) as Record<string, unknown>,
    promptTokens: c.usage?.promptTokens ?? null,
    completionTokens: c.usage?.completionTokens ?? null,
    latencyMs: c.latencyMs,
    propensity: policy.propensity,
    // The client sees the choices in index order; nothing was randomized.
    orderPropensity: 1,
    kind: "completion",
    api: request.api,
    endUser: request.endUser ?? null,
    status: c.finishReason === "client_abort" || c.finishReason === "error" ? "incomplete" : "complete",
    finishReason: c.finishReason,
    text: c.text,
    createdAt: entry.startedAt,
  }));
}

/** The chat service with every reply's pieces also appended to the bus, so other clients and processes can follow. */
function withReplyBus(chats: ChatService, bus: StreamBus): ChatService {
  const tee = async function* (events: AsyncGenerator<ReplyEvent>): AsyncGenerator<ReplyEvent> {
    for await (const event of events) {
      // An empty first piece makes the reply known to the bus before its first token: a follower arriving early
      // waits for the tokens instead of finding nothing.
      if (event.type === "start") for (const r of event.replies) bus.append(r.messageId, { kind: "delta", text: "" });
      else if (event.type === "delta") bus.append(event.messageId, { kind: "delta", text: event.text });
      else if (event.type === "done") bus.append(event.message.id, { kind: "done", message: event.message });
      yield event;
    }
  };
  return new Proxy(chats, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "sendMessage" && property !== "regenerate" && property !== "continueMessage") return value;
      return (...args: unknown[]) =>
        tee((value as (...a: unknown[]) => AsyncGenerator<ReplyEvent>).apply(target, args));
    },
  });
}

/**
 * The chat domain's part of the server: its /api routes (characters, chats, messages), characters served as
 * /v1 models, and the candidate log of /v1 and MiniMax completions. Streams a crashed process left behind are
 * marked incomplete at start.
 */
export async function chatExtension(parts: ServerParts): Promise<ServerExtension> {
  const chats = new ChatService({
    store: parts.store,
    now: parts.now,
    ...(parts.config.serve.randomizeSwipeShare === undefined
      ? {}
      : { randomizeShare: parts.config.serve.randomizeSwipeShare }),
  });
  const recover = async () => {
    const recovered = await chats.recoverInterrupted();
    if (recovered > 0) parts.logger.warn({ recovered }, "replies interrupted by a stop were marked incomplete");
  };
  await recover();
  // Another process may die with replies in flight while this one lives on: sweep their expired leases now and then.
  const sweep = setInterval(() => {
    recover().catch((error: unknown) => parts.logger.error({ err: error }, "sweeping interrupted replies failed"));
  }, 60_000);
  sweep.unref();
  const bus: StreamBus = parts.redis ? new RedisStreamBus(parts.redis, parts.logger) : new MemoryStreamBus();
  const routeOptions = {
    chats: withReplyBus(chats, bus),
    // The served arm's sampling, then the chat's own settings over it (what the person chose for this chat wins).
    resolvePolicy: async (actor: Actor, chat: ChatSummary) => {
      const policy = await replyPolicyFor(parts.registry, actor, chat.model);
      return { ...policy, sampling: { ...policy.sampling, ...chat.sampling } };
    },
    // Routes that call a model count against the same per-key (or per-session) limit as /v1.
    rateLimit: { max: parts.config.serve.rateLimitPerMinute ?? 600, timeWindow: 60_000 },
  };
  // One set of open worlds for world chats and for the /v1 world models.
  const worlds = new WorldRegistry(parts.store);
  const world = worldChatWiring({
    registry: worlds,
    store: parts.store,
    now: parts.now,
    chats,
    resolvePolicy: routeOptions.resolvePolicy,
    rateLimit: routeOptions.rateLimit,
    bus,
  });
  return {
    apiPlugins: [
      (app) => characterRoutes(app, routeOptions),
      (app) => chatRoutes(app, { ...routeOptions, worlds: world.worlds }),
      (app) => messageRoutes(app, { ...routeOptions, worlds: world.worlds }),
      (app) => worldRoutes(app, world.routes),
      (app) => replyStreamRoutes(app, { chats, bus }),
    ],
    characters: characterServing(chats, new WorldServing(worlds, chats, parts.now)),
    log: async (entry) => {
      await chats.logCandidates(entry.actor.userId, completionCandidates(entry));
    },
    onClose: async () => {
      clearInterval(sweep);
      await bus.close();
    },
  };
}
