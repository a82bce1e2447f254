import { createRng, type Rng } from "../../core/index.ts";
import { cleanSession, createCleanWriter, writeSession } from "../detectors/injection/clean-transcript.ts";
import { insertIntoSpeech } from "../detectors/injection/flaw-injection.ts";
import type { Dimension, Subtype } from "../taxonomy.ts";
import { JUDGE_FLAW_PHRASES_EN, JUDGE_FLAW_PHRASES_ZH } from "./judge-flaw-phrases.ts";

/**
 * The flaws only a judge can see: a fact contradicted long after it was set, a broken world rule, knowledge the
 * character cannot have, drift out of character, rushed pacing, plain factual errors, immersion that erodes.
 */
export const JUDGE_FLAW_KINDS = [
  "fact_contradiction",
  "world_rule_break",
  "impossible_knowledge",
  "ooc_drift",
  "rushed_pacing",
  "factual_error",
  "immersion_erosion",
  "group_knowledge_leak",
] as const;
export type JudgeFlawKind = (typeof JUDGE_FLAW_KINDS)[number];

/** Turns between a fact and its contradiction, as the issue asks (20, 50 and 80). */
export const FACT_DISTANCES = [20, 50, 80] as const;
export type FactDistance = (typeof FACT_DISTANCES)[number];

/**
 * Each kind's subtype (its ground-truth label) and the dimensions a judge's flag may file it under and still find
 * it: a judge need not use our subtype name — a contradiction called incoherence (content logic) or a forgotten
 * fact (logic) is found either way — but a contradiction filed as a formatting glitch is not.
 */
export const JUDGE_FLAW_INFO: Readonly<Record<JudgeFlawKind, { subtype: Subtype; accepts: readonly Dimension[] }>> = {
  fact_contradiction: { subtype: "forgotten_relationship", accepts: ["logic", "content_logic"] },
  world_rule_break: { subtype: "world_law_violation", accepts: ["knowledge", "logic"] },
  impossible_knowledge: { subtype: "impossible_knowledge", accepts: ["knowledge", "logic"] },
  ooc_drift: { subtype: "unmotivated_ooc", accepts: ["content_logic"] },
  rushed_pacing: { subtype: "rushed_pacing", accepts: ["content_logic", "diversity"] },
  factual_error: { subtype: "factual_error", accepts: ["knowledge"] },
  immersion_erosion: { subtype: "immersion_erosion", accepts: ["content_logic", "basics"] },
  group_knowledge_leak: { subtype: "impossible_knowledge", accepts: ["knowledge", "logic"] },
};

/** One injected judge-level flaw with its ground truth. */
export interface JudgeFlaw {
  kind: JudgeFlawKind;
  subtype: Subtype;
  /** First NPC round that carries the flaw. */
  round: number;
  /** Last NPC round of the flaw (drift and erosion span several replies; otherwise `round`). */
  lastRound: number;
  /** Fact contradictions: the round the fact was set, and the distance in turns. */
  setRound?: number;
  distance?: FactDistance;
  /** Which template was used (for reading failures). */
  variant: string;
}

/** A synthetic session for judge calibration: the cast, the card (which may hold a world rule), turns and flaws. */
export interface JudgeFlawSession {
  id: string;
  lang: "en" | "zh";
  aiName: string;
  userName: string;
  aiSetting: string;
  userSetting: string;
  /** Group scenes: the cast the judge is shown. */
  cast?: { name: string; description: string }[];
  turns: { role: "ai" | "user"; round: number; text: string }[];
  /** Empty for a clean session. */
  flaws: JudgeFlaw[];
}

function pick<T>(rng: Rng, list: readonly T[]): { value: T; index: number } {
  const index = rng.int(list.length);
  return { value: list[index] as T, index };
}

function fill(template: string, npc: string, user: string): string {
  return template.replaceAll("{npc}", () => npc).replaceAll("{user}", () => user);
}

/** An even NPC round in [lo, hi] (both even). */
function npcRound(rng: Rng, lo: number, hi: number): number {
  return lo + 2 * rng.int((hi - lo) / 2 + 1);
}

const USER_SETTING = { en: "a visitor to the harbour town", zh: "来港口小镇的旅人" } as const;

/**
 * One session with one judge-level flaw of `kind`, at a random place (for fact contradictions, `distance` turns
 * after the fact was set; the pair always falls in different 20-turn chunks, so only the canon ledger carries the
 * fact to the contradiction). Deterministic for a seed.
 */
export function injectJudgeFlaw(
  seed: string,
  lang: "en" | "zh",
  kind: JudgeFlawKind,
  distance: FactDistance = 20,
): JudgeFlawSession {
  const rng = createRng(seed);
  const writer = createCleanWriter(rng.fork("clean"), lang);
  const base = writeSession(writer);
  const zh = lang === "zh";
  const p = zh ? JUDGE_FLAW_PHRASES_ZH : JUDGE_FLAW_PHRASES_EN;
  const turns = base.turns.map((t) => ({ ...t }));
  const at = (round: number) => turns.find((t) => t.round === round)!;
  const f = (t: string) => fill(t, base.aiName, base.userName);
  const speak = (round: number, line: string) => {
    at(round).text = insertIntoSpeech(at(round).text, f(line), zh);
  };
  let aiSetting = base.aiSetting;
  let cast: JudgeFlawSession["cast"];
  const info = JUDGE_FLAW_INFO[kind];
  let flaw: JudgeFlaw;
  switch (kind) {
    case "fact_contradiction": {
      const { value, index } = pick(rng, p.facts);
      const set = npcRound(rng, 2, 100 - distance);
      speak(set, value.set);
      speak(set + distance, value.contradict);
      flaw = {
        kind,
        subtype: info.subtype,
        round: set + distance,
        lastRound: set + distance,
        setRound: set,
        distance,
        variant: `fact-${index}`,
      };
      break;
    }
    case "world_rule_break": {
      const { value, index } = pick(rng, p.rules);
      aiSetting = `${aiSetting}${zh ? "。世界规则：" : ". World rule: "}${value.rule}`;
      const round = npcRound(rng, 12, 100);
      at(round).text = `${f(value.violation)}${zh ? "" : " "}${at(round).text}`;
      flaw = { kind, subtype: info.subtype, round, lastRound: round, variant: `rule-${index}` };
      break;
    }
    case "impossible_knowledge": {
      const { value, index } = pick(rng, p.secrets);
      const hidden = npcRound(rng, 4, 90) + 1;
      at(hidden).text = f(value.hide);
      const round = hidden + 1 + 2 * rng.int(4);
      speak(round, value.reveal);
      flaw = { kind, subtype: info.subtype, round, lastRound: round, variant: `secret-${index}` };
      break;
    }
    case "ooc_drift": {
      const { value, index } = pick(rng, p.oocDrift);
      const round = npcRound(rng, 12, 96);
      value.forEach((line, i) => {
        at(round + 2 * i).text = f(line);
      });
      flaw = { kind, subtype: info.subtype, round, lastRound: round + 4, variant: `drift-${index}` };
      break;
    }
    case "rushed_pacing": {
      const { value, index } = pick(rng, p.rushed);
      const round = npcRound(rng, 12, 100);
      at(round).text = f(value);
      flaw = { kind, subtype: info.subtype, round, lastRound: round, variant: `rushed-${index}` };
      break;
    }
    case "factual_error": {
      const { value, index } = pick(rng, p.factualErrors);
      const round = npcRound(rng, 12, 100);
      speak(round, value);
      flaw = { kind, subtype: info.subtype, round, lastRound: round, variant: `fact-error-${index}` };
      break;
    }
    case "immersion_erosion": {
      const round = npcRound(rng, 12, 92);
      p.erosion.forEach((aside, i) => {
        const t = at(round + 2 * i);
        t.text = `${aside}${zh ? "" : " "}${t.text}`;
      });
      flaw = { kind, subtype: info.subtype, round, lastRound: round + 8, variant: "erosion" };
      break;
    }
    case "group_knowledge_leak": {
      // A scene of two: every NPC line is labelled by its speaker, alternating; the partner voices the NPC's secret.
      const partner = pick(rng, p.partners).value;
      const { value, index } = pick(rng, p.groupSecrets);
      aiSetting = p.groupCard
        .replaceAll("{npc}", () => base.aiName)
        .replaceAll("{partner}", () => partner)
        .replaceAll("{setting}", () => base.aiSetting)
        .replaceAll("{secret}", () => value.secret);
      cast = [
        { name: base.aiName, description: `${base.aiSetting}; ${zh ? "秘密：" : "secret: "}${value.secret}` },
        { name: partner, description: p.partnerDescription },
      ];
      const speakerOf = (round: number) => (Math.floor(round / 2) % 2 === 0 ? base.aiName : partner);
      for (const t of turns) if (t.role === "ai") t.text = `${speakerOf(t.round)}${zh ? "：" : ": "}${t.text}`;
      const round = 4 * (3 + rng.int(22)) + 2;
      speak(round, value.leak);
      flaw = { kind, subtype: info.subtype, round, lastRound: round, variant: `leak-${index}` };
      break;
    }
  }
  return {
    id: seed,
    lang,
    aiName: base.aiName,
    userName: base.userName,
    aiSetting,
    userSetting: USER_SETTING[lang],
    ...(cast ? { cast } : {}),
    turns,
    flaws: [flaw],
  };
}

/** Options of the judge-flaw set. */
export interface JudgeFlawSetOptions {
  seed?: string;
  /** Sessions per language and kind (fact contradictions: per distance). */
  perKind?: number;
  /** Clean sessions per language (for false flags per clean chunk). */
  clean?: number;
  langs?: readonly ("en" | "zh")[];
  kinds?: readonly JudgeFlawKind[];
}

/**
 * The judge-level flaw set: per language, `perKind` sessions of each kind (fact contradictions once per distance
 * 20, 50 and 80), one flaw each, plus `clean` untouched sessions. Deterministic for a seed.
 */
export function judgeFlawSet(options: JudgeFlawSetOptions = {}): JudgeFlawSession[] {
  const seed = options.seed ?? "judge-flaws-v1";
  const perKind = options.perKind ?? 4;
  const out: JudgeFlawSession[] = [];
  for (const lang of options.langs ?? ["en", "zh"]) {
    for (const kind of options.kinds ?? JUDGE_FLAW_KINDS) {
      const distances: readonly FactDistance[] = kind === "fact_contradiction" ? FACT_DISTANCES : [20];
      for (const d of distances)
        for (let i = 0; i < perKind; i++) {
          const id =
            kind === "fact_contradiction" ? `${seed}/${lang}/${kind}-${d}/${i}` : `${seed}/${lang}/${kind}/${i}`;
          out.push(injectJudgeFlaw(id, lang, kind, d));
        }
    }
    for (let i = 0; i < (options.clean ?? 4); i++) {
      const id = `${seed}/${lang}/clean/${i}`;
      const s = cleanSession(createRng(id), lang);
      out.push({ id, ...s, userSetting: USER_SETTING[lang], turns: s.turns.map((t) => ({ ...t })), flaws: [] });
    }
  }
  return out;
}
