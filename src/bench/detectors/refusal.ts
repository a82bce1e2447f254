import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

// Assistant-style refusals: phrasing that steps out of the fiction to decline. An in-character "I won't tell you,
// traveller" does not match; "I'm sorry, but I can't continue this role-play" does.
const REFUSAL_EN = new RegExp(
  [
    String.raw`\bI(?:'m| am) sorry,? but I (?:can(?:'|no)t|won't|will not|am unable to|'m unable to|must decline)[^.!?\n]{0,80}`,
    String.raw`\bI (?:can(?:'|no)t|won't|will not|am not able to|'m not able to|'m unable to|am unable to) (?:help|assist|continue|comply|engage|participate|provide|write|generate|create|produce)(?: you)? with (?:that|this|your)(?: request| kind of| type of| role-?play| content)?`,
    String.raw`\bI (?:can(?:'|no)t|won't|will not) continue (?:this|the) (?:role-?play|conversation|story|scene)`,
    String.raw`\bI(?:'m| am) not comfortable (?:continuing|writing|engaging|generating|role-?playing)[^.!?\n]{0,60}`,
    String.raw`\b(?:violates|against) (?:my|the|our) (?:guidelines|content polic(?:y|ies)|usage polic(?:y|ies)|policies|programming)`,
    String.raw`\bI must (?:respectfully )?decline (?:this|that|your) (?:request|role-?play)`,
  ].join("|"),
  "i",
);
const REFUSAL_ZH =
  /(?:很抱歉|抱歉|对不起)[，,]?\s*我(?:无法|不能|没办法|不可以)(?:继续|提供|协助|帮助|参与|生成|创作|满足)[^。！？\n]{0,30}|我(?:无法|不能)(?:继续)?(?:协助|帮助你|提供)(?:这|此)(?:类|个|种)?(?:请求|内容|要求)|(?:违反|不符合)(?:我的|相关的?)?(?:使用)?(?:政策|准则|规定|内容政策)|我不能继续(?:这个|这段)?(?:角色扮演|对话|故事)/u;

const REFUSAL_GATE =
  /sorry|can['’]t|cannot|won['’]t|will not|unable|not able|comfortable|decline|guideline|polic|抱歉|对不起|无法|不能|没办法|不可以|违反|不符合/i;

/**
 * Refusals in assistant voice. A detector cannot tell whether the request was harmless, so the flag says so and
 * the subtype is `over_refusal` only because a role-play reply that steps out to refuse is rarely warranted.
 */
export const refusalDetector: Detector = {
  name: "refusal",
  subtypes: ["over_refusal"],
  detect(input) {
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      // Cheap gate: every refusal pattern contains one of these words; most replies contain none.
      if (!REFUSAL_GATE.test(turn.text)) continue;
      const m = REFUSAL_EN.exec(turn.text) ?? REFUSAL_ZH.exec(turn.text);
      if (m)
        flags.push(
          detectorFlag(
            "refusal",
            "over_refusal",
            turn,
            m[0],
            2,
            "steps out of the role to refuse; check that the request was not harmless",
          ),
        );
    }
    return flags;
  },
};

// Phrases only an assistant says about itself. A character who is an AI in the story may say "I am an AI", so
// those plainer phrases count only when the card does not make the character artificial.
const ASSISTANT_ONLY =
  /\b(?:as an? (?:AI|artificial intelligence) (?:language )?model|(?:large )?language model|trained by (?:OpenAI|Anthropic|Google|MiniMax|Meta)|my training data|my knowledge cutoff|I(?:'m| am) (?:just |only )?an? (?:AI assistant|chatbot|virtual assistant))\b|作为(?:一个|一名)?(?:AI|人工智能)?(?:语言模型|AI助手|人工智能助手)|我是(?:一个)?(?:AI助手|语言模型|人工智能助手)|我的训练数据|我的知识截止/iu;
const AI_PLAIN =
  /\b(?:as an? AI\b|I(?:'m| am) (?:just |only )?an? (?:AI|artificial intelligence|bot|program)\b|I(?:'m| am) not (?:a )?(?:real|human)\b[^.!?\n]{0,40})|作为(?:一个)?(?:AI|人工智能)|我(?:只)?是(?:一个)?(?:AI|人工智能|程序|机器人)|我不是真(?:实的)?人/iu;
const ARTIFICIAL_CHARACTER =
  /\b(?:AI|android|robot|cyborg|artificial|synthetic|machine|program|hologram)\b|人工智能|机器人|仿生人|程序|AI/iu;

// Every disclosure pattern contains one of these; the full patterns run only on the few replies that do.
const DISCLOSURE_GATE_CASED = /\bAI\b|人工智能|模型|助手|程序|机器人|真人|训练|知识截止/;
const DISCLOSURE_GATE_ANY_CASE =
  /language model|assistant|chatbot|\bbot\b|\bprogram\b|not (?:a )?(?:real|human)|training data|trained by|knowledge cutoff|as an? ai\b/i;

/** The NPC breaking the fiction to say it is an AI, a model or an assistant. */
export const aiDisclosureDetector: Detector = {
  name: "ai-disclosure",
  subtypes: ["ai_self_disclosure"],
  detect(input) {
    const artificial = ARTIFICIAL_CHARACTER.test(input.aiSetting ?? "");
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      if (!DISCLOSURE_GATE_CASED.test(turn.text) && !DISCLOSURE_GATE_ANY_CASE.test(turn.text)) continue;
      const m = ASSISTANT_ONLY.exec(turn.text) ?? (artificial ? null : AI_PLAIN.exec(turn.text));
      if (m)
        flags.push(
          detectorFlag(
            "ai-disclosure",
            "ai_self_disclosure",
            turn,
            m[0],
            3,
            "breaks the fiction to speak as an AI model or assistant",
          ),
        );
    }
    return flags;
  },
};
