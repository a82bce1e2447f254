import { RE2JS } from "re2js";

const ACTION_VERBS =
  "say|says|said|reply|replies|replied|answer|answers|answered|ask|asks|asked|nod|nods|nodded|smile|smiles|smiled|laugh|laughs|laughed|sigh|sighs|sighed|decide|decides|decided|agree|agrees|agreed|feel|feels|felt|think|thinks|thought|walk|walks|walked|take|takes|took|grab|grabs|grabbed|reach|reaches|reached|look|looks|looked|turn|turns|turned|follow|follows|followed|kiss|kisses|kissed|hug|hugs|hugged|shout|shouts|shouted|whisper|whispers|whispered";

// Han, kana and Hangul syllables: scripts where a name may sit between other letters with no space before it.
const UNSPACED_START = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/**
 * A user name as a literal RE2 pattern, with a left word boundary when the name starts with a letter of a spaced
 * script. RE2's own `\b` knows ASCII only, so the boundary is "start of text or a character that is no letter,
 * digit or underscore".
 */
function namePattern(name: string): string {
  const literal = RE2JS.quote(name);
  const needsBoundary = /^[\p{L}\p{N}_]/u.test(name) && !UNSPACED_START.test(name);
  return needsBoundary ? `(?:^|[^\\pL\\pN_])(${literal})` : `(${literal})`;
}

// Compiled patterns by name: a world checks every generated turn against the same few names.
const compiled = new Map<string, RE2JS>();

/** An RE2 pattern, compiled once per source and flags (the oldest dropped past 256). */
function cachedPattern(source: string, flags: number): RE2JS {
  const key = `${flags}:${source}`;
  let re = compiled.get(key);
  if (!re) {
    re = RE2JS.compile(source, flags);
    compiled.set(key, re);
    if (compiled.size > 256) compiled.delete(compiled.keys().next().value as string);
  }
  return re;
}

/**
 * The patterns that find lines speaking or acting for the user. They are RE2 (linear time), and the name enters
 * them only quoted: a user name is data, never syntax, so no name can make them throw or backtrack.
 */
export function userAgencyPatterns(userName: string): RE2JS[] {
  const flags = RE2JS.CASE_INSENSITIVE | RE2JS.MULTILINE;
  return [
    cachedPattern(`^(\\s*\\**${RE2JS.quote(userName)}\\**\\s*[:：])`, flags),
    cachedPattern(`${namePattern(userName)}\\s+(?:${ACTION_VERBS})\\b`, flags),
    cachedPattern(`(?:^|[.!?"*]\\s*)(you\\s+(?:${ACTION_VERBS}))\\b`, flags),
  ];
}

/** The text from the first capture group to the end of the whole match, trimmed. */
function matchedText(re: RE2JS, text: string): string | undefined {
  const m = re.matcher(text);
  if (!m.find()) return undefined;
  return text.slice(m.start(1), m.end()).trim();
}

/**
 * Lines in generated text that speak or act for the user: "Alex: …", "Alex nods", "you say", "You decide".
 * Deterministic and conservative; an optional LLM check can catch subtler cases.
 */
export function userAgencyBreaches(text: string, userName: string): string[] {
  const out: string[] = [];
  if (userName.trim() === "") return out;
  for (const re of userAgencyPatterns(userName)) {
    const m = matchedText(re, text);
    if (m !== undefined) out.push(m);
  }
  return out;
}

/** Lines in generated text attributed to someone other than the speaker ("Joel: …" inside Mara's reply). */
export function foreignSpeakerLines(text: string, speaker: string, names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    if (name === speaker || name.trim() === "") continue;
    const re = cachedPattern(`(?:^|[.!?"”)\\]]\\s+)(\\**${RE2JS.quote(name)}\\**\\s*[:：])`, RE2JS.MULTILINE);
    const m = matchedText(re, text);
    if (m !== undefined) out.push(m);
  }
  return out;
}
