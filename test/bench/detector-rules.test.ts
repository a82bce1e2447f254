import { describe, expect, it } from "vitest";
import type { DetectorInput } from "../../src/bench/detectors/detector.ts";
import { runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import { locateTokens } from "../../src/bench/detectors/token-quote.ts";
import { quoteOccursIn } from "../../src/bench/judge/quote-check.ts";

const filler = [
  '*Mira sets the lantern down.* "The ferry leaves at dawn. Will you come with me?"',
  '"I counted four boats at the harbour this morning. What do you make of that?" *She tucks the map away.*',
  '*Mira laughs softly.* "Old Tam swore he saw a light over the tower. Do you believe him?"',
  '"Rain is coming, so we should wait a little. Shall I make tea?" *She fills the kettle.*',
];

/** A session whose NPC turn at round 6 is `npc`; other NPC turns are ordinary and distinct. */
function session(npc: string, extra: Partial<DetectorInput> = {}, lang = "en"): DetectorInput {
  const turns = [
    { role: "ai" as const, round: 0, text: "Welcome." },
    { role: "user" as const, round: 1, text: "*looks at you*" },
  ];
  for (let r = 2; r <= 12; r++) {
    const text = r % 2 === 1 ? "Okay." : r === 6 ? npc : filler[(r / 2) % filler.length]!;
    turns.push({ role: r % 2 === 0 ? "ai" : "user", round: r, text } as never);
  }
  return { lang, aiName: "Mira", userName: "Sam", turns, ...extra };
}

function subtypesAt6(input: DetectorInput): string[] {
  return runDetectors(input)
    .filter((f) => f.round === 6)
    .map((f) => f.subtype);
}

describe("rule-based detectors", () => {
  it("flag speaking for the user in narration, never in the NPC's own speech", () => {
    expect(subtypesAt6(session('"Ready?" *Sam nods and takes her hand.*'))).toContain("speaks_for_user");
    expect(subtypesAt6(session('*You smile, feeling your cheeks flush.* "Good."'))).toContain("speaks_for_user");
    expect(subtypesAt6(session('"Come on."\nSam: Fine, let\'s go.'))).toContain("speaks_for_user");
    expect(subtypesAt6(session('*She looks at you and smiles.* "You smile like your mother."'))).not.toContain(
      "speaks_for_user",
    );
    expect(subtypesAt6(session('*Mira hands you the cup.* "Sam nods too much, you know."'))).not.toContain(
      "speaks_for_user",
    );
    expect(subtypesAt6(session("（阿哲点了点头，握住了她的手。）“走吧。”", { userName: "阿哲" }, "zh"))).toContain(
      "speaks_for_user",
    );
    expect(subtypesAt6(session("（她看着你点了点头。）“你觉得呢？”", { userName: "阿哲" }, "zh"))).not.toContain(
      "speaks_for_user",
    );
  });
  it("flag assistant-style refusals and AI self-disclosure, but not an AI character speaking in role", () => {
    expect(subtypesAt6(session("I'm sorry, but I can't continue with this role-play."))).toContain("over_refusal");
    expect(subtypesAt6(session('"I won\'t tell you where the key is, traveller." *She smirks.*'))).not.toContain(
      "over_refusal",
    );
    expect(subtypesAt6(session('"As an AI language model, I do not have feelings."'))).toContain("ai_self_disclosure");
    const android = { aiSetting: "an android detective who knows she is an AI" };
    expect(subtypesAt6(session('"I am an AI, and I do not sleep." *Her eyes glow.*', android))).not.toContain(
      "ai_self_disclosure",
    );
    expect(subtypesAt6(session('"I am just an AI, I cannot go with you."'))).toContain("ai_self_disclosure");
    expect(subtypesAt6(session("很抱歉，我无法继续这个角色扮演。", {}, "zh"))).toContain("over_refusal");
  });
  it("flag silence, garbled text, language mixing, leaked tokens and truncation", () => {
    expect(subtypesAt6(session("..."))).toContain("silence_no_hook");
    expect(subtypesAt6(session("*nods*"))).toContain("silence_no_hook");
    expect(subtypesAt6(session('"Fine." *She turns away.* Good night.'))).toContain("silence_no_hook");
    expect(subtypesAt6(session('"The door was \uFFFD\uFFFD open." *She frowns.*'))).toContain("garbled_text");
    expect(subtypesAt6(session('"It was dÃ©jÃ  vu, truly." *She frowns.*'))).toContain("garbled_text");
    expect(subtypesAt6(session('"I will go, 我真的不知道该怎么办。" *She frowns.*'))).toContain("mixed_language");
    expect(subtypesAt6(session("“我们走吧。Honestly I have no idea what to do now.”", {}, "zh"))).toContain(
      "mixed_language",
    );
    expect(subtypesAt6(session("“我们去买T恤，OK？”", {}, "zh"))).not.toContain("mixed_language");
    expect(subtypesAt6(session('"Let us go." *She smiles.*<|im_end|>'))).toContain("formatting_glitch");
    expect(subtypesAt6(session('"Let us go, {{user}}."'))).toContain("formatting_glitch");
    const long = `"We walked along the river until we reached the old mill, and the door was half open, and inside there were sacks piled up to the rafters and behind them someth`;
    expect(subtypesAt6(session(long))).toContain("truncation");
  });
  it("flag within-turn repetition, loops and stock phrases, quoting the turn verbatim", () => {
    const flags = runDetectors(
      session('"I will never leave you. I will never leave you. I will never leave you." *She clings.*'),
    );
    const rep = flags.find((f) => f.subtype === "heavy_repetition");
    expect(rep?.round).toBe(6);
    expect(quoteOccursIn(rep!.quote, '"I will never leave you. I will never leave you."')).toBe(true);
    const turns = session(filler[1]!).turns.map((t) => ({ ...t }));
    turns[10]!.text = turns[4]!.text; // round 10 copies round 4
    const loop = runDetectors({ lang: "en", aiName: "Mira", userName: "Sam", turns }).filter(
      (f) => f.subtype === "loop",
    );
    expect(loop.map((f) => f.round)).toContain(10);
    const stock = "her eyes sparkling with a mischievous glint as she speaks";
    const phrased = session("x").turns.map((t) =>
      t.role === "ai" && t.round >= 2 ? { ...t, text: `${t.text} ${stock}.` } : t,
    );
    const sp = runDetectors({ lang: "en", aiName: "Mira", userName: "Sam", turns: phrased }).filter(
      (f) => f.subtype === "single_pattern_phrasing",
    );
    expect(sp.map((f) => f.round)).toEqual([8]);
    expect(phrased.find((t) => t.round === 8)!.text).toContain(sp[0]!.quote);
  });
  it("never flags the scripted opening, and every detector quote is a verbatim slice", () => {
    const input = session("...");
    input.turns[0]!.text = "...";
    const flags = runDetectors(input);
    expect(flags.every((f) => f.round >= 2 && f.source === "detector" && f.verified)).toBe(true);
    for (const f of flags) expect(input.turns.find((t) => t.round === f.round)!.text).toContain(f.quote);
  });
  it("analyse each session on its own, though the text analyser is reused between sessions", () => {
    // B's round 6 is A's round 4 and carries A's stock phrase: only state left over from A could flag it.
    const stock = "her eyes sparkling with a mischievous glint as she speaks";
    const a = session("x").turns.map((t) =>
      t.role === "ai" && t.round >= 2 ? { ...t, text: `${t.text} ${stock}.` } : t,
    );
    const b = session(a[4]!.text);
    const alone = runDetectors(b);
    expect(runDetectors({ lang: "en", aiName: "Mira", userName: "Sam", turns: a }).length).toBeGreaterThan(0);
    expect(runDetectors(b)).toEqual(alone);
    // Left-over state would show as the stock phrase's fourth use, or as round 6 copying one of A's replies exactly.
    expect(alone.filter((f) => f.subtype === "single_pattern_phrasing")).toEqual([]);
    expect(alone.filter((f) => f.round === 6 && f.reason.includes("similarity 1.00"))).toEqual([]);
    // A Chinese session in between, then English again.
    runDetectors(session("（她看着你点了点头。）“你觉得呢？”", { userName: "阿哲" }, "zh"));
    expect(runDetectors(b)).toEqual(alone);
  });
  it("locates token sequences verbatim", () => {
    expect(locateTokens("Well — I'll  GO, then!", ["i'll", "go", "then"])).toBe("I'll  GO, then");
    expect(locateTokens("我们，走吧", ["我", "们", "走"])).toBe("我们，走");
    expect(locateTokens("nothing here", ["absent"])).toBeUndefined();
  });
});
