import { expandMacros, type LoadedCard, type LoadedLorebook } from "../cards/index.ts";
import type { EventDraft } from "./node-builder.ts";
import { EVERYONE } from "./projection.ts";
import type { World } from "./world.ts";
import type { CastMember, WorldSetupInput } from "./world-setup.ts";

/** A cast member from a character card: its prompt fields, its talkativeness, and the whole card kept for export. */
export function castFromCard(loaded: LoadedCard): CastMember {
  const d = loaded.card.data;
  const talk = Number((d.extensions as Record<string, unknown>)["talkativeness"] ?? 0.5);
  return {
    name: d.nickname || d.name,
    description: d.description,
    personality: d.personality,
    scenario: d.scenario,
    firstMessage: d.first_mes,
    exampleMessages: d.mes_example,
    systemPrompt: d.system_prompt,
    postHistoryInstructions: d.post_history_instructions,
    talkativeness: Number.isFinite(talk) ? Math.min(1, Math.max(0, talk)) : 0.5,
    card: loaded.card,
  };
}

/** A world setup from cards and extra lorebooks: the first card names the world; each card's book comes along. */
export function setupFromCards(
  cards: LoadedCard[],
  lorebooks: Array<{ name: string; book: LoadedLorebook }>,
  options: { name?: string; userName?: string; persona?: string; startTime?: number } = {},
): WorldSetupInput {
  const cast = cards.map(castFromCard);
  const books = [
    ...cards
      .filter((c) => c.card.data.character_book && c.card.data.character_book.entries.length > 0)
      .map((c) => ({
        name: c.card.data.character_book?.name || `${c.card.data.name}'s book`,
        scope: "character" as const,
        book: c.card.data.character_book,
      })),
    ...lorebooks.map((l) => ({ name: l.book.book.name || l.name, scope: "global" as const, book: l.book.book })),
  ];
  return {
    name: options.name ?? cast.map((c) => c.name).join(" & "),
    userName: options.userName ?? "User",
    persona: options.persona ?? "",
    cast,
    lorebooks: books,
    ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
  };
}

/** Commit the first cast member's greeting (its card's first message) as turn 1, heard by everyone. */
export async function commitGreeting(world: World): Promise<void> {
  const first = world.setup.cast[0];
  if (!first?.firstMessage) return;
  const text = expandMacros(first.firstMessage, { char: first.name, user: world.setup.userName });
  const draft: EventDraft = {
    kind: "happened",
    payload: {
      description: `${first.name} greets ${world.setup.userName}`,
      utterance: { speaker: first.name, text },
      importance: 3,
    },
    witnesses: [EVERYONE],
  };
  await world.commit({ speaker: first.name, text, events: [draft], meta: { greeting: true } });
}
