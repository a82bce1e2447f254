import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanSession } from "../../src/bench/detectors/injection/clean-transcript.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import type { QuotableTurn } from "../../src/bench/judge/quote-check.ts";
import { resolveSuite } from "../../src/bench/suite.ts";
import { createRng } from "../../src/core/index.ts";

interface Fixture {
  source: string;
  sessions: Array<{ seed_id: string; turns: QuotableTurn[] }>;
}
/** Real replies of stories260K.gguf in two builtin-en scenarios (see the fixture's `source`). */
const TINY = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "tiny-model-dialogues.json"), "utf8"),
) as Fixture;

const garbled = (turns: readonly QuotableTurn[], over: { lang?: string; aiSetting?: string } = {}) =>
  runDetectors({ lang: "en", aiName: "Maren Holt", userName: "Robin", turns, ...over }).filter(
    (f) => f.subtype === "garbled_text",
  );

/** A session of the given NPC replies, with plain user turns between them. */
function session(replies: readonly string[]): QuotableTurn[] {
  const turns: QuotableTurn[] = [
    { role: "ai", round: 0, text: "*The door opens.* Come in out of the rain." },
    { role: "user", round: 1, text: "*look at you* Who are you?" },
  ];
  replies.forEach((text, i) => {
    turns.push({ role: "ai", round: 2 + 2 * i, text });
    turns.push({ role: "user", round: 3 + 2 * i, text: "Tell me more about that, please." });
  });
  return turns;
}

describe("garbled text: a tiny model's made-up words", () => {
  it("flags the real gibberish of stories260K, quoting a made-up word", async () => {
    const suite = await resolveSuite("builtin-en");
    let flagged = 0;
    let replies = 0;
    for (const s of TINY.sessions) {
      const scenario = suite.scenarios.find((x) => x.id === s.seed_id)!;
      const flags = runDetectors({
        lang: "en",
        aiName: scenario.aiName,
        userName: scenario.userName,
        aiSetting: scenario.aiSetting,
        turns: s.turns,
      }).filter((f) => f.subtype === "garbled_text");
      flagged += flags.length;
      replies += s.turns.filter((t) => t.role === "ai" && t.round >= 2).length;
      for (const f of flags) {
        expect(f.reason).toMatch(/^made-up words that are not English: "[a-z]+"/);
        const word = /"([a-z]+)"/.exec(f.reason)![1]!;
        expect(f.quote).toContain(word);
        expect(s.turns.find((t) => t.round === f.round)!.text).toContain(f.quote);
      }
    }
    // 12 replies; before the made-up-word rule the detector flagged none of them (and the run scored 100.0).
    expect(replies).toBe(12);
    expect(flagged).toBeGreaterThanOrEqual(10);
  });

  it("flags one reply full of made-up words on its own, but not one rare word", () => {
    const reply = "Hey fish, a peop replake a spen around and made a loud noise in the grashanks by the enganger.";
    expect(garbled(session(["The tide is low tonight. Shall we walk to the jetty?", reply]))).toEqual([
      expect.objectContaining({ round: 4, severity: 2, source: "detector" }),
    ]);
    expect(garbled(session(["She polishes the binnacle and hums an old shanty."]))).toEqual([]);
  });

  it("leaves clean prose alone: the suites' own text, cards' invented words, other languages", async () => {
    const suite = await resolveSuite("builtin-en");
    // The human-written settings and prologues of every builtin scenario, as one NPC's replies.
    const prose = suite.scenarios.flatMap((s) => [s.aiSetting, s.aiPrologue, s.userSetting]);
    expect(garbled(session(prose))).toEqual([]);
    // Words the card defines are the character's own, not made up.
    const lore = "The vrenn stir under the skarth, and the oldmoth keeps the wardlight burning for the fennic.";
    expect(garbled(session([lore]))).toHaveLength(1);
    expect(
      garbled(session([lore]), { aiSetting: "Keeper of the wardlight; knows the vrenn, skarth, oldmoth and fennic." }),
    ).toEqual([]);
    // The English lexicon judges English only: a French scenario is not garbled for being French.
    const french = "Je ne sais pas quoi faire maintenant, parlons-en plus tard ce soir près du phare.";
    expect(garbled(session([french, french, french]), { lang: "fr" })).toEqual([]);
    for (let i = 0; i < 20; i++) {
      const clean = cleanSession(createRng(`garbled-clean-${i}`), "en");
      expect(garbled(clean.turns, { aiSetting: clean.aiSetting })).toEqual([]);
    }
  });
});
