import type { ChatModel } from "../../llm/index.ts";
import { type Interval, percentileBootstrap } from "../../stats/index.ts";
import type { Store } from "../../store/index.ts";
import { LEDGER_OFF } from "../judge/canon-ledger.ts";
import type { Flag } from "../judge/flag.ts";
import { type JudgeBudget, runJudgement } from "../judge/judge-run.ts";
import type { JudgeableSession, JudgeCall, JudgeProgressEvent, JudgeSettings } from "../judge/judge-session.ts";
import type { PanelConfig } from "../judge/panel.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import { scoreJudgedSession } from "../scoring/session-score.ts";
import { flagFindsFlaw, type JudgeFlawRecall, judgeFlawRecall } from "./judge-flaw-recall.ts";
import { type JudgeFlawKind, type JudgeFlawSession, judgeFlawSet } from "./judge-flaws.ts";

/** With or without the canon ledger. */
export type LedgerMode = "on" | "off";

/** What a judge calibration needs. */
export interface JudgeCalibrationInput {
  store: Store;
  judges: readonly ChatModel[];
  settings: JudgeSettings;
  panel: PanelConfig;
  scoring: ScoringConfig;
  /** Sessions per language and flaw kind (fact contradictions: per distance). */
  perKind: number;
  /** Clean sessions per language. */
  clean: number;
  langs: readonly ("en" | "zh")[];
  kinds?: readonly JudgeFlawKind[];
  seed: string;
  /** Which conditions to judge (default both: the difference is the ledger's worth). */
  ledger?: readonly LedgerMode[];
  concurrency: number;
  call?: JudgeCall;
  signal?: AbortSignal;
  onChunk?: (event: JudgeProgressEvent & { ledger: LedgerMode }) => void;
  /** The judge's budget, per condition (each is its own judgement, with its own spending). */
  budget?: JudgeBudget;
}

/** One condition's judgement and recall. */
export interface JudgeCalibrationCondition {
  ledger: LedgerMode;
  judgementId: string;
  recall: JudgeFlawRecall;
  /** Per flaw (in set order): whether the standing flags found it. */
  found: boolean[];
}

/** Recall with the ledger minus recall without it, over the same flaws, with a paired bootstrap interval. */
export interface LedgerWorth {
  flaws: number;
  difference: Interval;
}

/** The outcome of `runJudgeCalibration`. */
export interface JudgeCalibrationResult {
  judges: string[];
  sessions: number;
  cleanSessions: number;
  conditions: JudgeCalibrationCondition[];
  /** When both conditions ran: the ledger's worth on fact contradictions and on every flaw. */
  ledgerWorth?: { factContradiction: LedgerWorth | undefined; all: LedgerWorth | undefined };
}

function toJudgeable(s: JudgeFlawSession): JudgeableSession {
  return {
    key: s.id,
    seedId: s.id,
    modelName: "judge-flaws",
    runId: "run_1",
    lang: s.lang,
    card: {
      aiName: s.aiName,
      aiSetting: s.aiSetting,
      userName: s.userName,
      userSetting: s.userSetting,
      lang: s.lang,
      ...(s.cast ? { cast: s.cast } : {}),
    },
    turns: s.turns,
  };
}

function pairedWorth(
  on: boolean[],
  off: boolean[],
  keep: (i: number) => boolean,
  seed: string,
): LedgerWorth | undefined {
  const diffs = on.flatMap((f, i) => (keep(i) ? [Number(f) - Number(off[i])] : []));
  if (diffs.length === 0) return undefined;
  const b = percentileBootstrap(diffs, { seed });
  return {
    flaws: diffs.length,
    difference: { estimate: b.estimate, lower: b.lower, upper: b.upper, confidence: b.confidence },
  };
}

/**
 * Judge the judge-level flaw set (synthetic 100-turn sessions with one known flaw each, plus clean ones) with the
 * canon ledger on, off, or both, and measure recall per kind, per fact distance and per chunk, false flags per
 * clean chunk, and — with both — what the ledger adds. Each condition is stored as a judgement (sources
 * `judge-flaws:<seed>` and `judge-flaws:<seed>#no-ledger`), so rerunning resumes and is free once complete.
 */
export async function runJudgeCalibration(input: JudgeCalibrationInput): Promise<JudgeCalibrationResult> {
  const set = judgeFlawSet({
    seed: input.seed,
    perKind: input.perKind,
    clean: input.clean,
    langs: input.langs,
    ...(input.kinds ? { kinds: input.kinds } : {}),
  });
  const sessions = set.map(toJudgeable);
  const flawed = set.filter((s) => s.flaws.length > 0);
  const conditions: JudgeCalibrationCondition[] = [];
  for (const ledger of input.ledger ?? (["on", "off"] as const)) {
    const settings: JudgeSettings = ledger === "on" ? input.settings : { ...input.settings, ledger: LEDGER_OFF };
    const result = await runJudgement({
      store: input.store,
      source: ledger === "on" ? `judge-flaws:${input.seed}` : `judge-flaws:${input.seed}#no-ledger`,
      sourceKind: "dialogues",
      sessions,
      judges: input.judges,
      settings,
      panel: input.panel,
      scoring: input.scoring,
      concurrency: input.concurrency,
      ...(input.call ? { call: input.call } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      ...(input.budget ? { budget: input.budget } : {}),
      ...(input.onChunk ? { onChunk: (e: JudgeProgressEvent) => input.onChunk?.({ ...e, ledger }) } : {}),
    });
    const standing = new Map<string, { flags: Flag[]; chunks: number }>(
      result.sessions.map((r) => [
        r.session.key,
        {
          flags: scoreJudgedSession(r.session, r.byJudge, input.scoring, input.panel).chunks.flatMap(
            (c) => c.consensus,
          ),
          chunks: r.chunks.length,
        },
      ]),
    );
    const flagsOf = (s: JudgeFlawSession) => standing.get(s.id)?.flags ?? [];
    conditions.push({
      ledger,
      judgementId: result.judgementId,
      recall: judgeFlawRecall(set, flagsOf, (s) => standing.get(s.id)?.chunks ?? 0, {
        chunkTurns: settings.chunking.chunkTurns,
        seed: input.seed,
      }),
      found: flawed.flatMap((s) => s.flaws.map((flaw) => flagsOf(s).some((f) => flagFindsFlaw(f, flaw)))),
    });
  }
  const on = conditions.find((c) => c.ledger === "on");
  const off = conditions.find((c) => c.ledger === "off");
  const kinds = flawed.flatMap((s) => s.flaws.map((f) => f.kind));
  return {
    judges: input.judges.map((j) => j.id),
    sessions: set.length,
    cleanSessions: set.length - flawed.length,
    conditions,
    ...(on && off
      ? {
          ledgerWorth: {
            factContradiction: pairedWorth(on.found, off.found, (i) => kinds[i] === "fact_contradiction", input.seed),
            all: pairedWorth(on.found, off.found, () => true, input.seed),
          },
        }
      : {}),
  };
}
