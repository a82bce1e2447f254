// Text-metric throughput (issue 2) for the bench's rule-based detectors (issue 4 asks ≥ 20k turns/s): troupe's
// streaming analyser against a naive implementation of the same metrics, on generated 100-turn English (40–120
// words per turn) and Chinese (80–300 characters per turn) transcripts, measured interleaved in one process.
//
// Rates are turns per CPU-second of this process (user + system time): on a shared machine, wall time mostly
// measures other processes' time slices. Wall-clock rates are in each result's detail, with the load average.
import { loadavg } from "node:os";
import { createTranscriptMetrics } from "../src/text/index.ts";
import { naiveTranscriptMetrics } from "./naive-text-metrics.ts";
import { median, type PerfResult } from "./perf-result.ts";
import { chineseTurns, englishTurns } from "./synthetic-transcript.ts";

const TARGET = 20_000;
const TURNS = 100;

interface Rates {
  cpu: number;
  wall: number;
}

/** Times `run`, which processes `turns` turns; returns turns per CPU-second and per wall-second. */
function timed(run: () => void, turns: number): Rates {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  run();
  const wall = (performance.now() - wall0) / 1000;
  const used = process.cpuUsage(cpu0);
  return { cpu: turns / ((used.user + used.system) / 1e6), wall: turns / wall };
}

function analyse(
  transcripts: readonly string[][],
  lang: string,
  summary: boolean,
  extra: { cjk?: "word"; rollingSelfBleu?: boolean } = {},
): void {
  for (const turns of transcripts) {
    const metrics = createTranscriptMetrics({ lang, ...extra });
    for (const text of turns) metrics.push(text);
    if (summary) metrics.summary();
  }
}

/** Fail loudly if the naive baseline and troupe disagree: the ratio must compare the same metrics. */
function checkSameResults(turns: readonly string[], lang: string): void {
  const metrics = createTranscriptMetrics({ lang });
  const fast = turns.map((t) => metrics.push(t));
  const summary = metrics.summary();
  const naive = naiveTranscriptMetrics(turns, lang);
  const close = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) < 1e-9;
  const mismatch = (what: string) => new Error(`naive and troupe ${lang} metrics differ on ${what}`);
  for (const key of ["distinct1", "distinct2", "distinct3", "selfBleu", "compressionRatio"] as const) {
    if (!close(summary[key], naive.summary[key])) throw mismatch(key);
  }
  fast.forEach((t, i) => {
    const n = naive.perTurn[i] as (typeof naive.perTurn)[number];
    if (t.length !== n.length || !close(t.distinct1, n.distinct1) || !close(t.repeatedNgramRate, n.repeatedNgramRate)) {
      throw mismatch(`turn ${i}`);
    }
    if (!close(t.languageMix.foreignRatio, n.foreignRatio) || t.nearDuplicates.length !== n.nearDuplicates.length) {
      throw mismatch(`turn ${i} (language mix / near-duplicates)`);
    }
  });
}

function medianRates(samples: Rates[]): Rates {
  return { cpu: median(samples.map((s) => s.cpu)), wall: median(samples.map((s) => s.wall)) };
}

function measure(lang: "en" | "zh"): PerfResult[] {
  const generate = lang === "en" ? englishTurns(`perf-${lang}`) : chineseTurns(`perf-${lang}`);
  const transcripts = Array.from({ length: 20 }, () => Array.from({ length: TURNS }, generate));
  checkSameResults(transcripts[0] as string[], lang);
  const total = transcripts.length * TURNS;
  const perTurn = () => timed(() => analyse(transcripts, lang, false), total);
  const lean = () => timed(() => analyse(transcripts, lang, false, { rollingSelfBleu: false }), total);
  const full = () => timed(() => analyse(transcripts, lang, true), total);
  // The naive baseline is quadratic in turns (about 60× slower), so each of its rounds is one transcript.
  let next = 0;
  const naive = () => {
    const t = transcripts[next++ % transcripts.length] as string[];
    return timed(() => naiveTranscriptMetrics(t, lang), TURNS);
  };
  perTurn();
  full();
  naive();
  // Interleave the rounds so a change in machine load hits every side alike.
  const perTurnRates: Rates[] = [];
  const leanRates: Rates[] = [];
  const fullRates: Rates[] = [];
  const naiveRates: Rates[] = [];
  for (let round = 0; round < 7; round++) {
    perTurnRates.push(perTurn());
    leanRates.push(lean());
    fullRates.push(full());
    if (round % 2 === 0) naiveRates.push(naive());
  }
  const p = medianRates(perTurnRates);
  const f = medianRates(fullRates);
  const n = medianRates(naiveRates);
  const common = {
    transcripts: transcripts.length,
    turnsPerTranscript: TURNS,
    loadAverage1m: +(loadavg()[0] ?? 0).toFixed(2),
  };
  const extra: Record<string, number> = {};
  if (lang === "zh") {
    const five = transcripts.slice(0, 5);
    const words = () => timed(() => analyse(five, lang, false, { cjk: "word" }), five.length * TURNS);
    words();
    extra["segmenterWordsPerTurnTurnsPerCpuSec"] = Math.round(medianRates([words(), words(), words()]).cpu);
  }
  return [
    {
      // For scale only: the 20k turns/s target is the detectors' (bench-judge-detectors.perf.ts measures it on
      // sessions shaped like bench output); here every turn of both roles is a long one.
      name: `text metrics ${lang}: per-turn analyser path, for scale against the detectors' 20k turns/s`,
      ratio: p.cpu / TARGET,
      unit: "turns per CPU-second ÷ 20 000 (the default analyser on every turn, every turn 40–120 words or 80–300 characters: tokens, distinct-n, repeated n-grams, rolling self-BLEU, near-duplicates, language mix, garble); higher is better",
      detail: {
        turnsPerCpuSec: Math.round(p.cpu),
        turnsPerWallSec: Math.round(p.wall),
        withoutRollingSelfBleuTurnsPerCpuSec: Math.round(medianRates(leanRates).cpu),
        ...common,
        ...extra,
      },
    },
    {
      name: `text metrics ${lang}: per-turn path plus transcript summary, for scale against 20k turns/s`,
      ratio: f.cpu / TARGET,
      unit: "turns per CPU-second ÷ 20 000, adding each transcript's exact self-BLEU, distinct-1/2/3, gzip-9 ratio and length trend (the 20k target is the per-turn detectors'); higher is better",
      detail: { turnsPerCpuSec: Math.round(f.cpu), turnsPerWallSec: Math.round(f.wall), ...common },
    },
    {
      name: `text metrics ${lang}: troupe vs a naive implementation of the same metrics`,
      ratio: f.cpu / n.cpu,
      unit: "troupe ÷ naive turns per CPU-second (per-turn path plus summary, identical outputs checked); higher is better",
      detail: {
        troupeTurnsPerCpuSec: Math.round(f.cpu),
        naiveTurnsPerCpuSec: Math.round(n.cpu),
        troupeTurnsPerWallSec: Math.round(f.wall),
        naiveTurnsPerWallSec: Math.round(n.wall),
      },
    },
  ];
}

export default async function textMetricsPerf(): Promise<PerfResult[]> {
  return [...measure("en"), ...measure("zh")];
}
