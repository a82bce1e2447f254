import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRegex, regexFind } from "../../src/cards/lore-keys.ts";
import { foldForLiteral, requiredLiteral } from "../../src/cards/regex-literal.ts";

describe("required literal of a regex key (the prefilter before RE2)", () => {
  it("finds the literal every match must contain, or gives up", () => {
    expect(requiredLiteral("\\bdragons?\\b", "i")).toEqual({ literal: "dragon", caseInsensitive: true });
    expect(requiredLiteral("\\d+ Gold Coins", "")).toEqual({ literal: " Gold Coins", caseInsensitive: false });
    expect(requiredLiteral("[abc]hello\\.world", "i")?.literal).toBe("hello.world");
    expect(requiredLiteral("a{0,2}bcd", "")?.literal).toBe("bcd");
    expect(requiredLiteral("king|queen", "i")).toBeUndefined();
    expect(requiredLiteral("(?i)abc", "")).toBeUndefined();
    expect(requiredLiteral("(a+)+$", "")).toBeUndefined();
    expect(requiredLiteral("龍王", "i")).toBeUndefined(); // non-ASCII literals are not used case-insensitively
    expect(requiredLiteral("龍王", "")?.literal).toBe("龍王");
  });

  it("never rules out a text the regex matches (random patterns, texts built to match them)", () => {
    const ATOMS: Record<string, string[]> = {
      a: ["a", "A"],
      b: ["b", "B"],
      s: ["s", "S", "ſ"],
      S: ["S", "s", "ſ"],
      k: ["k", "K", "K"],
      K: ["K", "k", "K"],
      "\\.": ["."],
      ".": ["x", "."],
      "\\d": ["1"],
      "\\w": ["w"],
      "\\b": [""],
      "[ab]": ["a", "b"],
      "[^a]": ["b", "z"],
      "(a|b)": ["a", "b"],
      "(?:ab)": ["ab"],
      ſ: ["ſ", "s", "S"],
    };
    const REPEAT: Record<string, number[]> = {
      "": [1],
      "?": [0, 1],
      "*": [0, 1, 2],
      "+": [1, 2],
      "{2}": [2],
      "{0,2}": [0, 1, 2],
      "+?": [1, 2],
    };
    const part = fc.tuple(
      fc.constantFrom(...Object.keys(ATOMS)),
      fc.constantFrom(...Object.keys(REPEAT)),
      fc.nat(),
      fc.nat(),
    );
    let checked = 0;
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 2, maxLength: 5 }),
        fc.constantFrom("", "i"),
        fc.string({ maxLength: 6 }),
        (parts, flags, noise) => {
          const p = parts.map(([a, q]) => a + q).join("");
          const sample = parts
            .map(([a, q, r1, r2]) => {
              const options = ATOMS[a] as string[];
              const times = (REPEAT[q] as number[])[r1 % (REPEAT[q] as number[]).length] as number;
              return Array.from({ length: times }, (_, j) =>
                flags === "i" ? options[(r2 + j) % options.length] : options[0],
              ).join("");
            })
            .join("");
          const t = noise + sample + noise;
          const { re } = compileRegex(p, flags);
          const lit = requiredLiteral(p, flags);
          if (!re || !lit) return;
          if (!regexFind(re, t)) return;
          checked++;
          const hay = lit.caseInsensitive ? foldForLiteral(t) : t;
          expect(hay.includes(lit.literal), `${p} /${flags} on ${JSON.stringify(t)} must contain ${lit.literal}`).toBe(
            true,
          );
        },
      ),
      { numRuns: 3000 },
    );
    expect(checked).toBeGreaterThan(50);
  });
});
