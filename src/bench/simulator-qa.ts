import { sortedOverlap } from "../text/index.ts";
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
  /** The first unit of every instruction window: a draft's window is only built where one of these starts it. */
  private readonly instructionStarts: Set<string>;
  private readonly npcLabel: RegExp;
  private readonly ownLabel: RegExp;

  // Trigram codes of recent turns, so a 100-turn session does not rebuild them for every draft.
  private readonly grams = new Map<string, Grams>();

  constructor(private readonly scenario: Scenario) {
    // Only the fixed instruction text counts as a leak; quoting one's own persona or the story is fine.
    const bare = simulatorSystemPrompt({ ...scenario, userSetting: "", aiSetting: "" }, "plain", false);
    const n = windowSize(scenario.lang);
    const units = unitsOf(bare, scenario.lang);
    this.instructionGrams = new Set(windows(units, n, scenario.lang));
    this.instructionStarts = new Set(units.slice(0, Math.max(0, units.length - n + 1)));
    this.npcLabel = new RegExp(`(^|\\n)\\s*[*_]*${escapeRegex(scenario.aiName)}[*_]*\\s*[:：]`, "u");
    this.ownLabel = new RegExp(`^\\s*[*_]*${escapeRegex(scenario.userName)}[*_]*\\s*[:：]\\s*`, "u");
  }

  private gramsOf(text: string): Grams {
    let set = this.grams.get(text);
    if (!set) {
      // Forget the oldest (a Map iterates in insertion order): each turn's trigrams are built once per session.
      // The checks look back at most 3 NPC and 10 user turns, well inside the last 32 texts.
      if (this.grams.size >= 32) this.grams.delete(this.grams.keys().next().value as string);
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
    const norm = normalise(text);
    const draftGrams = trigrams(norm);
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
    const lang = this.scenario.lang;
    const n = windowSize(lang);
    const units = unitsOf(text, lang);
    for (let i = 0; i + n <= units.length; i++) {
      if (!this.instructionStarts.has(units[i] as string)) continue;
      const gram = units.slice(i, i + n).join(lang === "zh" ? "" : " ");
      if (this.instructionGrams.has(gram)) return verdict("leaks_instructions", `quotes the instructions ("${gram}")`);
    }
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

/**
 * A text's distinct character trigrams as sorted numeric codes: code units a, b, c packed into a·2³² + b·2¹⁶ + c,
 * which is below 2⁴⁸ and so exact in a double, for every script alike. Two sorted arrays compare by one merge.
 * Why not a Set: these signatures are cached for every turn of every running session, and a Set of a hundred-odd
 * entries is young-generation garbage that each minor GC of a bench run copied twice and then promoted; a typed
 * array keeps its codes outside the collected heap. This runs against up to thirteen earlier turns per user turn.
 */
type Grams = Float64Array;

const NO_GRAMS: Grams = new Float64Array(0);

function trigrams(s: string): Grams {
  const n = s.length - 2;
  if (n <= 0) return NO_GRAMS;
  const codes = new Float64Array(n);
  for (let i = 0; i < n; i++)
    codes[i] = s.charCodeAt(i) * 4294967296 + s.charCodeAt(i + 1) * 65536 + s.charCodeAt(i + 2);
  codes.sort();
  let distinct = 1;
  for (let i = 1; i < n; i++) if (codes[i] !== codes[distinct - 1]) codes[distinct++] = codes[i] as number;
  return codes.subarray(0, distinct);
}

function jaccard(ga: Grams, gb: Grams): number {
  if (ga.length === 0 || gb.length === 0) return 0;
  const inter = sortedOverlap(ga, gb);
  return inter / (ga.length + gb.length - inter);
}

/**
 * Whether the Jaccard similarity reaches `threshold`, without counting when it cannot. J = I / (|A| + |B| − I) ≥ t
 * exactly when the intersection I ≥ t·(|A| + |B|) / (1 + t), so turns of very different lengths are ruled out at
 * once, and the merge stops as soon as too many of A's trigrams were missing from B — after a few dozen steps for
 * the unrelated turns that are most pairs, on the hot path of every simulated turn.
 */
function jaccardAtLeast(ga: Grams, gb: Grams, threshold: number): boolean {
  const small = Math.min(ga.length, gb.length);
  const large = Math.max(ga.length, gb.length);
  if (small === 0 || small < threshold * large) return false;
  let misses = ga.length - (threshold * (ga.length + gb.length)) / (1 + threshold);
  let j = 0;
  for (let i = 0; i < ga.length; i++) {
    const g = ga[i] as number;
    while (j < gb.length && (gb[j] as number) < g) j++;
    if (j < gb.length && gb[j] === g) j++;
    else if (--misses < 0) return false;
  }
  return true;
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

/** Instruction quotes are runs of 6 words (en) or 10 characters (zh). */
function windowSize(lang: Scenario["lang"]): number {
  return lang === "zh" ? 10 : 6;
}

/** Words (en) or characters (zh), lower-cased, punctuation dropped. */
function unitsOf(text: string, lang: Scenario["lang"]): string[] {
  return lang === "zh"
    ? [...text.replace(/[\s\p{P}\p{S}]+/gu, "")]
    : text
        .toLowerCase()
        .replace(/[{}]/g, " ")
        .split(/[^\p{L}\p{N}']+/u)
        .filter(Boolean);
}

/** Overlapping windows of n units. */
function windows(units: readonly string[], n: number, lang: Scenario["lang"]): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= units.length; i++) out.push(units.slice(i, i + n).join(lang === "zh" ? "" : " "));
  return out;
}
