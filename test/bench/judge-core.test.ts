import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LedgerEntry, mergeLedger, renderLedger } from "../../src/bench/judge/canon-ledger.ts";
import { chunkIndexOfRound, planChunks } from "../../src/bench/judge/chunk-plan.ts";
import { verifyJudgeFlags } from "../../src/bench/judge/flag-verify.ts";
import { judgeFamilyWarnings, modelFamily } from "../../src/bench/judge/judge-family.ts";
import { extractJudgeJson, JudgeReplyParseError, salvageJudgeReply } from "../../src/bench/judge/judge-reply.ts";
import { aggregatePanel } from "../../src/bench/judge/panel.ts";
import { checkQuote, normalizeForQuote, quoteOccursIn } from "../../src/bench/judge/quote-check.ts";
import { flag, syntheticTurns } from "./judge-fixtures.ts";

describe("quote verification", () => {
  it("normalises whitespace and every kind of quotation mark", () => {
    expect(normalizeForQuote("  \u201cHello,\u201d   she\n said  ")).toBe('"Hello," she said');
    expect(quoteOccursIn("\u300c\u4f60\u597d\u300d", '\u4ed6\u8bf4"\u4f60\u597d"')).toBe(true);
    expect(quoteOccursIn("it\u2019s  late", "It's late? it's late")).toBe(true);
    expect(quoteOccursIn('She said \\"no\\"', 'She said "no" twice')).toBe(true);
  });
  it("matches elided quotes in order and rejects paraphrase", () => {
    const text = "I will go to the market tomorrow, and then we talk.";
    expect(quoteOccursIn("I will go … then we talk", text)).toBe(true);
    expect(quoteOccursIn("then we talk ... I will go", text)).toBe(false);
    expect(quoteOccursIn("I shall go to the market", text)).toBe(false);
    expect(quoteOccursIn("...", text)).toBe(false);
  });
  it("tells a hallucinated quote from a mis-cited one and refuses user or scripted rounds", () => {
    const turns = syntheticTurns(6);
    const scored = new Set([2, 4, 6]);
    expect(checkQuote({ round: 4, quote: "npc line 4" }, turns, scored)).toEqual({ status: "ok" });
    expect(checkQuote({ round: 4, quote: "npc line 6" }, turns, scored)).toEqual({
      status: "wrong_round",
      foundAtRound: 6,
    });
    expect(checkQuote({ round: 4, quote: "a dragon appears" }, turns, scored).status).toBe("quote_not_found");
    expect(checkQuote({ round: 3, quote: "user line 3" }, turns, scored).status).toBe("not_npc_turn");
    expect(checkQuote({ round: 0, quote: "npc line 0" }, turns, scored).status).toBe("round_out_of_scope");
    expect(checkQuote({ round: 4, quote: "  " }, turns, scored).status).toBe("empty_quote");
  });
});

describe("chunk plan", () => {
  it("cuts 100 generated turns into 5 chunks of 20 and keeps the scripted opening as context only", () => {
    const chunks = planChunks(syntheticTurns(100));
    expect(chunks).toHaveLength(5);
    expect(chunks[0]!.context.map((t) => t.round)).toEqual([0, 1]);
    expect(chunks[0]!.firstRound).toBe(2);
    expect(chunks[0]!.scoredRounds).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(chunks[4]!.lastRound).toBe(101);
    expect(chunks[1]!.context.map((t) => t.round)).toEqual([21]);
    const scored = chunks.flatMap((c) => c.scoredRounds);
    expect(scored).toHaveLength(50);
    expect(scored).not.toContain(0);
  });
  it("honours chunk size and overlap and makes a smaller tail chunk", () => {
    const chunks = planChunks(syntheticTurns(30), { chunkTurns: 12, contextTurns: 0 });
    expect(chunks.map((c) => c.turns.length)).toEqual([12, 12, 6]);
    expect(chunks[1]!.context).toEqual([]);
    expect(chunkIndexOfRound(87, 20)).toBe(4);
    expect(chunkIndexOfRound(1, 20)).toBe(0);
    expect(() => planChunks(syntheticTurns(4), { chunkTurns: 1, contextTurns: 0 })).toThrow(RangeError);
  });
});

describe("judge reply parsing", () => {
  it("extracts JSON from fences and think blocks, and rejects junk with a typed error", () => {
    expect(extractJudgeJson('<think>hmm {"x":1}</think>```json\n{"flags":[]}\n```')).toEqual({ flags: [] });
    expect(() => extractJudgeJson("I cannot judge this.")).toThrow(JudgeReplyParseError);
    expect(() => extractJudgeJson('{"flags": [ {"round": 2,')).toThrow(JudgeReplyParseError);
    expect(() => salvageJudgeReply({ score: 100 })).toThrow(JudgeReplyParseError);
  });
  it("keeps valid flags, repairs harmless slips and records invalid ones", () => {
    const reply = salvageJudgeReply({
      flags: [
        { round: 2, quote: "q", reason: "r", subtype: "speaks_for_user", severity: 2 },
        { round: "4", quote: "q", reason: "r", subtype: "Speaking for user", severity: "3", dimension: "x" },
        { round: 6, reason: "no quote", subtype: "loop", severity: 1 },
        { round: 8, quote: "q", reason: "r", subtype: "made_up", severity: 2 },
        { round: 8, quote: "q", reason: "r", subtype: "loop", severity: 7 },
      ],
      ledger: [
        { kind: "fact", round: 2, statement: "Mira has a brother" },
        { kind: "rumour", round: 2 },
      ],
      overall: 100,
    });
    expect(reply.flags.map((f) => [f.round, f.subtype, f.severity])).toEqual([
      [2, "speaks_for_user", 2],
      [4, "speaks_for_user", 3],
    ]);
    expect(reply.rejected.map((r) => r.kind)).toEqual(["flag", "flag", "flag", "ledger"]);
    expect(reply.rejected[0]!.problem).toMatch(/quote/);
    expect(reply.ledger).toHaveLength(1);
  });
  it("derives the dimension from the subtype and verifies each quote", () => {
    const [chunk] = planChunks(syntheticTurns(20));
    const flags = verifyJudgeFlags(
      [
        { round: 2, quote: "npc line 2", reason: "r", subtype: "mixed_language", severity: 1 },
        { round: 4, quote: "invented words", reason: "r", subtype: "loop", severity: 2 },
      ],
      chunk!,
      "judge-a",
    );
    expect(flags[0]).toMatchObject({ dimension: "basics", verified: true, verification: "ok", source: "judge" });
    expect(flags[1]).toMatchObject({ dimension: "diversity", verified: false, verification: "quote_not_found" });
  });
});

describe("canon ledger", () => {
  it("drops future and duplicate entries and renders one compact line each", () => {
    const merged = mergeLedger(
      [{ kind: "relationship", round: 6, statement: "Mira is Tomas's older sister" }],
      [
        { kind: "relationship", round: 8, statement: "mira is tomas's older sister!" },
        { kind: "fact", round: 50, statement: "from the future" },
        { kind: "world_rule", round: 0, statement: "Magic costs a memory" },
      ],
      21,
    );
    expect(merged.map((e) => e.round)).toEqual([0, 6]);
    expect(renderLedger(merged)).toBe(
      "R0 world_rule: Magic costs a memory\nR6 relationship: Mira is Tomas's older sister",
    );
  });
  it("stays within its limits, keeping rules, relationships, the earliest and the latest facts", () => {
    const additions: LedgerEntry[] = Array.from({ length: 30 }, (_, i) => ({
      kind: "fact",
      round: i * 2,
      statement: `fact ${i}`,
    }));
    additions.push({ kind: "world_rule", round: 30, statement: "no guns" });
    const merged = mergeLedger([], additions, 100, { maxEntries: 10, maxStatementChars: 40 });
    expect(merged).toHaveLength(10);
    expect(merged.some((e) => e.kind === "world_rule")).toBe(true);
    expect(merged[0]!.statement).toBe("fact 0");
    expect(merged.at(-1)!.statement).toBe("fact 29");
  });
});

describe("judge panel", () => {
  const a = flag({ round: 10, by: "a", severity: 1 });
  const b = flag({ round: 10, by: "b", severity: 3, subtype: "boundary" });
  const c = flag({ round: 10, by: "c", severity: 2 });
  const lone = flag({ round: 12, by: "a", dimension: "logic", subtype: "pronoun_confusion" });
  it("keeps majority flags with the median severity and the vote count", () => {
    const out = aggregatePanel([[a, lone], [b], [c]]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ round: 10, severity: 2, subtype: "speaks_for_user", support: 3, by: "c" });
  });
  it("applies union, intersection and per-dimension overrides", () => {
    expect(aggregatePanel([[a, lone], [b], []], { policy: "union", perDimension: {} })).toHaveLength(2);
    expect(aggregatePanel([[a, lone], [b], []], { policy: "intersection", perDimension: {} })).toHaveLength(0);
    expect(
      aggregatePanel([[a, lone], [b], [c]], { policy: "majority", perDimension: { logic: "union" } }),
    ).toHaveLength(2);
  });
  it("lets only verified flags vote unless told otherwise", () => {
    const bad = { ...b, verified: false, verification: "quote_not_found" as const };
    expect(aggregatePanel([[a], [bad], []])).toHaveLength(0);
    expect(aggregatePanel([[a], [bad], []], undefined, true)).toHaveLength(1);
  });
  it("passes a single judge's verified flags through unchanged", () => {
    expect(aggregatePanel([[a, lone]])).toEqual([a, lone]);
  });
});

describe("judge family", () => {
  it("recognises families and warns on a same-family judge", () => {
    expect(modelFamily("openai:gpt-4.1-mini")).toBe("openai");
    expect(modelFamily("claude-opus-4.5-highthinking")).toBe("anthropic");
    expect(modelFamily("http://localhost:8000/v1#meta-llama/Llama-3.1-8B")).toBe("meta");
    expect(modelFamily("minimax:M2-her")).toBe("minimax");
    expect(modelFamily("local:../shared/models/stories260K.gguf")).toBeUndefined();
    expect(judgeFamilyWarnings(["openai:gpt-4.1"], ["gpt-5.1", "claude-sonnet-4.5"])).toHaveLength(1);
    expect(judgeFamilyWarnings(["google:gemini-2.5-pro"], ["deepseek-v3.2"])).toEqual([]);
    // The judge is the tested model itself (same spec), of a family nobody knows: still a warning.
    const tiny = "local:/models/stories260K.gguf";
    expect(judgeFamilyWarnings([tiny], [tiny])).toEqual([expect.stringMatching(/is the tested model .* itself/)]);
    expect(
      judgeFamilyWarnings(
        [tiny],
        [
          { role: "tested model", name: "tiny", ids: [tiny] },
          { role: "user simulator", name: "tiny", ids: [tiny] },
        ],
      ),
    ).toHaveLength(2);
    // A custom model name hides nothing: the family comes from the ids the run recorded.
    expect(
      judgeFamilyWarnings(["openai:gpt-4.1-mini"], [{ role: "tested model", name: "my-bot", ids: ["openai:gpt-5.1"] }]),
    ).toEqual([expect.stringMatching(/same family \(openai\)/)]);
  });
});

describe("ledger rendering is compact", () => {
  it("is linear in entries", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 50 }), { maxLength: 80 }), (statements) => {
        const ledger = mergeLedger(
          [],
          statements.map((s, i) => ({ kind: "fact", round: i, statement: s })),
          1000,
        );
        expect(ledger.length).toBeLessThanOrEqual(40);
        expect(renderLedger(ledger).length).toBeLessThan(40 * 170);
      }),
    );
  });
});
