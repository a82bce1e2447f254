import { createTranscriptMetrics } from "../../text/index.ts";
import { comparedSettings, comparisonWarnings } from "../analysis/comparability.ts";
import {
  DETECTOR_DISAGREEMENT_THRESHOLD,
  type DetectorDisagreement,
  detectorDisagreement,
} from "../analysis/detector-disagreement.ts";
import { type HorizonBucket, longHorizonCurve } from "../analysis/long-horizon.ts";
import { type PairedDifference, pairedComparison } from "../analysis/paired-comparison.ts";
import {
  DEFAULT_INTERVALS,
  type IntervalOptions,
  type ScoreInterval,
  scoreIntervals,
} from "../analysis/score-intervals.ts";
import type { ScoredSource } from "../analysis/scored-source.ts";
import { type VarianceBreakdown, varianceBreakdown } from "../analysis/variance-breakdown.ts";
import type { DimensionCalibration } from "../calibration/score-correlation.ts";
import type { Dialogue } from "../dialogue.ts";
import type { Flag } from "../judge/flag.ts";
import { type DimensionAgreement, judgeAgreement } from "../judge/judge-agreement.ts";
import { flagKey, type PanelConfig } from "../judge/panel.ts";
import { combineDimensions } from "../scoring/deduction.ts";
import { type ScoringConfig, scoringConfigHash } from "../scoring/scoring-config.ts";
import type { SessionScore } from "../scoring/session-score.ts";

/** Spend of one role. */
export interface RoleCost {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /**
   * False when calls were made but no cost was recorded: troupe records $0 for a model without a price, so the
   * report shows "unpriced" there rather than a misleading $0.0000.
   */
  priced: boolean;
}

/** One leaderboard entry: one model from one source (run or official file), under one judgement. */
export interface ReportEntry {
  id: string;
  label: string;
  model: string;
  source: string;
  sourceKind: string;
  judgementId: string;
  judges: string[];
  promptVersion: string;
  promptHash: string;
  userSimulator: string | undefined;
  sessions: number;
  scenarios: number;
  langs: string[];
  failedChunks: number;
  unjudgedSessions: number;
  intervals: ScoreInterval[];
  /** Per dimension; undefined with a single judge (agreement needs two). */
  agreement: DimensionAgreement[] | undefined;
  variance: VarianceBreakdown;
  horizon: HorizonBucket[];
  cost: { player: RoleCost; simulator: RoleCost; judge: RoleCost };
  /**
   * Diversity of the NPC's generated turns, the mean over sessions of src/text's transcript summary: corpus
   * distinct-1/2 (higher = more varied), self-BLEU of each reply against the others and the gzip ratio (higher =
   * more repetitive).
   */
  diversity: { distinct1: number; distinct2: number; selfBleu: number; compressionRatio: number };
  flags: { standing: number; outvoted: number; unverified: number; detector: number; rejected: number };
  /** Generated NPC turns that detectors flagged and the judge did not (see DETECTOR_DISAGREEMENT_THRESHOLD). */
  detectorOnly: DetectorDisagreement;
  warnings: string[];
}

/** A flag as the report shows it. */
export interface ReportFlag extends Flag {
  chunk: number;
  /** standing: counts toward the score; outvoted: a judge's verified flag the panel did not keep; unverified: its
   * quote was not found; detector: from a rule. */
  status: "standing" | "outvoted" | "unverified" | "detector";
}

/** One session in the report: scores per chunk, flags, and the transcript for click-through. */
export interface ReportSession {
  entry: string;
  key: string;
  seedId: string;
  runId: string;
  lang: string | undefined;
  overall: number | undefined;
  chunks: Array<{ index: number; firstRound: number; lastRound: number; overall: number | undefined; flags: number }>;
  flags: ReportFlag[];
  turns: Array<{ role: "ai" | "user"; round: number; text: string }>;
}

/** A paired comparison of an entry against the baseline entry on shared scenarios. */
export interface ReportComparison {
  baseline: string;
  candidate: string;
  differences: PairedDifference[];
}

/** Everything a report shows, as JSON; the HTML and Markdown renderers only format it. */
export interface BenchReport {
  format: "troupe-bench-report-v1";
  generatedAt: string;
  scoring: ScoringConfig;
  scoringHash: string;
  panel: PanelConfig;
  intervals: IntervalOptions;
  entries: ReportEntry[];
  comparisons: ReportComparison[];
  sessions: ReportSession[];
  calibration?: { reference: string; dimensions: DimensionCalibration[] } | undefined;
  warnings: string[];
}

function emptyCost(): RoleCost {
  return { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, priced: true };
}

/** Options of the report builder. */
export interface BuildReportOptions {
  scoring: ScoringConfig;
  panel: PanelConfig;
  intervals?: IntervalOptions;
  now?: () => Date;
  /** Target interval half-width for the scenarios-needed estimate (default 1 point). */
  targetHalfWidth?: number;
}

/**
 * Assemble the report from scored sources. Each (source, model) pair becomes an entry; the first entry is the
 * baseline every other entry is compared with, pairwise on shared scenarios.
 */
export function buildBenchReport(sources: readonly ScoredSource[], options: BuildReportOptions): BenchReport {
  const intervals = options.intervals ?? DEFAULT_INTERVALS;
  const entries: ReportEntry[] = [];
  const sessions: ReportSession[] = [];
  const byEntry = new Map<string, SessionScore[]>();
  const dialogueOf = new Map<SessionScore, Dialogue>();
  const modelCount = new Map<string, number>();
  for (const s of sources)
    for (const m of new Set(s.sessions.map((x) => x.modelName))) modelCount.set(m, (modelCount.get(m) ?? 0) + 1);
  for (const scored of sources) {
    const models = [...new Set(scored.sessions.map((s) => s.modelName))];
    for (const model of models) {
      const id = `e${entries.length + 1}`;
      const list = scored.sessions.filter((s) => s.modelName === model);
      byEntry.set(id, list);
      for (const s of list) dialogueOf.set(s, scored.dialogues.get(s.key)!);
      const dialogues = list.map((s) => scored.dialogues.get(s.key)!);
      const cost = { player: emptyCost(), simulator: emptyCost(), judge: emptyCost() };
      for (const d of dialogues) {
        for (const [role, target] of [
          ["player", cost.player],
          ["user-sim", cost.simulator],
        ] as const) {
          const t = d.meta?.totals[role];
          if (!t) continue;
          target.calls += t.calls;
          target.promptTokens += t.prompt_tokens;
          target.completionTokens += t.completion_tokens;
          target.costUsd += t.cost_usd;
        }
      }
      const flagCounts = { standing: 0, outvoted: 0, unverified: 0, detector: 0, rejected: 0 };
      for (const s of list) {
        const judgeChunks = s.byJudge.flat();
        cost.judge.calls += judgeChunks.length;
        cost.judge.promptTokens += s.judgePromptTokens;
        cost.judge.completionTokens += s.judgeCompletionTokens;
        cost.judge.costUsd += s.judgeCostUsd;
        flagCounts.rejected += judgeChunks.reduce((n, c) => n + c.rejected.length, 0);
        const d = scored.dialogues.get(s.key)!;
        const flags = reportFlags(s, scored.detectorFlags.get(s.key) ?? []);
        for (const f of flags) flagCounts[f.status]++;
        sessions.push({
          entry: id,
          key: s.key,
          seedId: s.seedId,
          runId: s.runId,
          lang: s.lang,
          overall: s.card?.overall,
          chunks: s.chunks.map((c) => ({
            index: c.index,
            firstRound: c.firstRound,
            lastRound: c.lastRound,
            overall: c.scores ? combineDimensions(c.scores, options.scoring).overall : undefined,
            flags: c.consensus.filter((f) => f.source === "judge").length,
          })),
          flags,
          turns: d.dialogue.map((t) => ({ role: t.role, round: t.round, text: t.text })),
        });
      }
      const div = { distinct1: 0, distinct2: 0, selfBleu: 0, compressionRatio: 0 };
      let divN = 0;
      for (const d of dialogues) {
        const npc = d.dialogue.filter((t) => t.role === "ai" && t.round >= 2);
        if (npc.length < 2) continue;
        const m = createTranscriptMetrics({ lang: d.meta?.lang ?? list[0]?.lang ?? "en", rollingSelfBleu: false });
        for (const t of npc) m.push(t.text);
        const sum = m.summary();
        for (const k of ["distinct1", "distinct2", "selfBleu", "compressionRatio"] as const)
          if (Number.isFinite(sum[k])) div[k] += sum[k];
        divN++;
      }
      if (divN > 0) for (const k of Object.keys(div) as Array<keyof typeof div>) div[k] /= divN;
      const judges = scored.judges;
      const warnings = [...(((scored.judgement.config["warnings"] as string[] | undefined) ?? []) as string[])];
      if (scored.unjudged.length > 0)
        warnings.push(`${scored.unjudged.length} session(s) of ${scored.source.source} were not judged.`);
      for (const c of Object.values(cost)) c.priced = c.calls === 0 || c.costUsd > 0;
      const label = (modelCount.get(model) ?? 0) > 1 ? `${model} (${scored.source.source})` : model;
      const detectorOnly = detectorDisagreement(
        list.map((s) => ({
          turns: scored.dialogues.get(s.key)!.dialogue,
          judgeFlags: s.chunks.flatMap((c) => c.consensus.filter((f) => f.source === "judge")),
          detectorFlags: scored.detectorFlags.get(s.key) ?? [],
        })),
      );
      if (detectorOnly.exceeds && options.scoring.detectorFlags !== "score")
        warnings.push(
          `${label}: detectors flagged ${detectorOnly.detectorOnlyTurns} of ${detectorOnly.npcTurns} generated NPC turns (${(detectorOnly.share * 100).toFixed(0)}%) that the judge did not flag (warning at ${DETECTOR_DISAGREEMENT_THRESHOLD.share * 100}% of turns). Its score may be unreliable: detector flags are reported but not scored. To score them, rerun with --detector-flags score.`,
        );
      const failedChunks = list.reduce((n, s) => n + s.failedChunks, 0);
      if (failedChunks > 0)
        warnings.push(`${failedChunks} judged chunk(s) failed; rerun \`troupe bench judge\` to retry them.`);
      const meta = dialogues.find((d) => d.meta)?.meta;
      entries.push({
        id,
        label,
        model,
        source: scored.source.source,
        sourceKind: scored.source.kind,
        judgementId: scored.judgement.id,
        judges,
        promptVersion: String(scored.judgement.config["promptVersion"] ?? ""),
        promptHash: String(scored.judgement.config["promptHash"] ?? ""),
        userSimulator: meta?.user_simulator.model,
        sessions: list.length,
        scenarios: new Set(list.map((s) => s.seedId)).size,
        langs: [...new Set(list.map((s) => s.lang).filter((l): l is string => !!l))].sort(),
        failedChunks,
        unjudgedSessions: scored.unjudged.length,
        intervals: scoreIntervals(list, options.scoring, intervals),
        agreement:
          judges.length >= 2
            ? judgeAgreement(
                list.map((s) => s.byJudge),
                options.scoring.includeUnverified,
              )
            : undefined,
        variance: varianceBreakdown(list, options.scoring, "overall", options.targetHalfWidth ?? 1),
        horizon: longHorizonCurve(
          list.map((s) => ({
            turns: scored.dialogues.get(s.key)!.dialogue,
            judgeFlags: s.chunks.flatMap((c) => c.consensus.filter((f) => f.source === "judge")),
            detectorFlags: scored.detectorFlags.get(s.key) ?? [],
          })),
        ),
        cost,
        diversity: div,
        flags: flagCounts,
        detectorOnly,
        warnings,
      });
    }
  }
  const comparisons: ReportComparison[] = [];
  const comparisonNotes: string[] = [];
  const baseline = entries[0];
  if (baseline) {
    const side = (e: ReportEntry) => ({
      label: e.label,
      settings: comparedSettings(byEntry.get(e.id)!.map((s) => dialogueOf.get(s)!)),
    });
    for (const e of entries.slice(1)) {
      const differences = pairedComparison(byEntry.get(e.id)!, byEntry.get(baseline.id)!, options.scoring, intervals);
      if (differences.length === 0) continue;
      comparisons.push({ baseline: baseline.id, candidate: e.id, differences });
      comparisonNotes.push(...comparisonWarnings(side(e), side(baseline), differences[0]!.scenarios));
    }
  }
  return {
    format: "troupe-bench-report-v1",
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    scoring: options.scoring,
    scoringHash: scoringConfigHash(options.scoring),
    panel: options.panel,
    intervals,
    entries,
    comparisons,
    sessions,
    warnings: [...new Set([...entries.flatMap((e) => e.warnings), ...comparisonNotes])],
  };
}

/** A session's flags with their report status: standing, outvoted, unverified (judges), detector. */
export function reportFlags(s: SessionScore, detector: readonly Flag[]): ReportFlag[] {
  const out: ReportFlag[] = [];
  for (const c of s.chunks) {
    const standing = c.consensus.filter((f) => f.source === "judge");
    const standingKeys = new Set(standing.map(flagKey));
    for (const f of standing) out.push({ ...f, chunk: c.index, status: "standing" });
    for (const f of c.all)
      if (f.source === "judge" && !(f.verified && standingKeys.has(flagKey(f))))
        out.push({ ...f, chunk: c.index, status: f.verified ? "outvoted" : "unverified" });
  }
  for (const f of detector)
    out.push({
      ...f,
      chunk: Math.max(0, ...s.chunks.filter((c) => c.firstRound <= f.round).map((c) => c.index)),
      status: "detector",
    });
  return out.sort((a, b) => a.round - b.round);
}
