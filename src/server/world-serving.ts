import type { ChatService } from "../chat/index.ts";
import type { ChatMessage } from "../llm/index.ts";
import { assembleContext, type ContextManifest, type World } from "../world/index.ts";
import type { Actor } from "./actor.ts";
import type { ServedModelInfo } from "./gateway.ts";
import type { WorldRegistry } from "./world-registry.ts";

/** `world:<chatId>` (or `world:<chatId>:<cast member>`): a character that speaks with a world-backed chat's memory. */
export const WORLD_PREFIX = "world:";

/** How long a world is served before the registry is asked again whether another process moved it. */
const CHECK_EVERY_MS = 1_000;

interface CheckedWorld {
  world: Promise<World>;
  checkedAt: number;
}

interface WorldContext {
  head: string;
  system: ChatMessage;
  nudge: ChatMessage;
  manifest: ContextManifest;
}

/**
 * Serves the worlds of world-backed chats as /v1 models. The prompt is the world's context for the speaker — card,
 * world lore, what the speaker knows and remembers, open threads, story time — followed by the client's own
 * history; nothing is committed to the world (a world-backed chat in /api does that). Worlds come from the server's
 * registry (read again only when another process moved them, asked at most once a second); a context is assembled
 * once per world head and speaker, so an unchanged world costs a map lookup per request.
 */
export class WorldServing {
  private readonly worlds = new Map<string, CheckedWorld>();
  private readonly contexts = new Map<string, WorldContext>();
  private readonly chatWorlds = new Map<string, { worldId: string | undefined; checkedAt: number }>();

  constructor(
    private readonly registry: WorldRegistry,
    private readonly chats: ChatService,
    private readonly now: () => number = Date.now,
  ) {}

  /** The actor's world-backed chats as model names. */
  async list(actor: Actor): Promise<ServedModelInfo[]> {
    return (await this.chats.listChats(actor.userId))
      .filter((c) => c.worldId)
      .map((c) => ({ id: `${WORLD_PREFIX}${c.id}`, created: Math.floor(c.createdAt / 1000), ownedBy: actor.userId }));
  }

  /** The prompt for `ref` ("<chatId>" or "<chatId>:<speaker>"), or undefined when the actor has no such world. */
  async prompt(
    actor: Actor,
    ref: string,
    history: ChatMessage[],
  ): Promise<{ messages: ChatMessage[]; manifest: ContextManifest } | undefined> {
    const split = ref.indexOf(":");
    const chatId = split < 0 ? ref : ref.slice(0, split);
    const worldId = await this.worldOf(actor.userId, chatId);
    if (!worldId) return undefined;
    const world = await this.open(worldId);
    const speaker = split < 0 ? world.setup.cast[0]?.name : ref.slice(split + 1);
    if (!speaker || !world.setup.cast.some((c) => c.name === speaker)) return undefined;
    const context = await this.context(world, speaker);
    return { messages: [context.system, ...history, context.nudge], manifest: context.manifest };
  }

  private async context(world: World, speaker: string): Promise<WorldContext> {
    const key = `${world.id}\u0000${speaker}`;
    const head = world.head().id;
    const cached = this.contexts.get(key);
    if (cached?.head === head) return cached;
    const assembled = await world.read((p) => assembleContext(world.setup, p, speaker, {}));
    // The world's own dialogue lines are left out: the client sends the history it wants the reply to follow.
    const system = assembled.messages[0] as ChatMessage;
    const nudge = assembled.messages[assembled.messages.length - 1] as ChatMessage;
    const context = { head, system, nudge, manifest: assembled.manifest };
    this.contexts.set(key, context);
    return context;
  }

  /** The world of an owner's chat (undefined for a plain chat or someone else's), looked up at most once a second. */
  private async worldOf(ownerId: string, chatId: string): Promise<string | undefined> {
    const key = `${ownerId}\u0000${chatId}`;
    const known = this.chatWorlds.get(key);
    if (known && this.now() - known.checkedAt < CHECK_EVERY_MS) return known.worldId;
    const summary = await this.chats.chatSummary(ownerId, chatId).catch(() => undefined);
    const worldId = summary?.worldId ?? undefined;
    if (this.chatWorlds.size > 10_000) this.chatWorlds.clear();
    this.chatWorlds.set(key, { worldId, checkedAt: this.now() });
    return worldId;
  }

  private async open(worldId: string): Promise<World> {
    const known = this.worlds.get(worldId);
    if (known && this.now() - known.checkedAt < CHECK_EVERY_MS) return known.world;
    const world = this.registry.get(worldId);
    this.worlds.set(worldId, { world, checkedAt: this.now() });
    world.catch(() => this.worlds.delete(worldId));
    return world;
  }
}
