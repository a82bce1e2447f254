import { createRng, type Rng } from "../core/index.ts";
import type { FeedbackText } from "./text-store.ts";

/** Knobs of the synthetic population (defaults are what docs/learn.md reports). */
export interface SimulationOptions {
  seed: string;
  humans: number;
  bots: number;
  /** Humans whose client once replays a burst of events under fresh ids. */
  bursters: number;
  testAccounts: number;
  sessionsPerUser: [number, number];
  turnsPerSession: [number, number];
  /** Candidates per swipe deck. */
  deck: number;
  /** Chance of moving on from position k to k+1 when satisfied / unsatisfied (position bias in examination). */
  swipeOnSatisfied: number;
  swipeOnUnsatisfied: number;
  /** Utility bonus of the first shown candidate at choice time (primacy). */
  primacy: number;
  /** Scale of Gumbel noise in choices. */
  choiceNoise: number;
  /** Share of viewings during which the tab goes to the background for minutes (off-screen time). */
  offScreen: number;
  /** Share of disliked replies read long out of confusion. */
  confusion: number;
  /** Largest per-user impatience: chance of swiping or regenerating before reading. */
  maxImpatience: number;
  /** Chance a turn is served by the randomized-order policy (the other serves a fixed order). */
  randomizedShare: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: "troupe-sim",
  humans: 300,
  bots: 20,
  bursters: 6,
  testAccounts: 3,
  sessionsPerUser: [1, 3],
  turnsPerSession: [5, 25],
  deck: 3,
  swipeOnSatisfied: 0.35,
  swipeOnUnsatisfied: 0.85,
  primacy: 0.1,
  choiceNoise: 0.05,
  offScreen: 0.15,
  confusion: 0.3,
  maxImpatience: 0.5,
  randomizedShare: 0.5,
};

/** Who produced an event, known only to the simulator. */
export type Actor = "human" | "bot" | "burst" | "test";

/** The hidden truth the learner is scored against. */
export interface SimulationTruth {
  actor: Map<string, Actor>;
  /** The generating user's true utility of each candidate. */
  utility: Map<string, number>;
  /** Whether the user liked the candidate (utility above their average). */
  liked: Map<string, boolean>;
}

/** One request as the server received it. */
export interface SimulatedBatch {
  /** Server clock when it arrived. */
  receivedAt: number;
  /** Raw v1 events, each with `user` and the batch's `sent_at_client` (ingest them with trustUser). */
  events: Array<Record<string, unknown>>;
}

export interface Simulation {
  batches: SimulatedBatch[];
  texts: FeedbackText[];
  truth: SimulationTruth;
}

const FEATURES = 4;
// Population taste: shorter replies, in character, some initiative, little purple prose (feature meanings are
// labels only; what matters is that users differ around a shared mean).
const POPULATION = [-0.5, 1, 0.5, -0.3];
const WORDS = "the lamp flickers as she turns toward you and the sea wind carries salt and old songs".split(" ");

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function between(rng: Rng, [lo, hi]: [number, number]): number {
  return lo + rng.int(hi - lo + 1);
}

function text(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[rng.int(WORDS.length)] as string);
  return out.join(" ");
}

function readMs(words: number): number {
  return (words / 260) * 60_000;
}

/**
 * Simulate users chatting through two serving policies (fixed order vs randomized order) with hidden preferences
 * over reply features, position bias in what they examine, primacy in what they pick, impatience, off-screen
 * reading, confused long reads, plus bots, bursts and test accounts. Deterministic for a seed.
 */
export function simulate(options: Partial<SimulationOptions> = {}): Simulation {
  const o = { ...DEFAULT_SIMULATION, ...options };
  const rng = createRng(o.seed);
  const batches: SimulatedBatch[] = [];
  const texts: FeedbackText[] = [];
  const truth: SimulationTruth = { actor: new Map(), utility: new Map(), liked: new Map() };
  const start = Date.UTC(2026, 10, 1);
  let seq = 0;
  /** Send events as one batch: stamped with the client's send time, received a moment later by the server. */
  const send = (actor: Actor, events: Array<Record<string, unknown>>, clockOffset: number, transit: number) => {
    if (events.length === 0) return;
    const last = Math.max(...events.map((e) => e.created_at_client as number));
    const sent = last + 200;
    batches.push({
      receivedAt: sent + transit,
      events: events.map((e) => {
        const id = `sim-${(seq++).toString(36)}`;
        truth.actor.set(id, actor);
        return {
          event_id: id,
          source: "simulate",
          ...e,
          created_at_client: (e.created_at_client as number) + clockOffset,
          sent_at_client: sent + clockOffset,
        };
      }),
    });
  };

  for (let u = 0; u < o.humans + o.testAccounts; u++) {
    const test = u >= o.humans;
    const urng = rng.fork(`user-${u}`);
    const user = test ? `test-${u}` : `user-${u}`;
    const actor: Actor = test ? "test" : "human";
    const weights = POPULATION.map((m) => m + 0.5 * gaussian(urng));
    const average = weights.reduce((s, w) => s + w * 0.5, 0);
    const impatience = urng.next() * o.maxImpatience;
    const readingSpeed = 0.7 + urng.next() * 0.8;
    // Client clocks are off by up to ±2 h; sent_at lets the server correct that.
    const clockOffset = Math.round((urng.next() - 0.5) * 4 * 3_600_000);
    const character = `char-${urng.int(5)}`;
    let t = start + urng.int(20 * 86_400_000);
    const sessions = between(urng, o.sessionsPerUser);
    for (let s = 0; s < sessions; s++) {
      const session = `${user}-s${s}`;
      const chat = `${user}-chat${s}`;
      const sessionStart = t;
      let parent = `${chat}-m0`;
      texts.push({ id: parent, chatId: chat, parentId: null, role: "user", text: text(urng, 8) });
      const common = { user, session_id: session, chat_id: chat, character_id: character };
      const batch: Array<Record<string, unknown>> = [];
      const push = (event: Record<string, unknown>) => batch.push({ ...common, ...event });
      push({
        type: "session_start",
        created_at_client: t,
        payload: { client: "web", account: test ? "test" : "user" },
      });
      const turns = between(urng, o.turnsPerSession);
      let left = false;
      for (let turn = 0; turn < turns && !left; turn++) {
        const message = `${chat}-a${turn}`;
        const randomized = urng.next() < o.randomizedShare;
        const policy = randomized ? "policy-random" : "policy-fixed";
        const candidates = Array.from({ length: o.deck }, (_, k) => {
          const features = Array.from({ length: FEATURES }, () => urng.next());
          const words = 20 + Math.round((features[0] as number) * 180);
          const id = `${message}-c${k}`;
          const utility = weights.reduce((sum, w, i) => sum + w * (features[i] as number), 0);
          truth.utility.set(id, utility);
          truth.liked.set(id, utility > average);
          texts.push({ id, chatId: chat, parentId: parent, role: "assistant", text: text(urng, words), position: k });
          return { id, words, utility };
        });
        // The fixed policy shows the longest first (it believes length is quality); the other shuffles.
        const order = [...candidates];
        if (randomized) order.sort(() => urng.next() - 0.5);
        else order.sort((a, b) => b.words - a.words);
        const ids = order.map((c) => c.id);
        const positions = order.map((_, k) => k);
        const deckFields = {
          message_id: message,
          parent_message_id: parent,
          policy_id: policy,
          propensity: randomized ? o.randomizedShare : 1 - o.randomizedShare,
          order_propensity: randomized ? 1 / factorial(o.deck) : 1,
        };
        const examined: number[] = [];
        for (let k = 0; k < order.length; k++) {
          const c = order[k] as (typeof order)[number];
          const impatient = urng.next() < impatience;
          let visible = impatient
            ? 200 + urng.int(500)
            : Math.max(1200, readMs(c.words) * readingSpeed * (0.8 + urng.next() * 0.5));
          const confused = !impatient && c.utility <= average && urng.next() < o.confusion;
          if (confused) visible *= 2 + urng.next();
          const hidden = urng.next() < o.offScreen ? 60_000 + urng.int(540_000) : 0;
          push({
            ...deckFields,
            type: "exposure",
            created_at_client: t + 1000,
            candidate_id: c.id,
            candidate_ids: [c.id],
            positions: [k],
            payload: { visible_ms: Math.round(visible), max_visible_fraction: 1, words: c.words },
          });
          t += Math.round(visible + hidden);
          push({
            ...deckFields,
            type: "dwell",
            created_at_client: t,
            candidate_id: c.id,
            payload: { visible_ms: Math.round(visible), wall_ms: Math.round(visible + hidden), words: c.words },
          });
          if (!impatient) examined.push(k);
          const satisfied = !impatient && c.utility > average;
          const goOn =
            k + 1 < order.length &&
            urng.next() < (satisfied ? o.swipeOnSatisfied : impatient ? 0.95 : o.swipeOnUnsatisfied);
          if (!goOn) break;
          t += 300 + urng.int(1500);
          const next = order[k + 1] as (typeof order)[number];
          if (impatient && urng.next() < 0.5)
            push({
              ...deckFields,
              type: "regenerate",
              created_at_client: t,
              candidate_id: c.id,
              payload: { replaced_candidate_id: c.id, visible_ms: Math.round(visible), during_stream: false },
            });
          push({
            ...deckFields,
            type: "swipe",
            created_at_client: t,
            candidate_id: next.id,
            payload: {
              from_candidate_id: c.id,
              to_candidate_id: next.id,
              from_position: k,
              to_position: k + 1,
              direction: "right",
              generated: false,
              from_visible_ms: Math.round(visible),
            },
          });
        }
        if (examined.length === 0) examined.push(0);
        let best = examined[0] as number;
        let bestScore = Number.NEGATIVE_INFINITY;
        for (const k of examined) {
          const gumbel = -Math.log(-Math.log(1 - urng.next() * 0.999999));
          const score =
            (order[k] as (typeof order)[number]).utility + (k === 0 ? o.primacy : 0) + o.choiceNoise * gumbel;
          if (score > bestScore) {
            bestScore = score;
            best = k;
          }
        }
        const chosen = order[best] as (typeof order)[number];
        if (urng.next() < 0.08)
          push({
            ...deckFields,
            type: "rate",
            created_at_client: t + 500,
            candidate_id: chosen.id,
            payload: { scale: "thumbs", value: chosen.utility > average ? 1 : -1 },
          });
        if (urng.next() < 0.04) {
          const distance = 10 + urng.int(80);
          const edited = `${message}-edit`;
          texts.push({
            id: edited,
            chatId: chat,
            parentId: parent,
            role: "assistant",
            text: `${text(urng, chosen.words)} (edited)`,
          });
          push({
            ...deckFields,
            type: "edit",
            created_at_client: t + 800,
            message_id: edited,
            candidate_id: chosen.id,
            payload: {
              original_candidate_id: chosen.id,
              original_chars: chosen.words * 5,
              edited_chars: chosen.words * 5,
              edit_distance: distance,
            },
          });
          truth.utility.set(edited, chosen.utility + 1);
        }
        if (chosen.utility < average - 0.3 && urng.next() < 0.5) {
          t += 5_000 + urng.int(20_000);
          push({
            ...deckFields,
            type: "leave",
            created_at_client: t,
            candidate_id: chosen.id,
            payload: { reason: "hidden", idle_ms: 1_800_000 },
          });
          left = true;
          break;
        }
        if (urng.next() < 0.05)
          push({
            ...deckFields,
            type: "copy",
            created_at_client: t + 300,
            candidate_id: chosen.id,
            payload: { chars: 40 },
          });
        const typing = 4_000 + urng.int(40_000);
        t += typing;
        push({
          ...deckFields,
          type: "reply",
          created_at_client: t,
          candidate_id: chosen.id,
          candidate_ids: ids,
          positions,
          payload: { chosen_candidate_id: chosen.id, chars: 60, words: 12, latency_ms: typing },
        });
        const userMessage = `${chat}-u${turn}`;
        texts.push({ id: userMessage, chatId: chat, parentId: chosen.id, role: "user", text: text(urng, 12) });
        parent = userMessage;
        t += 2_000 + urng.int(6_000);
      }
      push({
        type: "session_end",
        created_at_client: t,
        payload: { duration_ms: t - sessionStart, active_ms: t - sessionStart },
      });
      // The client sends every few events, on its own (offset) clock.
      for (let i = 0; i < batch.length; i += 8) send(actor, batch.slice(i, i + 8), clockOffset, 30 + urng.int(300));
      t += 3_600_000 + urng.int(3 * 86_400_000);
    }
  }
  simulateBots(rng, o, start, send);
  simulateBursts(rng, o, start, send);
  return { batches, texts, truth };
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/** Scripted clients: machine-regular or machine-fast, choosing blindly, some rating everything. */
function simulateBots(
  rng: Rng,
  o: SimulationOptions,
  start: number,
  send: (actor: Actor, events: Array<Record<string, unknown>>, clockOffset: number, transit: number) => void,
): void {
  for (let b = 0; b < o.bots; b++) {
    const brng = rng.fork(`bot-${b}`);
    const user = `acct-${9000 + b}`;
    const regular = b % 2 === 0;
    let t = start + brng.int(20 * 86_400_000);
    const n = 150 + brng.int(400);
    const out: Array<Record<string, unknown>> = [];
    const emit = (_actor: Actor, event: Record<string, unknown>) => out.push(event);
    for (let i = 0; i < n; i++) {
      const message = `${user}-m${Math.floor(i / 4)}`;
      const candidate = `${message}-c${i % 3}`;
      const kind = i % 4;
      const common = {
        user,
        chat_id: `${user}-chat`,
        message_id: message,
        created_at_client: t,
        sent_at_client: t + 50,
      };
      if (kind === 0)
        emit("bot", {
          ...common,
          type: "exposure",
          candidate_id: candidate,
          payload: { visible_ms: 1500, max_visible_fraction: 1, words: 60 },
        });
      else if (kind === 1)
        emit("bot", {
          ...common,
          type: "swipe",
          candidate_id: candidate,
          payload: { to_position: 1, from_position: 0, to_candidate_id: candidate, from_candidate_id: `${message}-c0` },
        });
      else if (kind === 2)
        emit("bot", { ...common, type: "rate", candidate_id: candidate, payload: { scale: "thumbs", value: 1 } });
      else
        emit("bot", {
          ...common,
          type: "reply",
          candidate_id: candidate,
          candidate_ids: [`${message}-c0`, `${message}-c1`],
          positions: [0, 1],
          payload: { chosen_candidate_id: `${message}-c0` },
        });
      // Regular bots tick like a metronome; fast ones click faster than anyone reads.
      t += regular ? 4000 + brng.int(40) : 200 + brng.int(600);
    }
    for (let i = 0; i < out.length; i += 20) send("bot", out.slice(i, i + 20), 0, 20);
  }
}

/** A human's client that once replays a burst of copies under fresh ids (a retry bug or a script). */
function simulateBursts(
  rng: Rng,
  o: SimulationOptions,
  start: number,
  send: (actor: Actor, events: Array<Record<string, unknown>>, clockOffset: number, transit: number) => void,
): void {
  for (let b = 0; b < o.bursters; b++) {
    const brng = rng.fork(`burst-${b}`);
    const user = `user-${b}`;
    let t = start + 25 * 86_400_000 + brng.int(86_400_000);
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 120 + brng.int(200); i++) {
      out.push({
        user,
        type: "copy",
        chat_id: `${user}-burst`,
        candidate_id: `${user}-burst-c${i}`,
        created_at_client: t,
        payload: { chars: 10 },
      });
      t += 50 + brng.int(400);
    }
    for (let i = 0; i < out.length; i += 50) send("burst", out.slice(i, i + 50), 0, 20);
  }
}
