import { ChatError, type ChatService, type ChatSummary, type ReplyPolicy, worldIdOfChat } from "../../chat/index.ts";
import type { Store } from "../../store/index.ts";
import type { Actor } from "../actor.ts";
import { HttpError } from "../http-error.ts";
import type { StreamBus } from "../state/stream-bus.ts";
import { WorldRegistry } from "../world-registry.ts";
import type { WorldChatRouteOptions } from "./world-chat-actions.ts";
import type { WorldStreamEvent } from "./world-chat-answer.ts";
import type { WorldRoutesOptions } from "./world-routes.ts";

/** What world-backed chats are served from. */
export interface WorldChatWiringInput {
  store: Store;
  now: () => number;
  chats: ChatService;
  /** The reply policy of a chat (its model, sampling and propensity), as plain chats resolve it. */
  resolvePolicy(actor: Actor, chat: ChatSummary): Promise<ReplyPolicy>;
  rateLimit?: { max: number; timeWindow: number };
  /** Where replies in flight are published, so other clients and processes can follow them. */
  bus?: StreamBus;
  /** The open worlds, shared with the /v1 world models (default: a registry of its own). */
  registry?: WorldRegistry;
}

/**
 * The options of the world-chat parts of the chat and message routes and of the world routes, sharing one
 * registry of open worlds. A chat's world is found through the chat (worlds have no owner: the chat's owner is
 * theirs), so a client never names a world id.
 */
export function worldChatWiring(input: WorldChatWiringInput): {
  worlds: WorldChatRouteOptions;
  routes: WorldRoutesOptions;
} {
  const registry = input.registry ?? new WorldRegistry(input.store);
  const deps = { store: input.store, now: input.now };
  const policy = async (actor: Actor, chatId: string) => {
    const chat = await input.chats.chatSummary(actor.userId, chatId).catch((error: unknown) => {
      throw notFoundHttp(error, chatId);
    });
    return input.resolvePolicy(actor, chat);
  };
  return {
    worlds: {
      deps,
      world: (id) => registry.get(id),
      keep: (world) => registry.add(world),
      forget: (id) => registry.forget(id),
      ...(input.bus ? { tap: publishTo(input.bus) } : {}),
    },
    routes: {
      resolveWorld: async (actor, chatId) => {
        const worldId = await worldIdOfChat(input.store, actor.userId, chatId).catch((error: unknown) => {
          throw notFoundHttp(error, chatId);
        });
        return registry.get(worldId);
      },
      resolveModels: async (actor, chatId) => ({ generator: (await policy(actor, chatId)).model }),
      rows: { deps, policy },
      ...(input.rateLimit ? { rateLimit: input.rateLimit } : {}),
    },
  };
}

/** World reply events as stream-bus pieces: like a plain reply's, a held reply ends with its (incomplete) message. */
function publishTo(bus: StreamBus): (event: WorldStreamEvent) => void {
  return (event) => {
    // An empty first piece makes the reply known before its first token (a follower arriving early waits).
    if (event.type === "start") for (const r of event.replies) bus.append(r.messageId, { kind: "delta", text: "" });
    else if (event.type === "delta") bus.append(event.messageId, { kind: "delta", text: event.text });
    else if (event.type === "done" || event.type === "held")
      bus.append(event.message.id, { kind: "done", message: event.message });
  };
}

/** A chat that is missing, someone else's or has no world: 404, like every other route. */
function notFoundHttp(error: unknown, chatId: string): unknown {
  if (error instanceof ChatError && error.kind === "not_found")
    return new HttpError(404, "chat.not_found", `No world-backed chat "${chatId}".`);
  return error;
}
