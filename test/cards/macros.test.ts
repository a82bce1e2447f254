import { describe, expect, it } from "vitest";
import { stripDecorators } from "../../src/cards/decorators.ts";
import {
  createLorebook,
  expandMacros,
  macroContextFromCard,
  normalizeCard,
  parseDecorators,
} from "../../src/cards/index.ts";

describe("macros", () => {
  const ctx = { char: "Seraphina", user: "Ann" };

  it("replaces {{char}}/{{user}} and the V1 angle forms, case-insensitively", () => {
    expect(expandMacros("{{char}} meets {{USER}}; <BOT> and <user>, <Char>.", ctx)).toBe(
      "Seraphina meets Ann; Seraphina and Ann, Seraphina.",
    );
  });

  it("leaves {{char}}/{{user}} as written when no value is known, and unknown macros alone", () => {
    expect(expandMacros("{{char}} {{user}} {{whatever}} {{setvar::x::1}}", {})).toBe(
      "{{char}} {{user}} {{whatever}} {{setvar::x::1}}",
    );
  });

  it("expands {{original}} to the text it replaces (empty when none)", () => {
    expect(expandMacros("Be brief. {{original}}", { original: "You are helpful." })).toBe("Be brief. You are helpful.");
    expect(expandMacros("{{original}}", {})).toBe("");
  });

  it("picks {{random}} and {{roll}} reproducibly for a seed and within range", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const out = expandMacros("{{random:a,b\\,c,d}}|{{roll:d6}}|{{roll:20}}|{{random::x::y}}", { seed });
      expect(out).toBe(expandMacros("{{random:a,b\\,c,d}}|{{roll:d6}}|{{roll:20}}|{{random::x::y}}", { seed }));
      const [pick, d6, d20, st] = out.split("|");
      expect(["a", "b,c", "d"]).toContain(pick);
      expect(Number(d6)).toBeGreaterThanOrEqual(1);
      expect(Number(d6)).toBeLessThanOrEqual(6);
      expect(Number(d20)).toBeLessThanOrEqual(20);
      expect(["x", "y"]).toContain(st);
      seen.add(pick!);
    }
    expect(seen.size).toBe(3);
    expect(expandMacros("{{roll:abc}}", { seed: 1 })).toBe("{{roll:abc}}");
  });

  it("keeps {{pick}} stable for the same prompt seed, whatever else changes", () => {
    const a = expandMacros("Weather: {{pick:rain,sun,snow,fog}}", { seed: "prompt-1" });
    const b = expandMacros("Prefix {{random:1,2,3}} Weather: {{pick:rain,sun,snow,fog}}", { seed: "prompt-1" });
    expect(a.slice(-4).trim()).toBe(b.slice(-4).trim());
    const values = new Set(
      Array.from({ length: 40 }, (_, i) => expandMacros("{{pick:rain,sun,snow,fog}}", { seed: i })),
    );
    expect(values.size).toBeGreaterThan(1);
  });

  it("removes comments; hidden keys show only when scanning; comments show only for display", () => {
    const text = "A{{// secret note}}B{{hidden_key:dragon}}C{{comment: for readers}}";
    expect(expandMacros(text, {})).toBe("ABC");
    expect(expandMacros(text, {}, { mode: "scan" })).toBe("ABdragonC");
    expect(expandMacros(text, {}, { mode: "display" })).toBe("ABCfor readers");
    expect(expandMacros("{{reverse:abc}}", {})).toBe("cba");
  });

  it("nests macros and leaves unbalanced braces as text", () => {
    expect(expandMacros("{{random:{{char}},{{char}}}}", { ...ctx, seed: 3 })).toBe("Seraphina");
    expect(expandMacros("{{char}} {{ unclosed and }} stray", ctx)).toBe("Seraphina {{ unclosed and }} stray");
    expect(expandMacros("}} {{char", ctx)).toBe("}} {{char");
  });

  it("uses the V3 nickname for {{char}}", () => {
    const card = normalizeCard({
      spec: "chara_card_v3",
      spec_version: "3.0",
      data: { name: "Seraphina Elwood", nickname: "Sera" },
    }).card;
    expect(macroContextFromCard(card, "Ann").char).toBe("Sera");
    const plain = normalizeCard({ name: "Bob" }).card;
    expect(macroContextFromCard(plain).char).toBe("Bob");
    expect(createLorebook().entries).toEqual([]);
  });
});

describe("decorators", () => {
  it("parses the block at the top, strips it and the blank lines after it", () => {
    const p = parseDecorators("@@depth 4\r\n@@role user\n\n\nBody\n@@not a decorator");
    expect(p.decorators.map((d) => [d.name, d.value])).toEqual([
      ["depth", "4"],
      ["role", "user"],
    ]);
    expect(p.content).toBe("Body\n@@not a decorator");
    expect(parseDecorators("Body @@depth 4").decorators).toEqual([]);
  });

  it("follows chains of @@@ fallbacks (five deep) and reports what it ignored", () => {
    const p = parseDecorators("@@a 1\n@@@b 1\n@@@c 1\n@@@d 1\n@@@e 1\n@@@scan_depth 5\n@@instruct_depth 2\nX");
    expect(p.decorators).toEqual([expect.objectContaining({ name: "scan_depth", value: "5", fallbackFor: "a" })]);
    expect(p.ignored).toEqual(["@@instruct_depth 2"]);
    // Invalid values count as unsupported, so the fallback is used.
    expect(parseDecorators("@@depth soon\n@@@depth 3\nX").decorators[0]?.value).toBe("3");
    expect(parseDecorators("@@role narrator\nX").decorators).toEqual([]);
  });

  it("strips every decorator line for a V2 backfill", () => {
    expect(stripDecorators("@@depth 4\n@@@depth 5\n\nBody")).toBe("Body");
    expect(stripDecorators("No decorators")).toBe("No decorators");
  });
});
