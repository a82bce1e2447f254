import { UsageError } from "../core/index.ts";
import type { Lang } from "./scenario.ts";

/** A way of being a user that lasts the whole session. */
export interface Persona {
  id: PersonaId;
  /** One line for `--help` and reports. */
  description: string;
  /** Added to the simulator's instructions, per language. */
  instructions: Record<Lang, string>;
  /**
   * Share of this persona's turns replaced by a scripted reply without calling the model (a terse user mostly says
   * "ok"); chosen per turn from the session seed.
   */
  scriptedShare?: number;
  scripted?: Record<Lang, readonly string[]>;
  /** A deterministic edit applied to the model's text (typos, messy formatting). */
  transform?: "typos" | "messy-format";
  /** Style events this persona schedules on some turns (language switches, topic drift). */
  schedules?: "lang-switch" | "topic-drift";
}

export const PERSONA_IDS = [
  "plain",
  "terse",
  "verbose",
  "typos",
  "messy-format",
  "lang-switch",
  "topic-drift",
  "actions",
] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];

/** The persona library. Instructions are written per language, not translated on the fly. */
export const PERSONAS: Readonly<Record<PersonaId, Persona>> = {
  plain: {
    id: "plain",
    description: "an engaged, natural user writing one to three sentences",
    instructions: {
      en: "Write like an engaged, ordinary user: usually one to three sentences.",
      zh: "像一个投入而普通的用户那样说话：通常一到三句话。",
    },
  },
  terse: {
    id: "terse",
    description: 'a terse user: "ok", "hmm", a few words at most',
    instructions: {
      en: 'You are a terse user. Reply in at most five words, often just "ok", "hmm" or a short question.',
      zh: "你是一个话很少的用户。每次最多十个字，常常只回“嗯”“好”或一个很短的问题。",
    },
    scriptedShare: 0.5,
    scripted: {
      en: ["ok", "hmm", "sure", "lol", "and?", "go on", "k", "yeah", "oh", "ok..."],
      zh: ["嗯", "好", "哦", "然后呢", "行吧", "嗯嗯", "哈哈", "是吗", "好吧", "嗯……"],
    },
  },
  verbose: {
    id: "verbose",
    description: "a verbose user: long messages with feelings, details and several questions",
    instructions: {
      en: "You are a verbose user. Write long messages of four to eight sentences: describe what you do, what you feel and what you notice, and ask more than one question.",
      zh: "你是一个话很多的用户。每条消息写四到八句话：描述你的动作、感受和看到的细节，并且问不止一个问题。",
    },
  },
  typos: {
    id: "typos",
    description: "a careless typist: typos, lowercase, missing punctuation",
    instructions: {
      en: "Write casually and quickly, like someone typing on a phone: mostly lowercase, little punctuation.",
      zh: "打字随意、很快，像在手机上打字：标点很少，偶尔口语化。",
    },
    transform: "typos",
  },
  "messy-format": {
    id: "messy-format",
    description: "non-standard formatting: caps, repeated punctuation, stray line breaks, emoji",
    instructions: {
      en: "Write informally, the way people chat online.",
      zh: "像网上聊天那样随意地写。",
    },
    transform: "messy-format",
  },
  "lang-switch": {
    id: "lang-switch",
    description: "switches language mid-chat for a stretch of turns, then back",
    instructions: {
      en: "You are bilingual in English and Chinese.",
      zh: "你会说中文和英文两种语言。",
    },
    schedules: "lang-switch",
  },
  "topic-drift": {
    id: "topic-drift",
    description: "drifts off topic every few turns",
    instructions: {
      en: "You get distracted easily and sometimes bring up unrelated things from your own life.",
      zh: "你很容易分心，有时会突然说起自己生活里不相干的事。",
    },
    schedules: "topic-drift",
  },
  actions: {
    id: "actions",
    description: "writes actions in asterisks, *like this*, beside speech",
    instructions: {
      en: "Describe your own actions between asterisks, *like this*, along with what you say.",
      zh: "用星号描写你自己的动作，*像这样*，同时写你说的话。",
    },
  },
};

/** Parse `--personas plain,terse` (or "all"); unknown names are a usage error listing the library. */
export function parsePersonas(value: string | undefined): PersonaId[] {
  if (value === undefined || value.trim() === "") return ["plain"];
  if (value.trim() === "all") return [...PERSONA_IDS];
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !(PERSONA_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new UsageError("bench.unknown_persona", `Unknown persona ${unknown.map((u) => `"${u}"`).join(", ")}.`, {
      hint: `Choose from: ${PERSONA_IDS.join(", ")} (or "all").`,
    });
  }
  return [...new Set(ids)] as PersonaId[];
}
