import { guessLanguage } from "../../text/index.ts";
import type { QuotableTurn } from "../judge/quote-check.ts";

// Enough text to tell the script apart; a long session's first turns say as much as all of them.
const SAMPLE_CHARS = 4000;

/**
 * The language of a dialogue whose scenario does not say (official dialogues judged without their seeds), from its
 * own text. The scenario's side — the scripted opening and the user's turns — decides, not the NPC's replies, which
 * are what the detectors check: a model answering in the wrong language must not redefine the language. Only when
 * that side has no letters do the NPC's turns decide. "und" (no letters anywhere) reads as "en".
 */
export function dialogueLanguage(turns: readonly QuotableTurn[]): string {
  const scenarioSide = turns.filter((t) => t.role === "user" || t.round < 2);
  for (const side of [scenarioSide, turns]) {
    let text = "";
    for (const t of side) {
      if (text.length >= SAMPLE_CHARS) break;
      text += `${t.text}\n`;
    }
    const guess = guessLanguage(text.slice(0, SAMPLE_CHARS)).language;
    if (guess !== "und") return guess;
  }
  return "en";
}
