import {
  CardError,
  type CardSpec,
  type CharacterCardV3,
  type LoadedCard,
  normalizeCard,
  readCard,
  writeCard,
} from "../cards/index.ts";
import type { Store } from "../store/index.ts";
import { ChatError, chatNotFound } from "./chat-error.ts";
import { type CharacterRow, chatDb } from "./chat-tables.ts";

/** Card fields a person can set directly (the V3 `data` fields); anything else in `data` is kept as it is. */
export interface CharacterFields {
  name?: string;
  description?: string;
  personality?: string;
  scenario?: string;
  first_mes?: string;
  mes_example?: string;
  creator_notes?: string;
  system_prompt?: string;
  post_history_instructions?: string;
  alternate_greetings?: string[];
  tags?: string[];
  creator?: string;
  character_version?: string;
  nickname?: string;
  character_book?: unknown;
  extensions?: Record<string, unknown>;
}

/** A character as listed. */
export interface CharacterSummary {
  id: string;
  name: string;
  version: number;
  tags: string[];
  creator: string;
  hasAvatar: boolean;
  createdAt: number;
  updatedAt: number;
}

/** What a card was imported as, kept so export writes it back without loss. */
export interface CharacterSource {
  spec: CardSpec;
  specVersion: string;
  container: "json" | "png" | "charx";
  chunk?: "ccv3" | "chara";
  addedDefaults: string[];
}

/** A whole character. */
export interface Character extends CharacterSummary {
  card: CharacterCardV3;
  source: CharacterSource;
  /** Import warnings (odd but recoverable things in the card); empty after later reads. */
  warnings: string[];
}

/** Export containers. */
export type CharacterExportFormat = "json" | "png" | "charx";

/** Context the character functions need. */
export interface CharacterContext {
  store: Store;
  now: () => number;
  ids: () => string;
}

const MAIN_ICON = "assets/icon/images/main.png";

/** A character row without its avatar bytes (only whether it has one). */
type CharacterHead = Omit<CharacterRow, "avatar"> & { avatar_length: number | null };

function toCharacter(row: CharacterHead, warnings: string[] = []): Character {
  const card = JSON.parse(row.card) as CharacterCardV3;
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    tags: card.data.tags,
    creator: card.data.creator,
    hasAvatar: Number(row.avatar_length ?? 0) > 0,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    card,
    source: JSON.parse(row.source) as CharacterSource,
    warnings,
  };
}

function invalidCard(error: unknown): never {
  if (error instanceof CardError) {
    throw new ChatError("invalid", "character.invalid_card", `The card cannot be read: ${error.message}.`, {
      ...(error.hint ? { hint: error.hint } : {}),
      cause: error,
      details: { cardCode: error.code },
    });
  }
  throw error;
}

/** The PNG avatar of a loaded card: the PNG itself, or a CharX's embedded main icon. */
function avatarOf(loaded: LoadedCard): Uint8Array | null {
  if (loaded.image) return loaded.image;
  const icon = loaded.card.data.assets?.find((a) => a.type === "icon" && a.name === "main");
  const path = icon?.uri.startsWith("embeded://") ? icon.uri.slice("embeded://".length) : MAIN_ICON;
  return loaded.files[path] ?? null;
}

async function insert(ctx: CharacterContext, ownerId: string, loaded: LoadedCard): Promise<Character> {
  const db = await chatDb(ctx.store);
  const now = ctx.now();
  const source: CharacterSource = {
    spec: loaded.source.spec,
    specVersion: loaded.source.specVersion,
    container: loaded.source.container,
    ...(loaded.source.chunk ? { chunk: loaded.source.chunk } : {}),
    addedDefaults: loaded.addedDefaults,
  };
  const row: CharacterRow = {
    id: ctx.ids(),
    owner_id: ownerId,
    name: loaded.card.data.name,
    card: JSON.stringify(loaded.card),
    source: JSON.stringify(source),
    avatar: avatarOf(loaded),
    version: 1,
    summary: JSON.stringify({ tags: loaded.card.data.tags, creator: loaded.card.data.creator }),
    created_at: now,
    updated_at: now,
  };
  await db.insertInto("chat_characters").values(row).execute();
  const { avatar, ...head } = row;
  return toCharacter({ ...head, avatar_length: avatar?.length ?? 0 }, loaded.warnings);
}

/** Import a card from PNG/APNG, JSON (V1/V2/V3) or CharX bytes; the PNG (or CharX main icon) becomes the avatar. */
export async function importCharacter(ctx: CharacterContext, ownerId: string, bytes: Uint8Array): Promise<Character> {
  let loaded: LoadedCard;
  try {
    loaded = readCard(bytes);
  } catch (error) {
    invalidCard(error);
  }
  return insert(ctx, ownerId, loaded);
}

/** Create a character from card fields (a V3 card with the spec's defaults for everything not given). */
export async function createCharacter(
  ctx: CharacterContext,
  ownerId: string,
  fields: CharacterFields & { name: string },
): Promise<Character> {
  let loaded: LoadedCard;
  try {
    loaded = normalizeCard({ spec: "chara_card_v3", spec_version: "3.0", data: fields }, "json");
  } catch (error) {
    invalidCard(error);
  }
  if (!loaded.card.data.name.trim())
    throw new ChatError("invalid", "character.invalid_card", "A character needs a name.", {
      hint: "Set `name` to the character's name.",
    });
  return insert(ctx, ownerId, loaded);
}

async function row(ctx: CharacterContext, ownerId: string, id: string): Promise<CharacterHead> {
  const db = await chatDb(ctx.store);
  const found = await db
    .selectFrom("chat_characters")
    .select(["id", "owner_id", "name", "card", "source", "version", "created_at", "updated_at"])
    .select((eb) => eb.fn("length", ["avatar"]).as("avatar_length"))
    .where("id", "=", id)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (!found) throw chatNotFound("character", id);
  return found as CharacterHead;
}

async function avatarBytes(ctx: CharacterContext, ownerId: string, id: string): Promise<Uint8Array | undefined> {
  const db = await chatDb(ctx.store);
  const found = await db
    .selectFrom("chat_characters")
    .select(["avatar"])
    .where("id", "=", id)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (!found) throw chatNotFound("character", id);
  return found.avatar && found.avatar.length > 0 ? new Uint8Array(found.avatar) : undefined;
}

/** One of the owner's characters. */
export async function getCharacter(ctx: CharacterContext, ownerId: string, id: string): Promise<Character> {
  return toCharacter(await row(ctx, ownerId, id));
}

/** The owner's characters, most recently changed first. */
export async function listCharacters(ctx: CharacterContext, ownerId: string): Promise<CharacterSummary[]> {
  const db = await chatDb(ctx.store);
  const rows = await db
    .selectFrom("chat_characters")
    .select(["id", "name", "version", "summary", "created_at", "updated_at"])
    .select((eb) => eb.fn.coalesce(eb.fn("length", ["avatar"]), eb.lit(0)).as("avatar_length"))
    .where("owner_id", "=", ownerId)
    .orderBy("updated_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map((r) => {
    // Every row has a summary (written on insert and update, backfilled by its migration).
    const listed = (r.summary ? JSON.parse(r.summary) : { tags: [], creator: "" }) as {
      tags: string[];
      creator: string;
    };
    return {
      id: r.id,
      name: r.name,
      version: r.version,
      tags: listed.tags,
      creator: listed.creator,
      hasAvatar: Number(r.avatar_length) > 0,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    };
  });
}

/** Change card fields; the version is bumped so compiled lore and caches see the new card. */
export async function updateCharacter(
  ctx: CharacterContext,
  ownerId: string,
  id: string,
  fields: CharacterFields,
): Promise<Character> {
  const current = await row(ctx, ownerId, id);
  const card = JSON.parse(current.card) as CharacterCardV3;
  let loaded: LoadedCard;
  try {
    loaded = normalizeCard({ ...card, data: { ...card.data, ...fields } }, "json");
  } catch (error) {
    invalidCard(error);
  }
  if (!loaded.card.data.name.trim())
    throw new ChatError("invalid", "character.invalid_card", "A character needs a name.", {
      hint: "Set `name` to the character's name.",
    });
  const db = await chatDb(ctx.store);
  const now = ctx.now();
  const updated = await db
    .updateTable("chat_characters")
    .set({
      name: loaded.card.data.name,
      card: JSON.stringify(loaded.card),
      summary: JSON.stringify({ tags: loaded.card.data.tags, creator: loaded.card.data.creator }),
      version: current.version + 1,
      updated_at: now,
    })
    .where("id", "=", id)
    .where("owner_id", "=", ownerId)
    .where("version", "=", current.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    throw new ChatError("conflict", "character.changed", `Character "${id}" changed while it was being updated.`, {
      hint: "Read it again and repeat the change.",
    });
  return toCharacter(await row(ctx, ownerId, id), loaded.warnings);
}

/** The avatar PNG, or undefined when the character has none. */
export async function characterAvatar(
  ctx: CharacterContext,
  ownerId: string,
  id: string,
): Promise<Uint8Array | undefined> {
  return avatarBytes(ctx, ownerId, id);
}

/** The card written as JSON (in the spec it came in), PNG (ccv3 + V2 backfill, in its avatar) or CharX. */
export async function exportCharacter(
  ctx: CharacterContext,
  ownerId: string,
  id: string,
  format: CharacterExportFormat,
): Promise<{ bytes: Uint8Array; contentType: string; fileName: string }> {
  const character = toCharacter(await row(ctx, ownerId, id));
  const avatar = await avatarBytes(ctx, ownerId, id);
  const loaded: LoadedCard = {
    card: character.card,
    source: {
      spec: character.source.spec,
      specVersion: character.source.specVersion,
      container: character.source.container,
      ...(character.source.chunk ? { chunk: character.source.chunk } : {}),
    },
    ...(avatar ? { image: avatar } : {}),
    files: {},
    warnings: [],
    addedDefaults: character.source.addedDefaults,
    original: character.card,
  };
  const bytes = writeCard(loaded, format);
  const base = character.name.replace(/[^\p{L}\p{N} _.-]+/gu, "_").trim() || "character";
  const contentType = { json: "application/json", png: "image/png", charx: "application/zip" }[format];
  return { bytes, contentType, fileName: `${base}.${format}` };
}

/** Delete a character (its chats stay, still readable; they can no longer generate). */
export async function deleteCharacter(ctx: CharacterContext, ownerId: string, id: string): Promise<void> {
  const db = await chatDb(ctx.store);
  const result = await db
    .deleteFrom("chat_characters")
    .where("id", "=", id)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw chatNotFound("character", id);
}
