// A generated line often starts with its speaker's name ("Mara: …"); the line stored is the text without it. A
// stream has to make the same decision from a prefix, so what it shows equals what is committed.

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const labelPattern = (speaker: string) => new RegExp(`^\\**${escapeRegExp(speaker)}\\**\\s*:\\s*`, "i");

/** A finished line without its leading "Speaker:" label and surrounding whitespace. */
export function stripSpeaker(text: string, speaker: string): string {
  return text.trim().replace(labelPattern(speaker), "").trim();
}

/**
 * Whether a stream's text so far could still turn out to begin with the speaker's label ("**Ma", "Mara ", "Mara:"
 * with nothing after it): while it could, nothing of it may be shown.
 */
function labelUndecided(raw: string, speaker: string): boolean {
  let s = raw.trimStart().toLowerCase();
  const name = speaker.toLowerCase();
  s = s.replace(/^\*+/, "");
  if (s.length < name.length) return name.startsWith(s);
  if (!s.startsWith(name)) return false;
  const rest = s.slice(name.length).replace(/^\*+/, "").trimStart();
  if (rest === "") return true;
  if (!rest.startsWith(":")) return false;
  return rest.slice(1).trim() === "";
}

/**
 * The part of a streamed line that can be shown now: the label stripped once it is certain, leading whitespace
 * dropped, trailing whitespace held back (the stored line is trimmed). Always a prefix of `stripSpeaker` of any
 * continuation of `raw`, so the deltas a caller sends add up to the committed line.
 */
export function visibleLine(raw: string, speaker: string): string {
  if (labelUndecided(raw, speaker)) return "";
  return raw.trimStart().replace(labelPattern(speaker), "").trim();
}
