/**
 * Memory retrieval score (after Generative Agents, Park et al. 2023), computed from world data only — no
 * embeddings, so it runs offline and deterministically:
 *
 *   score = w_rec · recency + w_imp · importance + w_rel · relevance
 *
 * - recency    = 0.5^(Δturns / halfLifeTurns) · 0.5^(Δstory hours / halfLifeHours): a memory fades both with
 *                conversation distance and with story time (a night's sleep ages everything). Unlike the
 *                reference code, which decays by access rank, this uses elapsed time.
 * - importance = the event's 1–10 importance (set at extraction) ÷ 10.
 * - relevance  = cosine similarity of word-count vectors between the memory text and the query (the recent
 *                conversation), words from Intl.Segmenter so Chinese and Japanese split too, stop words removed.
 *
 * Each component is min–max normalised over the candidates (as in the paper), so the weights trade them off on
 * one scale; when all candidates tie on a component it contributes 0.5 each. Default weights are 1, 1, 1.
 */
export interface RetrievalWeights {
  recency: number;
  importance: number;
  relevance: number;
}

export const DEFAULT_RETRIEVAL_WEIGHTS: RetrievalWeights = { recency: 1, importance: 1, relevance: 1 };

/** A memory that may go into the prompt. */
export interface MemoryCandidate {
  id: string;
  text: string;
  turn: number;
  storyTime: number;
  importance: number;
}

/** The parts of a score, raw and normalised, so a manifest can show exactly why a memory ranked where it did. */
export interface ScoreParts {
  recency: number;
  importance: number;
  relevance: number;
  total: number;
}

export interface ScoredMemory extends MemoryCandidate {
  score: ScoreParts;
  raw: Omit<ScoreParts, "total">;
}

export interface RetrievalOptions {
  nowTurn: number;
  nowStoryTime: number;
  query: string;
  weights?: RetrievalWeights;
  halfLifeTurns?: number;
  halfLifeHours?: number;
}

const STOP = new Set(
  "a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those i you he she they we me him her them my your his their our not no do does did so then than there here what who whom which when where why how all any some can will would should could just into out up down over again very too also only".split(
    " ",
  ),
);

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

/** Lower-cased content words of a text (word-like segments minus stop words). */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text.toLowerCase())) {
    if (!s.isWordLike) continue;
    if (STOP.has(s.segment) || /^[a-z]$/.test(s.segment)) continue;
    out.push(s.segment);
  }
  return out;
}

function counts(words: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

// Word segmentation dominates scoring, and memory texts never change: keep their vectors (bounded, oldest out).
const vectorCache = new Map<string, Map<string, number>>();
const VECTOR_CACHE_MAX = 50_000;

/** The word-count vector of a text (cached). */
function vectorOf(text: string): Map<string, number> {
  let v = vectorCache.get(text);
  if (!v) {
    v = counts(contentWords(text));
    if (vectorCache.size >= VECTOR_CACHE_MAX) vectorCache.delete(vectorCache.keys().next().value as string);
    vectorCache.set(text, v);
  }
  return v;
}

/** Cosine similarity of two word-count vectors (0 when either is empty). */
export function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [w, x] of a) {
    na += x * x;
    const y = b.get(w);
    if (y) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function normalise(values: number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => (max - min < 1e-12 ? 0.5 : (v - min) / (max - min)));
}

/** Score memories and return them best first (ties broken by recency, then id, so the order is stable). */
export function scoreMemories(candidates: MemoryCandidate[], options: RetrievalOptions): ScoredMemory[] {
  if (candidates.length === 0) return [];
  const w = options.weights ?? DEFAULT_RETRIEVAL_WEIGHTS;
  const halfTurns = options.halfLifeTurns ?? 40;
  const halfHours = options.halfLifeHours ?? 48;
  const query = counts(contentWords(options.query));
  const raw = candidates.map((c) => ({
    recency:
      0.5 ** (Math.max(0, options.nowTurn - c.turn) / halfTurns) *
      0.5 ** (Math.max(0, options.nowStoryTime - c.storyTime) / 60 / halfHours),
    importance: c.importance / 10,
    relevance: cosine(vectorOf(c.text), query),
  }));
  const rec = normalise(raw.map((r) => r.recency));
  const imp = normalise(raw.map((r) => r.importance));
  const rel = normalise(raw.map((r) => r.relevance));
  const scored = candidates.map((c, i) => {
    const recency = rec[i] as number;
    const importance = imp[i] as number;
    const relevance = rel[i] as number;
    const total = w.recency * recency + w.importance * importance + w.relevance * relevance;
    return { ...c, raw: raw[i] as ScoredMemory["raw"], score: { recency, importance, relevance, total } };
  });
  return scored.sort((a, b) => b.score.total - a.score.total || b.turn - a.turn || (a.id < b.id ? -1 : 1));
}
