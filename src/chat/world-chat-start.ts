// Starting a world-backed chat from an owner's own characters: a new world whose cast is their cards (one card
// = a world chat with that character, several = a group chat where the director picks who answers).
import { randomUUID } from "node:crypto";
import type { LoadedCard } from "../cards/index.ts";
import { setupFromCards, World } from "../world/index.ts";
import { getCharacter } from "./characters.ts";
import { ChatError } from "./chat-error.ts";
import { chatDb } from "./chat-tables.ts";
import type { ChatPersona } from "./chat-views.ts";
import { createWorldChat, type WorldChatDeps } from "./world-chat-rows.ts";

/** A new world-backed chat. */
export interface CreateWorldChatInput {
  /** The owner's characters, in cast order (the first one greets); duplicates are refused. */
  characterIds: string[];
  persona?: ChatPersona;
  model?: string | null;
  title?: string;
}

/**
 * Create a world from the owner's character cards (their lorebooks come along; the persona's name is the user's
 * name in the world) and a chat on it with the first character's greeting. Another owner's character is "not
 * found". Returns the chat id and the world, which the caller may keep open.
 */
export async function createWorldChatFromCharacters(
  deps: WorldChatDeps,
  ownerId: string,
  input: CreateWorldChatInput,
): Promise<{ chatId: string; world: World }> {
  if (input.characterIds.length === 0)
    throw new ChatError("invalid", "chat.no_characters", "A world chat needs at least one character.");
  if (new Set(input.characterIds).size !== input.characterIds.length)
    throw new ChatError("invalid", "chat.duplicate_character", "A character can be in a world's cast only once.");
  const ctx = { store: deps.store, now: deps.now ?? Date.now, ids: deps.ids ?? randomUUID };
  const characters = [];
  for (const id of input.characterIds) characters.push(await getCharacter(ctx, ownerId, id));
  const cards: LoadedCard[] = characters.map((c) => ({
    card: c.card,
    source: { spec: c.source.spec, specVersion: c.source.specVersion, container: c.source.container },
    files: {},
    warnings: [],
    addedDefaults: [],
    original: c.card,
  }));
  const setup = setupFromCards(cards, [], {
    userName: input.persona?.name || "User",
    persona: input.persona?.description ?? "",
  });
  const userName = setup.userName ?? "User";
  const names = (setup.cast ?? []).map((c) => c.name);
  if (names.includes(userName) || new Set(names).size !== names.length)
    throw new ChatError(
      "invalid",
      "chat.name_clash",
      `Two people in this world would share a name (${[...names, userName].join(", ")}).`,
      { hint: "Pick a persona name that no character has, and characters with different names." },
    );
  const world = await World.create(deps.store, setup, deps.now ? { now: deps.now } : {});
  const chatId = await createWorldChat(deps, ownerId, world, {
    ...(input.title === undefined ? {} : { title: input.title }),
    ...(input.model === undefined ? {} : { model: input.model }),
  });
  return { chatId, world };
}

/**
 * A chat on a world that already exists (made with `troupe world new` or an earlier chat), for the one owner allowed
 * to have it: worlds carry no owner of their own, a world's chats do, so a world another owner already chats in
 * is refused as a conflict.
 */
export async function createWorldChatOnWorld(
  deps: WorldChatDeps,
  ownerId: string,
  worldRef: string,
  input: { model?: string | null; title?: string } = {},
): Promise<{ chatId: string; world: World }> {
  const world = await World.open(deps.store, worldRef);
  const owners = await (await chatDb(deps.store))
    .selectFrom("chat_chats")
    .select("owner_id")
    .distinct()
    .where("world_id", "=", world.id)
    .execute();
  if (owners.some((o) => o.owner_id !== ownerId))
    throw new ChatError(
      "conflict",
      "chat.world_taken",
      `The world ${world.record.name} belongs to another user's chats.`,
    );
  const chatId = await createWorldChat(deps, ownerId, world, {
    ...(input.title === undefined ? {} : { title: input.title }),
    ...(input.model === undefined ? {} : { model: input.model }),
  });
  return { chatId, world };
}
