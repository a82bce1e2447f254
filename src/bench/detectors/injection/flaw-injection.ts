import { createRng, type Rng } from "../../../core/index.ts";
import type { QuotableTurn } from "../../judge/quote-check.ts";
import type { Subtype } from "../../taxonomy.ts";
import { RULE_DETECTABLE_SUBTYPES } from "../run-detectors.ts";
import { cleanSession, createCleanWriter, type SyntheticSession, writeSession } from "./clean-transcript.ts";

/** A flaw put into a transcript on purpose: its subtype and the NPC round where a detector or judge should find it. */
export interface InjectedFlaw {
  subtype: Subtype;
  round: number;
  /** Which variant of the flaw was used (for reading failures). */
  variant: string;
}

/** A synthetic session with known flaws. */
export interface InjectedSession extends SyntheticSession {
  id: string;
  flaws: InjectedFlaw[];
}

/** The subtypes this module can inject: every rule-detectable one, so each has its precision and recall measured. */
export const INJECTABLE_SUBTYPES = RULE_DETECTABLE_SUBTYPES;
export type InjectableSubtype = (typeof INJECTABLE_SUBTYPES)[number];

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)] as T;
}

function fill(template: string, s: SyntheticSession): string {
  return template.replaceAll("{user}", () => s.userName).replaceAll("{npc}", () => s.aiName);
}

/** Put text inside a reply: before its last sentence-ending quote, or at the end. */
export function insertIntoSpeech(text: string, addition: string, zh: boolean): string {
  const close = zh ? text.lastIndexOf("”") : text.lastIndexOf('"');
  if (close > 0) return `${text.slice(0, close)}${zh ? "" : " "}${addition}${text.slice(close)}`;
  return `${text}${zh ? "" : " "}${addition}`;
}

type Injector = (s: SyntheticSession, turn: QuotableTurn, rng: Rng, zh: boolean) => { text: string; variant: string };

// Each injector has several variants written independently of the detectors' patterns, so recall is not measured on
// the detector's own phrasings.
const INJECTORS: Record<Exclude<InjectableSubtype, "loop" | "single_pattern_phrasing" | "length_drift">, Injector> = {
  garbled_text(_s, turn, rng, zh) {
    const variant = pick(rng, ["replacement", "mojibake", "control", "symbols", "letters"]);
    const junk = {
      replacement: "\uFFFD\uFFFD\uFFFD",
      mojibake: "Ã©tait dÃ©jÃ  lÃ",
      control: "\u0007\u001b[0m",
      symbols: "#@$%&^|~<>",
      letters: "xqzvbnmkrtplkjhgfdsqwrtzxcv",
    }[variant] as string;
    // Inside the speech, after a sentence: corruption mid-reply, not at its end (that would also be a truncation).
    const stops = [...turn.text.matchAll(zh ? /。/g : /\. /g)].map((m) => m.index + 1);
    const at = stops.length > 0 ? pick(rng, stops) : Math.floor(turn.text.length / 2);
    return { text: `${turn.text.slice(0, at)}${zh ? "" : " "}${junk} ${turn.text.slice(at).trimStart()}`, variant };
  },
  mixed_language(_s, turn, rng, zh) {
    const en = ["我真的不知道该怎么办。", "这件事以后再说吧。", "你先别着急，听我说。", "天快黑了，我们回去吧。"];
    const zhInserts = [
      "Honestly I have no idea what to do now.",
      "Let us talk about this later tonight.",
      "Wait here and do not move until I return.",
      "The weather is getting worse every hour.",
    ];
    const phrase = zh ? pick(rng, zhInserts) : pick(rng, en);
    return { text: insertIntoSpeech(turn.text, phrase, zh), variant: zh ? "english-sentence" : "chinese-sentence" };
  },
  heavy_repetition(_s, turn, rng, zh) {
    const phrases = zh
      ? ["我不会离开你的。", "一切都会好起来的。", "我们得赶紧走了。"]
      : ["I will never leave you.", "Everything is going to be fine.", "We have to go right now."];
    const phrase = pick(rng, phrases);
    const times = 3 + rng.int(3);
    return {
      text: insertIntoSpeech(
        turn.text,
        Array(times)
          .fill(phrase)
          .join(zh ? "" : " "),
        zh,
      ),
      variant: `x${times}`,
    };
  },
  formatting_glitch(_s, turn, rng) {
    const variant = pick(rng, ["im_end", "eos", "inst", "placeholder", "asterisk"]);
    const text = {
      im_end: `${turn.text}<|im_end|>`,
      eos: `${turn.text} </s>`,
      inst: `[INST] ${turn.text}`,
      placeholder: turn.text.replace(/\.\*|）/, (m) => `${m} {{user}}`),
      asterisk: `${turn.text} *`,
    }[variant] as string;
    return { text, variant };
  },
  truncation(_s, turn, rng, zh) {
    // Make the reply long, then cut it inside a word of its speech (never inside a stage direction).
    const speech = zh
      ? "我跟你说，那天晚上我们沿着河岸一直走到了旧磨坊，磨坊的门半开着，里面堆满了发霉的麻袋和"
      : `"Let me tell you about that night. We walked along the river until we reached the old mill, and the door was half open, and inside there were sacks piled up to the rafters, and behind them someth`;
    const cut = zh ? speech.slice(0, speech.length - rng.int(6)) : speech.slice(0, speech.length - rng.int(4));
    return { text: `${turn.text}${zh ? "" : " "}${cut.replace(/[\s,，、]+$/, "")}`, variant: zh ? "zh-cut" : "en-cut" };
  },
  ai_self_disclosure(_s, turn, rng, zh) {
    const phrases = zh
      ? [
          "其实我只是一个AI，没有真正的感情。",
          "作为一个语言模型，我无法真正理解你的感受。",
          "我是AI助手，不能陪你去那里。",
        ]
      : [
          "As an AI language model, I don't actually have feelings.",
          "I'm just an AI, so I can't really go anywhere with you.",
          "Remember that I am a language model trained to chat.",
        ];
    return { text: insertIntoSpeech(turn.text, pick(rng, phrases), zh), variant: "disclosure" };
  },
  speaks_for_user(s, turn, rng, zh) {
    const variants = zh
      ? [
          "（{user}点了点头，握住了她的手。）",
          "（你微微一笑，心跳加速。）",
          "\n{user}：好，我们走吧。",
          "（{user}犹豫了一下，接过了钥匙。）",
        ]
      : [
          "*{user} nods slowly and takes her hand.*",
          "*You smile, feeling your cheeks flush.*",
          "\n{user}: Fine, let's go right now.",
          "*{user} hesitates, then accepts the key.*",
          "*You reach for the lantern before she can stop you.*",
        ];
    const i = rng.int(variants.length);
    return { text: `${turn.text}${zh ? "" : " "}${fill(variants[i]!, s)}`, variant: `v${i}` };
  },
  silence_no_hook(_s, _turn, rng, zh) {
    const variants = zh
      ? ["……", "嗯。", "（点头）", "", "好吧，晚安。"]
      : ["...", "Hm.", "*nods*", "", "Fine. Good night."];
    const i = rng.int(variants.length);
    return { text: variants[i]!, variant: `v${i}` };
  },
  over_refusal(_s, turn, rng, zh) {
    const phrases = zh
      ? ["很抱歉，我无法继续这个角色扮演。", "抱歉，我不能提供这类内容。", "这个请求不符合我的使用政策。"]
      : [
          "I'm sorry, but I can't continue with this role-play.",
          "I'm not comfortable continuing this scene.",
          "I can't help with that request.",
        ];
    const replace = rng.next() < 0.5;
    const phrase = pick(rng, phrases);
    return {
      text: replace ? phrase : insertIntoSpeech(turn.text, phrase, zh),
      variant: replace ? "replace" : "insert",
    };
  },
};

function npcRounds(s: SyntheticSession): number[] {
  return s.turns.filter((t) => t.role === "ai" && t.round >= 2).map((t) => t.round);
}

function setText(s: SyntheticSession, round: number, text: string): void {
  const turn = s.turns.find((t) => t.round === round)!;
  turn.text = text;
}

/**
 * One injected session: a clean synthetic session with `count` flaws of one subtype at random NPC rounds (at least
 * 8 rounds apart, after round 12 so length baselines exist). Loops copy an earlier reply; single-pattern phrasing
 * plants one phrase in four replies (the flaw is at the fourth); length drift makes every reply from its round on
 * four times longer. Deterministic for a seed.
 */
export function injectSession(seed: string, lang: "en" | "zh", subtype: InjectableSubtype, count = 2): InjectedSession {
  const rng = createRng(seed);
  const writer = createCleanWriter(rng.fork("clean"), lang);
  const s = writeSession(writer);
  const zh = lang === "zh";
  const flaws: InjectedFlaw[] = [];
  const rounds = npcRounds(s);
  // Drift needs three long replies after its start to be drift at all.
  const candidates = rounds.filter((r) => (subtype === "length_drift" ? r >= 40 && r <= 80 : r >= 14));
  const chosen: number[] = [];
  const wanted = subtype === "length_drift" || subtype === "single_pattern_phrasing" ? 1 : count;
  for (let guard = 0; chosen.length < wanted && guard < 500; guard++) {
    const r = pick(rng, candidates);
    if (chosen.every((c) => Math.abs(c - r) >= 8)) chosen.push(r);
  }
  chosen.sort((a, b) => a - b);
  const copied = new Set<number>();
  const injectedTexts = new Set<string>();
  for (const round of chosen) {
    const turn = s.turns.find((t) => t.round === round)!;
    if (subtype === "loop") {
      const earlier = rounds.filter((r) => r < round - 4 && !copied.has(r) && !chosen.includes(r));
      const from = pick(rng, earlier);
      copied.add(from);
      const source = s.turns.find((t) => t.round === from)!;
      setText(s, round, source.text);
      flaws.push({ subtype, round, variant: `copy-of-${source.round}` });
    } else if (subtype === "single_pattern_phrasing") {
      const phrase = zh
        ? pick(rng, ["她的眼神温柔得像春天的湖水一样", "空气里弥漫着一种说不清道不明的气息"])
        : pick(rng, [
            "her eyes sparkling with a mischievous glint as she speaks",
            "a warm smile spreading slowly across her gentle face",
          ]);
      const before = rounds.filter((r) => r < round).slice(-12);
      const uses = [
        ...before
          .sort(() => rng.next() - 0.5)
          .slice(0, 3)
          .sort((a, b) => a - b),
        round,
      ];
      for (const r of uses) {
        const t = s.turns.find((x) => x.round === r)!;
        setText(
          s,
          r,
          insertIntoSpeech(t.text, zh ? `${phrase}。` : `${phrase[0]!.toUpperCase()}${phrase.slice(1)}.`, zh),
        );
      }
      flaws.push({ subtype, round, variant: "planted-phrase" });
    } else if (subtype === "length_drift") {
      for (const r of rounds.filter((x) => x >= round)) {
        const t = s.turns.find((x) => x.round === r)!;
        setText(s, r, writer.extend(t.text, 3));
      }
      flaws.push({ subtype, round, variant: "x4" });
    } else {
      // Two identical injections would also be a loop: draw until this one differs from the others.
      let out = INJECTORS[subtype](s, turn, rng, zh);
      for (let i = 0; i < 20 && injectedTexts.has(out.text); i++) out = INJECTORS[subtype](s, turn, rng, zh);
      injectedTexts.add(out.text);
      const { text, variant } = out;
      setText(s, round, text);
      flaws.push({ subtype, round, variant });
    }
  }
  return { ...s, id: seed, flaws };
}

/**
 * The flaw-injection set: for each language and injectable subtype, `perSubtype` sessions with known flaws, plus
 * `clean` untouched sessions per language. Deterministic for a seed.
 */
export function flawInjectionSet(
  options: {
    seed?: string;
    perSubtype?: number;
    clean?: number;
    langs?: readonly ("en" | "zh")[];
    subtypes?: readonly InjectableSubtype[];
  } = {},
): InjectedSession[] {
  const seed = options.seed ?? "flaw-injection-v1";
  const out: InjectedSession[] = [];
  for (const lang of options.langs ?? ["en", "zh"]) {
    for (const subtype of options.subtypes ?? INJECTABLE_SUBTYPES)
      for (let i = 0; i < (options.perSubtype ?? 10); i++)
        out.push(injectSession(`${seed}/${lang}/${subtype}/${i}`, lang, subtype));
    for (let i = 0; i < (options.clean ?? 10); i++) {
      const s = cleanSession(createRng(`${seed}/${lang}/clean/${i}`), lang);
      out.push({ ...s, id: `${seed}/${lang}/clean/${i}`, flaws: [] });
    }
  }
  return out;
}
