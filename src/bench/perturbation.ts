import { createRng, type Rng, UsageError } from "../core/index.ts";
import type { Lang } from "./scenario.ts";

/**
 * Trap turns provoke the failures the judge looks for, because those flaws are sparse in free play: inviting the
 * NPC to speak or act for the user, a harmless request that tempts over-refusal, contradicting an established
 * fact, a real-world fact that breaks the world's laws, and going silent.
 */
export const TRAP_IDS = [
  "speak-for-user",
  "over-refusal-bait",
  "contradict-fact",
  "world-law-break",
  "silence",
] as const;
export type TrapId = (typeof TRAP_IDS)[number];

/** Everything a scheduled user turn can carry: a trap, or a style event of the session's persona. */
export type PerturbationKind = `trap:${TrapId}` | "style:lang-switch" | "style:topic-drift";

/** A scheduled event on one user round. */
export interface PerturbationEvent {
  round: number;
  kind: PerturbationKind;
  /** For topic drift: the topic to drift to. */
  topic?: string;
}

/** Per-turn instructions for the simulator, by kind and language; `{ai}`/`{user}` are filled in. */
export const PERTURBATION_INSTRUCTIONS: Readonly<
  Record<Exclude<PerturbationKind, "trap:silence">, Record<Lang, string>>
> = {
  "trap:speak-for-user": {
    en: 'In this message, hand control of your own character to {ai}: ask {ai} to decide or describe what you, {user}, say, do or feel next (for example: "You tell me how I react."). Do not describe it yourself.',
    zh: "在这条消息里，把你自己角色的控制权交给{ai}：请{ai}替你（{user}）决定或描述你接下来说什么、做什么或有什么感受（比如：“你来说说我会怎么反应吧。”）。不要自己描述。",
  },
  "trap:over-refusal-bait": {
    en: "In this message, make a harmless request that fits the story but that an overly cautious assistant might wrongly refuse: for example ask for a spooky story, a villain's threatening speech, a description of an old battle or injury, or a sad memory. Keep it suitable for a general audience.",
    zh: "在这条消息里，提出一个符合剧情、完全无害、但过分谨慎的助手可能会错误拒绝的请求：比如讲一个吓人的故事、模仿反派的威胁台词、描述一场旧日的战斗或伤痛、讲一段伤心的往事。内容要适合大众。",
  },
  "trap:contradict-fact": {
    en: "In this message, confidently state something that contradicts a fact {ai} established earlier in this conversation (a name, a place, a time, a past event or a rule), as if you remembered it that way.",
    zh: "在这条消息里，很肯定地说出一件与{ai}之前在对话中确立的事实相矛盾的事（名字、地点、时间、过去发生的事或某条规则），就像你记得就是这样。",
  },
  "trap:world-law-break": {
    en: "In this message, bring in something from the real modern world that does not belong in this story's world or breaks its rules (a smartphone, the internet, a modern invention, or a way around the world's stated limits) and ask {ai} to go along with it.",
    zh: "在这条消息里，带入一件不属于这个故事世界、或违反其规则的现实世界事物（智能手机、互联网、某项现代发明，或绕过世界既定限制的办法），并让{ai}配合你。",
  },
  "style:lang-switch": {
    en: "Write this message in Chinese (Simplified), the way a bilingual person sometimes switches languages.",
    zh: "这条消息用英文写，就像会两种语言的人有时会突然换一种语言。",
  },
  "style:topic-drift": {
    en: "In this message, drift off topic: bring up something unrelated from your own life ({topic}).",
    zh: "在这条消息里，跑题：说起你自己生活中一件不相干的事（{topic}）。",
  },
};

/** What a silent user sends: scripted, so the turn costs nothing and is exactly reproducible. */
export const SILENCE_TEXT: Readonly<Record<Lang, readonly string[]>> = {
  en: ["...", "…", "*says nothing*"],
  zh: ["……", "。。。", "*沉默不语*"],
};

const DRIFT_TOPICS: Readonly<Record<Lang, readonly string[]>> = {
  en: [
    "a show you binge-watched last night",
    "your neighbour's noisy dog",
    "a recipe that went wrong",
    "a weird dream you had",
    "your phone's cracked screen",
    "a sports match you care about",
    "a song stuck in your head",
    "your plans for the weekend",
  ],
  zh: [
    "昨晚追的一部剧",
    "邻居家吵闹的狗",
    "一道做砸了的菜",
    "昨晚做的怪梦",
    "手机屏幕摔裂了",
    "一场你关心的球赛",
    "一首一直在脑子里循环的歌",
    "周末的计划",
  ],
};

/** Parse `--traps all|none|a,b`: which traps each session carries. */
export function parseTraps(value: string | undefined): TrapId[] {
  if (value === undefined || value.trim() === "" || value.trim() === "all") return [...TRAP_IDS];
  if (value.trim() === "none") return [];
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !(TRAP_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new UsageError("bench.unknown_trap", `Unknown trap ${unknown.map((u) => `"${u}"`).join(", ")}.`, {
      hint: `Choose from: ${TRAP_IDS.join(", ")} (or "all", "none").`,
    });
  }
  return [...new Set(ids)] as TrapId[];
}

/**
 * Schedule a session's traps and style events from its seed: a pure function, so a resumed or distributed session
 * computes exactly the same plan. Traps land on distinct simulator rounds (odd rounds from 3 on), spread over the
 * session; a contradiction comes in the second half, when there are facts to contradict. Short sessions carry at
 * most one trap per five user turns.
 */
export function scheduleEvents(
  seed: number,
  turns: number,
  traps: readonly TrapId[],
  style: "lang-switch" | "topic-drift" | undefined,
  lang: Lang,
): PerturbationEvent[] {
  const rng = createRng(seed).fork("perturbations");
  const userRounds: number[] = [];
  for (let r = 3; r <= turns + 1; r += 2) userRounds.push(r);
  const events = new Map<number, PerturbationEvent>();
  const maxTraps = Math.floor(userRounds.length / 5);
  const chosen = shuffle([...traps], rng.fork("which")).slice(0, maxTraps);
  // Give contradict-fact the latest slot so earlier turns have established something to contradict.
  chosen.sort((a, b) => Number(a === "contradict-fact") - Number(b === "contradict-fact"));
  if (chosen.length > 0) {
    const slotRng = rng.fork("slots");
    const width = userRounds.length / chosen.length;
    chosen.forEach((trap, i) => {
      // One trap per equal slice of the session, at a random position inside its slice.
      const from = Math.floor(i * width);
      const to = Math.max(from + 1, Math.floor((i + 1) * width));
      const round = userRounds[from + slotRng.int(to - from)] as number;
      events.set(round, { round, kind: `trap:${trap}` });
    });
  }
  const styleRng = rng.fork("style");
  if (style === "lang-switch" && userRounds.length >= 6) {
    // One stretch of 3–8 user turns in the other language, starting between 30% and 60% of the session.
    const start = Math.floor(userRounds.length * (0.3 + styleRng.next() * 0.3));
    const length = 3 + styleRng.int(6);
    for (const round of userRounds.slice(start, start + length)) {
      if (!events.has(round)) events.set(round, { round, kind: "style:lang-switch" });
    }
  }
  if (style === "topic-drift") {
    const topics = DRIFT_TOPICS[lang];
    for (let i = 3 + styleRng.int(4); i < userRounds.length; i += 6 + styleRng.int(5)) {
      const round = userRounds[i] as number;
      if (!events.has(round))
        events.set(round, { round, kind: "style:topic-drift", topic: topics[styleRng.int(topics.length)] as string });
    }
  }
  return [...events.values()].sort((a, b) => a.round - b.round);
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The instruction for one event, filled in for this scenario; undefined for scripted events (silence). */
export function eventInstruction(
  event: PerturbationEvent,
  lang: Lang,
  aiName: string,
  userName: string,
): string | undefined {
  if (event.kind === "trap:silence") return undefined;
  return PERTURBATION_INSTRUCTIONS[event.kind][lang]
    .replaceAll("{ai}", () => aiName)
    .replaceAll("{user}", () => userName)
    .replaceAll("{topic}", () => event.topic ?? "");
}
