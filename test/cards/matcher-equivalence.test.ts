// The indexed matcher (Aho–Corasick over every key) must decide exactly what the naive matcher (SillyTavern's way:
// every key of every entry against the joined scan text) decides, on any book and any chat.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { activateLore, compileLore, createLorebook, createLoreEntry, type LoreEntry } from "../../src/cards/index.ts";

const WORDS = [
  "dragon",
  "Dragon",
  "sword",
  "ſword",
  "SWORD",
  "king",
  "the",
  "a",
  "fire",
  "ice",
  "龙",
  "李明",
  "明天",
  "café",
  "caf",
  "é",
  "dark lord",
  "lord",
];
const word = fc.constantFrom(...WORDS);
const key = fc.oneof(
  { weight: 8, arbitrary: word },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "/dra+gon/i",
      "/Dra+gon/",
      "/\\bdragons?\\b/i",
      "/the (king|queen)/i",
      "/lord\\b/",
      "/(a+)+$/",
      "/\\bking\\b/",
      "/li(?=x)/",
      "/caf[eé]/i",
      "/sword/i",
      "/\\bsw(o|0)rd/",
      "{{char}}",
      "",
    ),
  },
);
const message = fc
  .array(fc.oneof(word, fc.constantFrom(" ", ", ", ".", "\n", "x")), { maxLength: 14 })
  .map((parts) => parts.join(""));

const entry = fc
  .record({
    keys: fc.array(key, { maxLength: 3 }),
    secondary: fc.array(key, { maxLength: 2 }),
    selective: fc.boolean(),
    logic: fc.integer({ min: 0, max: 3 }),
    constant: fc.boolean(),
    caseSensitive: fc.option(fc.boolean(), { nil: undefined }),
    wholeWords: fc.option(fc.boolean(), { nil: undefined }),
    order: fc.integer({ min: 0, max: 5 }),
    scanDepth: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    group: fc.constantFrom("", "g", "h"),
    probability: fc.constantFrom(100, 50),
    excludeRecursion: fc.boolean(),
    preventRecursion: fc.boolean(),
    delayUntilRecursion: fc.constantFrom(0, 1, 2),
    content: fc.array(word, { maxLength: 3 }).map((w) => w.join(" ")),
    useRegex: fc.boolean(),
    decorator: fc.constantFrom("", "@@additional_keys fire,ice\n", "@@exclude_keys the\n", "@@scan_depth 1\n"),
  })
  .map(
    (e): LoreEntry =>
      createLoreEntry({
        keys: e.keys,
        content: e.decorator + e.content,
        insertion_order: e.order,
        constant: e.constant && e.keys.length === 0,
        selective: e.selective,
        secondary_keys: e.secondary,
        use_regex: e.useRegex && e.keys.every((k) => !k.includes(" ")),
        extensions: {
          selectiveLogic: e.logic,
          ...(e.caseSensitive === undefined ? {} : { case_sensitive: e.caseSensitive }),
          ...(e.wholeWords === undefined ? {} : { match_whole_words: e.wholeWords }),
          ...(e.scanDepth === undefined ? {} : { scan_depth: e.scanDepth }),
          group: e.group,
          probability: e.probability,
          exclude_recursion: e.excludeRecursion,
          prevent_recursion: e.preventRecursion,
          delay_until_recursion: e.delayUntilRecursion,
        },
      }),
  );

const scenario = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
  messages: fc.array(message, { minLength: 1, maxLength: 5 }),
  injections: fc.array(message, { maxLength: 1 }),
  persona: message,
  recursive: fc.boolean(),
  scanDepth: fc.integer({ min: 0, max: 4 }),
  minActivations: fc.constantFrom(0, 0, 3),
  budget: fc.constantFrom(undefined, 5, 40),
  seed: fc.nat(),
  wholeWords: fc.boolean(),
  caseSensitive: fc.boolean(),
});

describe("indexed and naive matchers", () => {
  it("make identical decisions on random books and chats", () => {
    const seen = { activated: 0, recursion: 0, dropped: 0 };
    fc.assert(
      fc.property(scenario, (s) => {
        const book = createLorebook({ name: "b", entries: s.entries.map((e, i) => ({ ...e, id: i })) });
        const options = { matchWholeWords: s.wholeWords, caseSensitive: s.caseSensitive, macros: { char: "Dragon" } };
        const input = {
          messages: s.messages,
          injections: s.injections,
          globalScanData: { personaDescription: s.persona },
          recursive: s.recursive,
          scanDepth: s.scanDepth,
          minActivations: s.minActivations,
          ...(s.budget === undefined ? {} : { tokenBudget: s.budget }),
          seed: s.seed,
        };
        const indexed = activateLore(compileLore(book, { ...options, matcher: "indexed" }), input);
        const naive = activateLore(compileLore(book, { ...options, matcher: "naive" }), input);
        expect(indexed.activated).toEqual(naive.activated);
        expect(indexed.decisions).toEqual(naive.decisions);
        expect(indexed.state).toEqual(naive.state);
        expect(indexed.loops).toBe(naive.loops);
        seen.activated += indexed.activated.length;
        seen.recursion += indexed.activated.filter((a) => a.matches.some((m) => m.source === "recursion")).length;
        seen.dropped += indexed.decisions.filter((d) => d.outcome !== "activated").length;
      }),
      { numRuns: 400 },
    );
    // The scenarios really exercise the engine (not 400 empty scans).
    expect(seen.activated).toBeGreaterThan(200);
    expect(seen.recursion).toBeGreaterThan(0);
    expect(seen.dropped).toBeGreaterThan(500);
  });
});
