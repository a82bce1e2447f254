import type { Scenario } from "./scenario.ts";
import { simulatorSystemPrompt } from "./simulator-prompt.ts";
import type { Turn } from "./turn.ts";

/** What simulator QA found wrong with a draft user turn. */
export type QaProblem = "empty" | "speaks_as_npc" | "leaks_instructions" | "repeats_itself";

/** The verdict on one draft: the text to use (possibly repaired) and the problem, if any. */
export interface QaVerdict {
  text: string;
  problem?: QaProblem;
  detail?: string;
  /** Set when the text was repaired in place (a leading "Name:" label removed). */
  repaired?: string;
}

const LEAK_EN =
  /\b(as an ai\b|an ai (language )?model|language model|user simulator|simulated (user|conversation)|simulating (a|the) user|my instructions|system prompt|for this message only|i am role-?playing as)/i;
const LEAK_ZH =
  /(作为(一个)?(AI|人工智能)|语言模型|用户模拟|模拟用户|模拟器|系统提示|我的指令|仅限这条消息|我正在扮演)/i;

/** Shared, per-scenario state of the checks (the instruction n-grams are computed once). */
export class SimulatorQa {
  private readonly instructionGrams: Set<string>;
  private readonly npcLabel: RegExp;
  private readonly ownLabel: RegExp;

  // Trigram sets of recent turns, so a 100-turn session does not rebuild them for every draft.
  private readonly grams = new Map<string, Set<string>>();

  constructor(private readonly scenario: Scenario) {
    // Only the fixed instruction text counts as a leak; quoting one's own persona or the story is fine.
    const bare = simulatorSystemPrompt({ ...scenario, userSetting: "", aiSetting: "" }, "plain", false);
    this.instructionGrams = new Set(windows(bare, scenario.lang === "zh" ? 10 : 6, scenario.lang));
    this.npcLabel = new RegExp(`(^|\\n)\\s*[*_]*${escapeRegex(scenario.aiName)}[*_]*\\s*[:：]`, "u");
    this.ownLabel = new RegExp(`^\\s*[*_]*${escapeRegex(scenario.userName)}[*_]*\\s*[:：]\\s*`, "u");
  }

  private gramsOf(text: string): Set<string> {
    let set = this.grams.get(text);
    if (!set) {
      if (this.grams.size > 64) this.grams.clear();
      set = trigrams(normalise(text));
      this.grams.set(text, set);
    }
    return set;
  }

  /** Check a draft against the conversation so far (`history` ends with the NPC turn it answers). */
  check(draft: string, history: readonly Turn[]): QaVerdict {
    let text = draft.trim();
    let repaired: string | undefined;
    if (this.ownLabel.test(text)) {
      repaired = `removed a leading "${this.scenario.userName}:" label`;
      text = text.replace(this.ownLabel, "").trim();
    }
    const verdict = (problem: QaProblem, detail: string): QaVerdict => ({
      text,
      problem,
      detail,
      ...(repaired ? { repaired } : {}),
    });
    if (text.length === 0) return verdict("empty", "the draft was empty");
    if (this.npcLabel.test(text))
      return verdict("speaks_as_npc", `contains a line labelled "${this.scenario.aiName}:"`);
    const draftGrams = trigrams(normalise(text));
    if (text.length >= 30) {
      // Copying one of the NPC's recent turns is speaking with the NPC's voice.
      let seen = 0;
      for (let i = history.length - 1; i >= 0 && seen < 3; i--) {
        const turn = history[i] as Turn;
        if (turn.role !== "ai") continue;
        seen++;
        if (jaccardAtLeast(draftGrams, this.gramsOf(turn.text), 0.8)) {
          return verdict("speaks_as_npc", `echoes ${this.scenario.aiName}'s turn of round ${turn.round}`);
        }
      }
    }
    const leak = (this.scenario.lang === "zh" ? LEAK_ZH : LEAK_EN).exec(text) ?? LEAK_EN.exec(text);
    if (leak) return verdict("leaks_instructions", `mentions "${leak[0]}"`);
    for (const gram of windows(text, this.scenario.lang === "zh" ? 10 : 6, this.scenario.lang)) {
      if (this.instructionGrams.has(gram)) return verdict("leaks_instructions", `quotes the instructions ("${gram}")`);
    }
    const norm = normalise(text);
    if (norm.length >= 12) {
      let seen = 0;
      for (let i = history.length - 1; i >= 0 && seen < 10; i--) {
        const turn = history[i] as Turn;
        if (turn.role !== "user") continue;
        seen++;
        if (jaccardAtLeast(draftGrams, this.gramsOf(turn.text), 0.8)) {
          return verdict("repeats_itself", `repeats the user turn of round ${turn.round}`);
        }
      }
    }
    return repaired ? { text, repaired } : { text };
  }
}

function jaccard(ga: Set<string>, gb: Set<string>): number {
  if (ga.size === 0 || gb.size === 0) return 0;
  let inter = 0;
  for (const g of ga) if (gb.has(g)) inter++;
  return inter / (ga.size + gb.size - inter);
}

/**
 * Whether the Jaccard similarity reaches `threshold`, without counting when it cannot: J ≤ min/max of the set
 * sizes, so turns of very different lengths are ruled out at once — most pairs, on the hot path of every turn.
 */
function jaccardAtLeast(ga: Set<string>, gb: Set<string>, threshold: number): boolean {
  const small = Math.min(ga.size, gb.size);
  const large = Math.max(ga.size, gb.size);
  if (small === 0 || small < threshold * large) return false;
  return jaccard(ga, gb) >= threshold;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, "");
}

/** Jaccard similarity of character trigrams: cheap, language-neutral near-duplicate detection. */
export function similarity(a: string, b: string): number {
  return jaccard(trigrams(normalise(a)), trigrams(normalise(b)));
}

function trigrams(s: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

/** Overlapping windows of n words (en) or n characters (zh), lower-cased, punctuation dropped. */
function windows(text: string, n: number, lang: Scenario["lang"]): string[] {
  const units =
    lang === "zh"
      ? [...text.replace(/[\s\p{P}\p{S}]+/gu, "")]
      : text
          .toLowerCase()
          .replace(/[{}]/g, " ")
          .split(/[^\p{L}\p{N}']+/u)
          .filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + n <= units.length; i++) out.push(units.slice(i, i + n).join(lang === "zh" ? "" : " "));
  return out;
}
