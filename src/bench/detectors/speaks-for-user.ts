import type { Flag } from "../judge/flag.ts";
import { type Detector, type DetectorInput, detectorFlag, escapeRegExp } from "./detector.ts";
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
  "(?:一笑|笑了笑|犹豫|迟疑|点了点头|点点头|点头|笑了|笑着说|微笑|说道|说：|说:|回答|答道|低声说|握住|伸手|伸出手|叹了口气|叹气|脸红|红了脸|低下头|走向|走到|转身|感到|觉得|心想|想到|决定|同意|答应|接过|拿起|抱住|拥抱|亲吻|吻了|坐下|站起|跟着|看向|望向|愣住|皱眉|眨了眨眼|咽了咽口水|心跳加速|心头一暖|害羞|紧张地)";
const ZH_LEAD = "(?:^|[*（(\\[，。！？；：、…—\\s]|然后|于是|便|并且)";

const EN_THIRD_SET = new Set(EN_THIRD.split("|"));
const EN_SECOND_SET = new Set(EN_SECOND.split("|"));
// "you" (or the user's name) as the subject: at the start of the narration, after punctuation, or after a
// conjunction — then an optional adverb, then the verb, which is looked up in a set (one small regex instead of
// a 150-way alternation).
const EN_YOU = new RegExp(`${EN_SUBJECT_LEAD}(you\\s+${EN_ADVERB}([a-z]+))`, "giu");
const EN_BODY_RULE = new RegExp(`\\b(${EN_BODY})\\b`, "iu");
const ZH_RULE = new RegExp(`${ZH_LEAD}(你${ZH_ADVERB}${ZH_VERB})`, "u");

interface Rules {
  zh: boolean;
  nameLower: string;
  name: RegExp | undefined;
  zhName: RegExp | undefined;
}

const cache = new Map<string, Rules>();

/** The rules for one user name, compiled once and reused across sessions. */
function rulesFor(lang: string, userName: string): Rules {
  const zh = lang.startsWith("zh");
  const key = `${zh ? "zh" : "en"}\u0000${userName}`;
  let rules = cache.get(key);
  if (!rules) {
    const name = userName.trim();
    rules = {
      zh,
      nameLower: name.toLowerCase(),
      name:
        name && !zh
          ? new RegExp(`(?:^|[^\\p{L}])(${escapeRegExp(name)}(?:'s)?\\s+${EN_ADVERB}([a-z]+))`, "giu")
          : undefined,
      zhName: name && zh ? new RegExp(`${ZH_LEAD}(${escapeRegExp(name)}${ZH_ADVERB}${ZH_VERB})`, "u") : undefined,
    };
    if (cache.size > 1000) cache.clear();
    cache.set(key, rules);
  }
  return rules;
}

function firstVerbMatch(rule: RegExp, body: string, verbs: ReadonlySet<string>): string | undefined {
  rule.lastIndex = 0;
  for (let m = rule.exec(body); m; m = rule.exec(body)) if (verbs.has(m[2]!.toLowerCase())) return m[1];
  return undefined;
}

/** The first place a narration span makes the user the subject, or undefined. */
function matchNarration(body: string, rules: Rules): string | undefined {
  if (rules.zh) return ZH_RULE.exec(body)?.[1] ?? (rules.zhName ? rules.zhName.exec(body)?.[1] : undefined);
  const lower = body.toLowerCase();
  if (lower.includes("you")) {
    const hit =
      firstVerbMatch(EN_YOU, body, EN_SECOND_SET) ??
      (lower.includes("your") ? EN_BODY_RULE.exec(body)?.[1] : undefined);
    if (hit) return hit;
  }
  return rules.name && lower.includes(rules.nameLower) ? firstVerbMatch(rules.name, body, EN_THIRD_SET) : undefined;
}

const scriptCache = new Map<string, RegExp>();

/** A script-style line that gives the user a line of their own ("Sam: …", "User: …", "用户：…"). */
function scriptLine(input: DetectorInput): RegExp {
  const cached = scriptCache.get(input.userName);
  if (cached) return cached;
  const labels = ["User", "用户", "你", ...(input.userName.trim() ? [escapeRegExp(input.userName.trim())] : [])];
  if (scriptCache.size > 1000) scriptCache.clear();
  const rule = new RegExp(String.raw`(?:^|\n)\s*\**((?:${labels.join("|")})\**\s*[:：][^\n]{1,80})`, "u");
  scriptCache.set(input.userName, rule);
  return rule;
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
    const rules = rulesFor(input.lang, input.userName);
    const script = scriptLine(input);
    const flags: Flag[] = [];
    for (const turn of input.npc) {
      let hit: string | undefined = script.exec(turn.text)?.[1];
      for (const span of hit ? [] : narrationSpans(turn.text)) {
        hit = matchNarration(span.text.replace(/^[*（([]|[*）)\]]$/g, ""), rules);
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
