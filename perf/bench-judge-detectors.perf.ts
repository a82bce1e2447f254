// Rule-based detector throughput (issue 4 target ≥ 20k turns/s): every detector of src/bench/detectors over
// 100-turn sessions (102 turns with the scripted pair), NPC turns generated like perf/text-metrics (en 40–120
// words, zh 80–300 characters) and short user turns between them. Detectors analyse the NPC turns; the rate is
// dialogue turns per CPU-second (NPC turns per CPU-second in the detail), beside the src/text metrics pass alone on
// the same NPC turns, measured interleaved in one process: with a fresh analyser per session
// (textMetricsShareOfDetectorTime), and with one analyser reset between sessions, as runDetectors does
// (reusedAnalyserTextMetricsShare; the difference is the cost of allocating and growing an analyser's tables).
import { loadavg } from "node:os";
import { runDetectors } from "../src/bench/index.ts";
import { createTranscriptMetrics } from "../src/text/index.ts";
import { median, type PerfResult } from "./perf-result.ts";
import { chineseTurns, englishTurns } from "./synthetic-transcript.ts";

const TARGET = 20_000;

type Turn = { role: "ai" | "user"; round: number; text: string };

function sessions(lang: "en" | "zh", count: number): Turn[][] {
  const npc = lang === "en" ? englishTurns(`det-${lang}`) : chineseTurns(`det-${lang}`);
  const users =
    lang === "en"
      ? ["Where did you find it?", "Tell me more.", "*nods* Go on.", "I don't trust him."]
      : ["在哪儿找到的？", "多说一点。", "（点头）继续。", "我不信他。"];
  return Array.from({ length: count }, (_, s) =>
    Array.from({ length: 102 }, (_, round) => ({
      role: round % 2 ? ("user" as const) : ("ai" as const),
      round,
      text: round % 2 ? users[(round + s) % users.length]! : npc(),
    })),
  );
}

function cpuSeconds(run: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  run();
  const used = process.cpuUsage(c0);
  return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - w0) / 1000 };
}

export default async function run(): Promise<PerfResult[]> {
  const results: PerfResult[] = [];
  for (const lang of ["en", "zh"] as const) {
    const set = sessions(lang, 40);
    const dialogueTurns = set.length * 102;
    const npcTurns = set.length * 50;
    const detect = () =>
      cpuSeconds(() => {
        for (const turns of set) runDetectors({ lang, aiName: "Mira", userName: "Sam", turns });
      });
    const metricsOnly = () =>
      cpuSeconds(() => {
        for (const turns of set) {
          const m = createTranscriptMetrics({
            lang,
            rollingSelfBleu: false,
            languageMix: { minSpanLetters: lang === "zh" ? 4 : 2 },
          });
          for (const t of turns) if (t.role === "ai" && t.round >= 2) m.push(t.text);
        }
      });
    const reused = createTranscriptMetrics({
      lang,
      rollingSelfBleu: false,
      languageMix: { minSpanLetters: lang === "zh" ? 4 : 2 },
    });
    const metricsReused = () =>
      cpuSeconds(() => {
        for (const turns of set) {
          reused.reset();
          for (const t of turns) if (t.role === "ai" && t.round >= 2) reused.push(t.text);
        }
      });
    detect();
    metricsOnly();
    metricsReused();
    const d: Array<{ cpu: number; wall: number }> = [];
    const m: Array<{ cpu: number; wall: number }> = [];
    const r: Array<{ cpu: number; wall: number }> = [];
    for (let i = 0; i < 7; i++) {
      d.push(detect());
      m.push(metricsOnly());
      r.push(metricsReused());
    }
    const dCpu = median(d.map((x) => x.cpu));
    const rate = dialogueTurns / dCpu;
    results.push({
      name: `bench detectors ${lang}: dialogue turns per CPU-second vs the 20k target`,
      ratio: rate / TARGET,
      unit: "turns per CPU-second ÷ 20 000 (all 13 detectors, text metrics included); higher is better",
      target: "≥ 1.00",
      pass: rate >= TARGET,
      detail: {
        dialogueTurnsPerCpuSec: Math.round(rate),
        npcTurnsPerCpuSec: Math.round(npcTurns / dCpu),
        dialogueTurnsPerWallSec: Math.round(dialogueTurns / median(d.map((x) => x.wall))),
        textMetricsShareOfDetectorTime: +(median(m.map((x) => x.cpu)) / dCpu).toFixed(3),
        reusedAnalyserTextMetricsShare: +(median(r.map((x) => x.cpu)) / dCpu).toFixed(3),
        sessions: set.length,
        loadAverage1m: +(loadavg()[0] ?? 0).toFixed(2),
      },
    });
  }
  return results;
}
