// The baseline for perf/text-metrics.perf.ts: the same metrics written the obvious way — string n-gram keys in
// Maps and Sets, self-BLEU as BLEU of every turn against every other turn, near-duplicates by Jaccard against every
// earlier turn, per-character \p{Script} regexes. It computes the same numbers as troupe's analyser (the benchmark
// checks that before timing), so the ratio measures the implementation, not a different metric.
import { gzipSync } from "node:zlib";

const CJK = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\u30FC\\u3005";
const WORD = `[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]`;
const TOKEN = new RegExp(`[${CJK}]|${WORD}+(?:['’]${WORD}+)*`, "gv");
const SCRIPTS: Array<[string, RegExp]> = [
  ["han", /\p{Script=Han}/u],
  ["kana", /[\p{Script=Hiragana}\p{Script=Katakana}\u30FC]/u],
  ["hangul", /\p{Script=Hangul}/u],
  ["latin", /\p{Script=Latin}/u],
  ["cyrillic", /\p{Script=Cyrillic}/u],
];
const LETTER = /\p{L}/u;

function tokens(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

function grams(t: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= t.length; i++) out.push(t.slice(i, i + n).join(" "));
  return out;
}

function counts(list: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const g of list) m.set(g, (m.get(g) ?? 0) + 1);
  return m;
}

function bleu(hyp: readonly string[], refs: readonly (readonly string[])[]): number {
  if (hyp.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= 4; n++) {
    const h = counts(grams(hyp, n));
    const rs = refs.map((r) => counts(grams(r, n)));
    let clip = 0;
    let total = 0;
    for (const [g, c] of h) {
      clip += Math.min(c, Math.max(0, ...rs.map((r) => r.get(g) ?? 0)));
      total += c;
    }
    if (n === 1 && clip === 0) return 0;
    logSum += Math.log(clip === 0 ? 0.1 / Math.max(1, total) : clip / Math.max(1, total));
  }
  const c = hyp.length;
  const r = refs.map((x) => x.length).sort((a, b) => Math.abs(a - c) - Math.abs(b - c) || a - b)[0] as number;
  return (c > r ? 1 : Math.exp(1 - r / c)) * Math.exp(logSum / 4);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function scriptOf(ch: string): string | null {
  if (!LETTER.test(ch)) return null;
  for (const [name, re] of SCRIPTS) if (re.test(ch)) return name;
  return "other";
}

/** Analyse one transcript naively: per-turn signals, then the transcript summary. */
export function naiveTranscriptMetrics(turns: readonly string[], lang: string) {
  const expected = lang === "zh" ? ["han"] : ["latin"];
  const window = 20;
  const tokenized: string[][] = [];
  const shingles: Array<Set<string>> = [];
  const perTurn = turns.map((text, index) => {
    const t = tokens(text);
    const recent = new Set(tokenized.slice(Math.max(0, index - window)).flatMap((x) => grams(x, 3)));
    const own = grams(t, 3);
    const repeatedNgramRate = own.length === 0 ? Number.NaN : own.filter((g) => recent.has(g)).length / own.length;
    const set = new Set(own);
    const nearDuplicates = shingles
      .map((s, i) => ({ index: i, similarity: jaccard(set, s) }))
      .filter((m) => m.similarity >= 0.5);
    let letters = 0;
    let foreign = 0;
    for (const ch of text) {
      const s = scriptOf(ch);
      if (!s) continue;
      letters++;
      if (!expected.includes(s)) foreign++;
    }
    let symbols = 0;
    for (const ch of text) if (/[\p{S}\p{C}]/u.test(ch) && !/\s/u.test(ch)) symbols++;
    tokenized.push(t);
    shingles.push(set);
    return {
      length: t.length,
      distinct1: t.length === 0 ? Number.NaN : new Set(t).size / t.length,
      repeatedNgramRate,
      nearDuplicates,
      foreignRatio: letters === 0 ? 0 : foreign / letters,
      symbols,
    };
  });
  const distinct = (n: number) => {
    const all = tokenized.flatMap((t) => grams(t, n));
    return new Set(all).size / all.length;
  };
  const bleus = tokenized.map((t, i) =>
    bleu(
      t,
      tokenized.filter((_, j) => j !== i),
    ),
  );
  const raw = Buffer.from(turns.join("\n"));
  return {
    perTurn,
    summary: {
      distinct1: distinct(1),
      distinct2: distinct(2),
      distinct3: distinct(3),
      selfBleu: bleus.reduce((a, b) => a + b, 0) / bleus.length,
      compressionRatio: raw.length / gzipSync(raw, { level: 9 }).length,
    },
  };
}
