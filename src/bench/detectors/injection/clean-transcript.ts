import type { Rng } from "../../../core/index.ts";
import { ngramCounts, tokenize } from "../../../text/index.ts";
import type { QuotableTurn } from "../../judge/quote-check.ts";
import { EN_ACTIONS, EN_FILL, EN_HOOKS, EN_LINES, EN_USER } from "./clean-phrases-en.ts";
import { ZH_ACTIONS, ZH_FILL, ZH_HOOKS, ZH_LINES, ZH_USER } from "./clean-phrases-zh.ts";

/** A synthetic session: the cast and the turns (2 scripted + generated). */
export interface SyntheticSession {
  lang: "en" | "zh";
  aiName: string;
  userName: string;
  aiSetting: string;
  turns: QuotableTurn[];
}

const CAST = {
  en: {
    npc: ["Mira", "Elowen", "Rosalind", "Tess", "Ada", "Wren"],
    user: ["Sam", "Alex", "Jonah", "Noor", "Felix", "Iris"],
    setting: "a lighthouse keeper's daughter in a foggy harbour town, warm, curious and stubborn",
  },
  zh: {
    npc: ["林月", "沈青", "苏晚", "顾念", "白露", "江禾"],
    user: ["阿哲", "小林", "周屿", "陈默", "许安", "宋河"],
    setting: "海边小镇灯塔看守人的女儿，热心、好奇、有点倔强",
  },
} as const;

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)] as T;
}

function fill(template: string, fills: Record<string, readonly string[]>, npc: string, rng: Rng): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => (slot === "npc" ? npc : pick(rng, fills[slot] ?? [slot])));
}

/** Pick `count` distinct templates, avoiding those used in the last few replies. */
function fresh(rng: Rng, list: readonly string[], recent: string[], count: number): string[] {
  const out: string[] = [];
  for (let guard = 0; out.length < count && guard < 200; guard++) {
    const t = pick(rng, list);
    if (!recent.includes(t) && !out.includes(t)) out.push(t);
  }
  recent.push(...out);
  const keep = Math.floor(list.length / 2);
  if (recent.length > keep) recent.splice(0, recent.length - keep);
  return out;
}

/** Writes clean synthetic replies for one cast; keeps track of phrases already used so none becomes a pattern. */
export interface CleanWriter {
  lang: "en" | "zh";
  aiName: string;
  userName: string;
  aiSetting: string;
  /** The next NPC reply: an action in markers, two spoken lines and a question that hands the turn back. */
  npc(): string;
  /** The next user message. */
  user(): string;
  /** `prefix` followed by `count` more replies, in one turn (for length drift), with no phrase becoming a pattern. */
  extend(prefix: string, count: number): string;
}

/** A writer of clean replies for a random cast. */
export function createCleanWriter(rng: Rng, lang: "en" | "zh"): CleanWriter {
  const cast = CAST[lang];
  const npcName = pick(rng, cast.npc);
  const userName = pick(rng, cast.user);
  const zh = lang === "zh";
  const fills = zh ? ZH_FILL : EN_FILL;
  const recentLines: string[] = [];
  const recentActions: string[] = [];
  const recentHooks: string[] = [];
  const compose = (): string => {
    const [action] = fresh(rng, zh ? ZH_ACTIONS : EN_ACTIONS, recentActions, 1);
    const lines = fresh(rng, zh ? ZH_LINES : EN_LINES, recentLines, 2).map((l) =>
      capitalise(fill(l, fills, npcName, rng)),
    );
    const [hook] = fresh(rng, zh ? ZH_HOOKS : EN_HOOKS, recentHooks, 1);
    const act = fill(action!, fills, npcName, rng);
    const speech = [...lines, capitalise(fill(hook!, fills, npcName, rng))].join(zh ? "" : " ");
    const sentence = zh ? `“${speech}”` : `"${speech}"`;
    return rng.next() < 0.5 ? `${act} ${sentence}` : `${sentence} ${act}`.replace(/ （/, "（");
  };
  // Reject a reply that would make some long phrase recur in a third reply: a clean base must not contain the
  // single-pattern phrasing the detectors look for (two uses of a phrase are coincidence, four are a pattern).
  const n = zh ? 12 : 7;
  const uses = new Map<string, number>();
  const gramsOf = (text: string) => new Set(ngramCounts(tokenize(text), n).keys());
  // Append `count` replies to `prefix`, each drawn to add no phrase already used twice — counting the phrases
  // that cross from one reply into the next, since they are text too. Registers what it adds.
  function extend(prefix: string, count: number): string {
    let text = prefix;
    for (let k = 0; k < count; k++) {
      const before = gramsOf(text);
      let best = "";
      let bestViolations = Number.POSITIVE_INFINITY;
      let bestGrams: string[] = [];
      for (let attempt = 0; attempt < 200 && bestViolations > 0; attempt++) {
        const candidate = text ? `${text}${zh ? "" : " "}${compose()}` : compose();
        const added = [...gramsOf(candidate)].filter((g) => !before.has(g));
        const violations = added.filter((g) => (uses.get(g) ?? 0) >= 2).length;
        if (violations < bestViolations) [best, bestViolations, bestGrams] = [candidate, violations, added];
      }
      for (const g of bestGrams) uses.set(g, (uses.get(g) ?? 0) + 1);
      text = best;
    }
    return text;
  }
  return {
    lang,
    aiName: npcName,
    userName,
    aiSetting: cast.setting,
    npc: () => extend("", 1),
    extend,
    user: () => fill(pick(rng, zh ? ZH_USER : EN_USER), fills, npcName, rng),
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A clean synthetic role-play session from a writer: varied NPC replies and ordinary user turns, no flaw a detector
 * looks for. Deterministic for a given generator. It is the base flaws are injected into; being synthetic, it is
 * cleaner and more regular than real model output, which the README says next to the numbers measured on it.
 */
export function writeSession(writer: CleanWriter, generatedTurns = 100): SyntheticSession {
  const zh = writer.lang === "zh";
  const turns: QuotableTurn[] = [
    { role: "ai", round: 0, text: writer.npc() },
    { role: "user", round: 1, text: zh ? "（看着你）" : "*looks at you*" },
  ];
  for (let round = 2; round < generatedTurns + 2; round++)
    turns.push({ role: round % 2 === 0 ? "ai" : "user", round, text: round % 2 === 0 ? writer.npc() : writer.user() });
  return { lang: writer.lang, aiName: writer.aiName, userName: writer.userName, aiSetting: writer.aiSetting, turns };
}

/** A clean synthetic session for a random cast (see `writeSession`). */
export function cleanSession(rng: Rng, lang: "en" | "zh", generatedTurns = 100): SyntheticSession {
  return writeSession(createCleanWriter(rng, lang), generatedTurns);
}
