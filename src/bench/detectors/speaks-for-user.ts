import type { Flag } from "../judge/flag.ts";
import { type Detector, type DetectorInput, detectorFlag, escapeRegExp, scoredNpcTurns } from "./detector.ts";
import { narrationSpans } from "./narration.ts";

// Verbs of acting, speaking, perceiving and feeling: writing any of them with the user as subject takes the user's
// agency. Third-person and past forms for "Sam nods", base and past forms for "you nod".
const EN_BASE =
  "nod smile grin laugh chuckle giggle sigh blush say reply answer whisper shout murmur mutter ask agree decide feel think realize realise stare glance gaze walk step run take grab reach hold hug kiss lean sit stand turn follow accept shrug frown gasp wink pull push open close pick hand offer try want begin start find notice remember smirk blink swallow tremble hesitate relax cry scream yell wrap squeeze bite lick touch lift move place rest shiver".split(
    " ",
  );
const EN_IRREGULAR: Record<string, string[]> = {
  say: ["said"],
  feel: ["felt"],
  think: ["thought"],
  run: ["ran"],
  take: ["took"],
  hold: ["held"],
  sit: ["sat"],
  stand: ["stood"],
  begin: ["began"],
  find: ["found"],
  bite: ["bit"],
};

function thirdPerson(v: string): string {
  if (/(s|sh|ch|x|z)$/.test(v)) return `${v}es`;
  if (/[^aeiou]y$/.test(v)) return `${v.slice(0, -1)}ies`;
  return `${v}s`;
}
function past(v: string): string[] {
  if (EN_IRREGULAR[v]) return EN_IRREGULAR[v];
  if (v.endsWith("e")) return [`${v}d`];
  if (/[^aeiou]y$/.test(v)) return [`${v.slice(0, -1)}ied`];
  if (/^(nod|grin|step|grab|hug|shrug|wink|stop|rub|pat|tap|slip)$/.test(v)) return [`${v}${v.at(-1)}ed`];
  return [`${v}ed`];
}

const EN_THIRD = [...new Set(EN_BASE.flatMap((v) => [thirdPerson(v), ...past(v)]))].join("|");
const EN_SECOND = [...new Set(EN_BASE.flatMap((v) => [v, ...past(v)]))].join("|");
const EN_BODY =
  "your (?:heart|cheeks?|face|hands?|eyes|breath|pulse|knees|lips|voice|mind|body|stomach) (?:races?|raced|flush(?:es|ed)?|burns?|burned|trembles?|trembled|widens?|widened|skips?|skipped|pounds?|pounded|quickens?|quickened|betrays?|betrayed|goes|went|tightens?|tightened|softens?|softened|shakes?|shook)";
const EN_SUBJECT_LEAD = String.raw`(?:^|[*(\[.!?;:,\u2014\u2013-]\s*|\b(?:and|then|as|while|so)\s+)`;
const EN_ADVERB = String.raw`(?:[a-z]+ly\s+|can't help but\s+|cannot help but\s+|slowly\s+|finally\s+)?`;

const ZH_ADVERB =
  "(?:轻轻地?|缓缓地?|微微|慢慢地?|不由得|忍不住|默默地?|犹豫着|犹豫了一下|笑着|红着脸|下意识地?|终于|立刻|连忙)?";
const ZH_VERB =
  "(?:点了点头|点点头|点头|笑了|笑着说|微笑|说道|说：|说:|回答|答道|低声说|握住|伸手|伸出手|叹了口气|叹气|脸红|红了脸|低下头|走向|走到|转身|感到|觉得|心想|想到|决定|同意|答应|接过|拿起|抱住|拥抱|亲吻|吻了|坐下|站起|跟着|看向|望向|愣住|皱眉|眨了眨眼|咽了咽口水|心跳加速|心头一暖|害羞|紧张地)";
const ZH_LEAD = "(?:^|[*（(\\[，。！？；：、…—\\s]|然后|于是|便|并且)";

/** Compile the rules for one session (the user's name is part of them). */
function compile(input: DetectorInput): RegExp[] {
  const name = input.userName.trim();
  const rules: RegExp[] = [];
  if (input.lang.startsWith("zh")) {
    const subjects = name ? `(?:${escapeRegExp(name)}|你)` : "你";
    rules.push(new RegExp(`${ZH_LEAD}(${subjects}${ZH_ADVERB}${ZH_VERB})`, "u"));
  } else {
    rules.push(new RegExp(`${EN_SUBJECT_LEAD}(you\\s+${EN_ADVERB}(?:${EN_SECOND})\\b)`, "iu"));
    rules.push(new RegExp(`\\b(${EN_BODY})\\b`, "iu"));
    if (name)
      rules.push(new RegExp(`(?:^|[^\\p{L}])(${escapeRegExp(name)}(?:'s)?\\s+${EN_ADVERB}(?:${EN_THIRD})\\b)`, "u"));
  }
  return rules;
}

/** A script-style line that gives the user a line of their own ("Sam: …", "User: …", "用户：…"). */
function scriptLine(input: DetectorInput): RegExp {
  const labels = ["User", "用户", "你", ...(input.userName.trim() ? [escapeRegExp(input.userName.trim())] : [])];
  return new RegExp(`(?:^|\n)s***((?:${labels.join("|")})**s*[:：][^\n]{1,80})`, "u");
}

/**
 * Speaking or acting for the user: narration (never the NPC's own speech) that makes the user — by name or as
 * "you"/"你" — the subject of an action, a line of dialogue or a feeling, or a script line labelled with the user's
 * name. One flag per turn, quoting the match.
 */
export const speaksForUserDetector: Detector = {
  name: "speaks-for-user",
  subtypes: ["speaks_for_user"],
  detect(input) {
    const rules = compile(input);
    const script = scriptLine(input);
    const flags: Flag[] = [];
    for (const turn of scoredNpcTurns(input.turns)) {
      let hit: string | undefined = script.exec(turn.text)?.[1];
      for (const span of hit ? [] : narrationSpans(turn.text)) {
        const body = span.text.replace(/^[*（([]|[*）)\]]$/g, "");
        for (const rule of rules) {
          const m = rule.exec(body);
          if (m?.[1]) {
            hit = m[1];
            break;
          }
        }
        if (hit) break;
      }
      if (hit)
        flags.push(
          detectorFlag(
            "speaks-for-user",
            "speaks_for_user",
            turn,
            hit,
            2,
            "narration makes the user the subject of an action, line or feeling",
          ),
        );
    }
    return flags;
  },
};
