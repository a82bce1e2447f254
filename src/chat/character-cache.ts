import type { Kysely } from "kysely";
import type { CharacterCardV3 } from "../cards/index.ts";
import type { PromptCharacter } from "./character-prompt.ts";
import type { ChatTables } from "./chat-tables.ts";

/**
 * Parsed cards by character version. A card with a 10,000-entry lorebook is megabytes of JSON: parsing it for every
 * reply would cost more than everything else the server adds, so a reply reads only the version (one small row)
 * and parses the card when that version is new. Least recently used dropped.
 */
export class CardCache {
  private readonly cards = new Map<string, CharacterCardV3>();

  constructor(private readonly limit = 64) {}

  /** The owner's character as characterPrompt needs it, or undefined when it does not exist (or is not theirs). */
  async load(db: Kysely<ChatTables>, ownerId: string, characterId: string): Promise<PromptCharacter | undefined> {
    const head = await db
      .selectFrom("chat_characters")
      .select(["id", "version"])
      .where("id", "=", characterId)
      .where("owner_id", "=", ownerId)
      .executeTakeFirst();
    if (!head) return undefined;
    const key = `${head.id}\u0000${head.version}`;
    let card = this.cards.get(key);
    if (card) {
      this.cards.delete(key);
    } else {
      const row = await db
        .selectFrom("chat_characters")
        .select(["card"])
        .where("id", "=", characterId)
        .where("owner_id", "=", ownerId)
        .where("version", "=", head.version)
        .executeTakeFirst();
      // Changed between the two reads: read it whole again.
      if (!row) return this.load(db, ownerId, characterId);
      card = JSON.parse(row.card) as CharacterCardV3;
    }
    this.cards.set(key, card);
    if (this.cards.size > this.limit) this.cards.delete(this.cards.keys().next().value as string);
    return { id: head.id, version: head.version, card };
  }
}

/** The cache shared by callers that do not bring their own. */
export const sharedCardCache = new CardCache();
