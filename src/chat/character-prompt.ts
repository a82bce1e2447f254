import {
  activateLore,
  type CharacterCardV3,
  estimateTokens,
  expandMacros,
  type LoreActivation,
  type LoreMessage,
  macroContextFromCard,
} from "../cards/index.ts";
import { sha256 } from "../core/index.ts";
import type { ChatMessage } from "../llm/index.ts";
import { exampleDialogue } from "./example-dialogue.ts";
import { type LoreCache, sharedLoreCache } from "./lore-cache.ts";

/** Identifies the prompt layout below; bump it when the layout changes so logged candidates stay comparable. */
export const CHARACTER_PROMPT_VERSION = "character-v1";

/** SillyTavern's default main prompt, used when a card has no system prompt (and as its `{{original}}`). */
const DEFAULT_MAIN = "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}.";

/** The character a prompt is built for. `version` keys the compiled-lore cache. */
export interface PromptCharacter {
  id: string;
  version: number;
  card: CharacterCardV3;
}

/** Who the user plays. */
export interface Persona {
  name: string;
  description: string;
}

/** Input of characterPrompt. */
export interface CharacterPromptInput {
  character: PromptCharacter;
  persona?: Persona;
  /** The conversation so far, oldest first (user/assistant turns; names optional). */
  history: readonly ChatMessage[];
  /** Seed for lore probability rolls and random macros (default: the history length). */
  seed?: number | string;
  /** SillyTavern generation type for lore triggers: normal, regenerate, swipe, continue. */
  generationType?: string;
  loreCache?: LoreCache;
}

/** Why the prompt looks as it does: stored with every candidate so a reply can be explained and compared. */
export interface PromptManifest {
  template: string;
  characterId: string;
  characterVersion: number;
  persona: string;
  /** Hash of everything before the history (instructions, card, persona, lore, examples). */
  promptHash: string;
  lore: Array<{ uid: string; title: string; position: string; reason: string; tokens: number }>;
  /** Messages the lore scan looked at (the window the book's scan depths ask for, not the whole history). */
  loreScanned: number;
  examples: number;
  history: number;
  estimatedTokens: number;
}

/** A prompt ready for `model.stream`, and its manifest. */
export interface CharacterPrompt {
  messages: ChatMessage[];
  manifest: PromptManifest;
}

const DEFAULT_PERSONA: Persona = { name: "User", description: "" };

/**
 * The prompt for a character's next reply: the card's system prompt (or SillyTavern's default), lore placed
 * before/after the card, description, personality and scenario, the persona, example dialogue, then the history
 * with depth-placed lore, and the card's post-history instructions — every card field with {{char}}/{{user}}
 * expanded. Lore is activated over only the recent messages the book's scan depths reach, with the book compiled
 * once per character version, so a 10,000-entry book and a 1,000-message history stay cheap.
 */
export function characterPrompt(input: CharacterPromptInput): CharacterPrompt {
  const { card } = input.character;
  const d = card.data;
  const persona = input.persona ?? DEFAULT_PERSONA;
  const userName = persona.name || DEFAULT_PERSONA.name;
  const history = input.history;
  const seed = input.seed ?? history.length;
  const macros = macroContextFromCard(card, userName, seed);
  const charName = macros.char ?? d.name;
  const x = (text: string, original?: string) =>
    expandMacros(text, original === undefined ? macros : { ...macros, original });

  const lore = activate(input, charName, userName, seed);
  const p = lore?.activation.prompt;
  const main = d.system_prompt.trim() ? x(d.system_prompt, x(DEFAULT_MAIN)) : x(DEFAULT_MAIN);
  const personality = [d.personality.trim() ? x(d.personality) : "", ...(p?.personality ?? [])].filter(Boolean);
  const scenario = [d.scenario.trim() ? x(d.scenario) : "", ...(p?.scenario ?? [])].filter(Boolean);
  const system = [
    main,
    p?.before ?? "",
    ...(p?.beforeDesc ?? []),
    d.description.trim() ? x(d.description) : "",
    ...(p?.afterDesc ?? []),
    personality.length ? `${charName}'s personality: ${personality.join("\n")}` : "",
    scenario.length ? `Scenario: ${scenario.join("\n")}` : "",
    p?.after ?? "",
    ...(p?.anTop ?? []),
    ...(p?.anBottom ?? []),
    ...(p?.emTop ?? []),
  ]
    .map((s) => s.trim())
    .filter(Boolean)
    .join("\n\n");

  const head: ChatMessage[] = [{ role: "system", content: system }];
  if (persona.description.trim()) head.push({ role: "user_system", name: userName, content: x(persona.description) });
  const examples = d.mes_example.trim() ? exampleDialogue(d.mes_example, { char: charName, user: userName }, x) : [];
  head.push(...examples);
  if (p?.emBottom.length) head.push({ role: "system", content: p.emBottom.join("\n") });

  const body: ChatMessage[] = [...history];
  // Depth-placed lore goes `depth` messages from the end, deepest first so shallower insertions keep their place.
  for (const group of [...(p?.atDepth ?? [])].sort((a, b) => b.depth - a.depth)) {
    const at = Math.max(0, body.length - group.depth);
    body.splice(at, 0, { role: group.role, content: group.entries.join("\n") });
  }
  const tail: ChatMessage[] = d.post_history_instructions.trim()
    ? [{ role: "system", content: x(d.post_history_instructions, "") }]
    : [];
  const messages = [...head, ...body, ...tail];

  const headText = JSON.stringify([head, tail]);
  let estimated = estimateTokens(headText);
  for (const m of body) estimated += estimateTokens(m.content) + 4;
  return {
    messages,
    manifest: {
      template: CHARACTER_PROMPT_VERSION,
      characterId: input.character.id,
      characterVersion: input.character.version,
      persona: userName,
      promptHash: sha256(headText).slice(0, 16),
      lore: (lore?.activation.activated ?? []).map((a) => ({
        uid: a.uid,
        title: a.title,
        position: a.position,
        reason: a.reason === "key" ? `key "${a.matches[0]?.key ?? "?"}"` : a.reason,
        tokens: a.tokens,
      })),
      loreScanned: lore?.scanned ?? 0,
      examples: examples.length,
      history: history.length,
      estimatedTokens: estimated,
    },
  };
}

function activate(
  input: CharacterPromptInput,
  char: string,
  user: string,
  seed: number | string,
): { activation: LoreActivation; scanned: number } | undefined {
  const { card, id, version } = input.character;
  const book = card.data.character_book;
  if (!book || book.entries.length === 0) return undefined;
  const cached = (input.loreCache ?? sharedLoreCache).get({ characterId: id, version, user, char }, book);
  const history = input.history;
  const recent = history.slice(Math.max(0, history.length - cached.window));
  const messages: LoreMessage[] = recent.map((m) => ({
    text: m.content,
    ...(m.name ? { name: m.name } : {}),
    ...(m.role === "user" || m.role === "assistant" || m.role === "system" ? { role: m.role } : {}),
  }));
  let assistantMessageCount = 0;
  for (const m of history) if (m.role === "assistant") assistantMessageCount++;
  const d = card.data;
  const activation = activateLore(cached.lore, {
    messages,
    chatLength: history.length,
    assistantMessageCount,
    seed,
    macros: { char, user, seed },
    generationType: input.generationType ?? "normal",
    character: { name: d.name, tags: d.tags },
    globalScanData: {
      characterDescription: d.description,
      characterPersonality: d.personality,
      scenario: d.scenario,
      creatorNotes: d.creator_notes,
      ...(input.persona?.description ? { personaDescription: input.persona.description } : {}),
    },
  });
  return { activation, scanned: recent.length };
}
