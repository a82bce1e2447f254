// Property tests over generated cards and lorebooks: whatever a card or book holds — every spec field, unknown keys
// at every level, arbitrary JSON under extensions — survives import then export, in every container and format.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertLorebook, normalizeLorebook, readCard, writeCard, writeCardJson } from "../../src/cards/index.ts";

const RUNS = 150;
const json = fc.jsonValue({ maxDepth: 3 });
const unknownKeys = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).map((k) => `x_${k}`),
  json,
  { maxKeys: 3 },
);
const text = fc.string({ maxLength: 40 });
const texts = fc.array(text, { maxLength: 3 });

const stExtensions = fc.record(
  {
    position: fc.integer({ min: 0, max: 7 }),
    depth: fc.integer({ min: 0, max: 10 }),
    selectiveLogic: fc.integer({ min: 0, max: 3 }),
    probability: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 100 })),
    useProbability: fc.boolean(),
    group: fc.constantFrom("", "a", "a,b"),
    group_weight: fc.integer({ min: 1, max: 300 }),
    sticky: fc.oneof(fc.constant(null), fc.nat(5)),
    exclude_recursion: fc.boolean(),
    match_whole_words: fc.oneof(fc.constant(null), fc.boolean()),
  },
  { requiredKeys: [] },
);

const v2Entry = fc
  .tuple(
    fc.record(
      {
        keys: texts,
        content: text,
        enabled: fc.boolean(),
        insertion_order: fc.integer({ min: -5, max: 1000 }),
        id: fc.nat(10_000),
        comment: text,
        selective: fc.boolean(),
        secondary_keys: texts,
        constant: fc.boolean(),
        position: fc.constantFrom("before_char", "after_char"),
        case_sensitive: fc.boolean(),
        name: text,
        priority: fc.integer({ min: 0, max: 10 }),
      },
      { requiredKeys: ["keys", "content", "enabled", "insertion_order"] },
    ),
    stExtensions,
    unknownKeys,
    unknownKeys,
  )
  .map(([entry, ext, extUnknown, unknown]) => ({ ...entry, extensions: { ...ext, ...extUnknown }, ...unknown }));

const v2Book = fc
  .tuple(
    fc.record(
      {
        name: text,
        description: text,
        scan_depth: fc.nat(10),
        token_budget: fc.nat(2000),
        recursive_scanning: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
    fc.array(v2Entry, { maxLength: 4 }),
    unknownKeys,
    unknownKeys,
  )
  .map(([fields, entries, ext, unknown]) => ({ ...fields, extensions: ext, entries, ...unknown }));

const v2Card = fc
  .tuple(
    fc.record({
      name: text,
      description: text,
      personality: text,
      scenario: text,
      first_mes: text,
      mes_example: text,
      creator_notes: text,
      system_prompt: text,
      post_history_instructions: text,
      alternate_greetings: texts,
      tags: texts,
      creator: text,
      character_version: text,
    }),
    unknownKeys,
    unknownKeys,
    unknownKeys,
    fc.option(v2Book, { nil: undefined }),
  )
  .map(([data, extensions, dataUnknown, topUnknown, book]) => ({
    ...topUnknown,
    spec: "chara_card_v2",
    spec_version: "2.0",
    data: { ...data, extensions, ...(book ? { character_book: book } : {}), ...dataUnknown },
  }));

const v3Card = fc
  .tuple(
    v2Card,
    fc.record(
      {
        nickname: text,
        group_only_greetings: texts,
        source: texts,
        creation_date: fc.nat(),
        modification_date: fc.nat(),
        creator_notes_multilingual: fc.dictionary(fc.constantFrom("en", "zh", "ja"), text),
        assets: fc.array(
          fc.record({
            type: fc.constantFrom("icon", "background", "x_custom"),
            uri: fc.constantFrom("ccdefault:", "https://e.x/a.png"),
            name: text,
            ext: fc.constantFrom("png", "webp"),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ["group_only_greetings"] },
    ),
  )
  .map(([card, extra]) => {
    const data = card.data as Record<string, unknown>;
    const book = data["character_book"] as { entries: Array<Record<string, unknown>> } | undefined;
    if (book) for (const e of book.entries) e["use_regex"] = false;
    return { ...card, spec: "chara_card_v3", spec_version: "3.0", data: { ...data, ...extra } };
  });

/** Every leaf path of a JSON value, with its value. */
function leaves(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, path === "" ? k : `${path}/${k}`, out);
  } else out.set(path, value);
  return out;
}

/** Paths present in `after` but not `before` (values changed count too): what a conversion added or changed. */
function changes(before: unknown, after: unknown): { lost: string[]; added: string[] } {
  const a = leaves(before);
  const b = leaves(after);
  const grew = (p: string, v: unknown) =>
    v !== null && typeof v === "object" && [...b.keys()].some((q) => q.startsWith(`${p}/`));
  const lost = [...a]
    .filter(([p, v]) => (!b.has(p) && !grew(p, v)) || (b.has(p) && JSON.stringify(b.get(p)) !== JSON.stringify(v)))
    .map(([p]) => p);
  const added = [...b.keys()].filter((p) => !a.has(p));
  return { lost, added };
}

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("generated cards survive import → export", () => {
  it("V2 JSON → V2 JSON is exact", () => {
    fc.assert(
      fc.property(v2Card, (card) => {
        // Compared with the card as JSON carries it (JSON has no -0).
        expect(JSON.parse(writeCardJson(readCard(bytes(card))))).toEqual(JSON.parse(JSON.stringify(card)));
      }),
      { numRuns: RUNS },
    );
  });

  it("V3 JSON → V3 JSON is exact", () => {
    fc.assert(
      fc.property(v3Card, (card) => {
        expect(JSON.parse(writeCardJson(readCard(bytes(card))))).toEqual(JSON.parse(JSON.stringify(card)));
      }),
      { numRuns: RUNS },
    );
  });

  it("JSON → PNG → JSON and JSON → CharX → JSON keep the card", () => {
    fc.assert(
      fc.property(fc.oneof(v2Card, v3Card), (card) => {
        const loaded = readCard(bytes(card));
        const viaPng = readCard(writeCard(loaded, "png"));
        expect(viaPng.card).toEqual(loaded.card);
        const viaCharx = readCard(writeCard(loaded, "charx"));
        expect(viaCharx.card).toEqual(loaded.card);
      }),
      { numRuns: RUNS },
    );
  });

  it("V2 → V3 → V2 loses nothing and adds only V3 defaults", () => {
    fc.assert(
      fc.property(v2Card, (card) => {
        const v3 = readCard(writeCard(readCard(bytes(card)), "json", { spec: "v3" }));
        const back = JSON.parse(writeCardJson(v3, { spec: "v2" }));
        const { lost, added } = changes(JSON.parse(JSON.stringify(card)), back);
        expect(lost).toEqual([]);
        for (const p of added)
          expect(p).toMatch(/^data\/(group_only_greetings|character_book\/entries\/\d+\/use_regex)$/);
      }),
      { numRuns: RUNS },
    );
  });
});

const stEntry = fc
  .tuple(
    fc.record(
      {
        uid: fc.nat(50),
        key: texts,
        keysecondary: texts,
        comment: text,
        content: text,
        constant: fc.boolean(),
        selective: fc.boolean(),
        order: fc.integer({ min: 0, max: 999 }),
        position: fc.integer({ min: 0, max: 7 }),
        disable: fc.boolean(),
        probability: fc.integer({ min: 0, max: 100 }),
        useProbability: fc.boolean(),
        depth: fc.nat(9),
        selectiveLogic: fc.integer({ min: 0, max: 3 }),
        group: text,
        groupOverride: fc.boolean(),
        groupWeight: fc.nat(500),
        scanDepth: fc.oneof(fc.constant(null), fc.nat(9)),
        caseSensitive: fc.oneof(fc.constant(null), fc.boolean()),
        matchWholeWords: fc.oneof(fc.constant(null), fc.boolean()),
        sticky: fc.oneof(fc.constant(null), fc.nat(9)),
        cooldown: fc.oneof(fc.constant(null), fc.nat(9)),
        delay: fc.oneof(fc.constant(null), fc.nat(9)),
        delayUntilRecursion: fc.oneof(fc.boolean(), fc.nat(3)),
        characterFilter: fc.record({ names: texts, tags: texts, isExclude: fc.boolean() }),
        triggers: fc.array(fc.constantFrom("normal", "swipe"), { maxLength: 2 }),
        ignoreBudget: fc.boolean(),
        outletName: text,
        extensions: fc.oneof(unknownKeys, fc.record({ position: fc.nat(4), probability: fc.nat(100), x_keep: json })),
      },
      { requiredKeys: ["uid", "key", "content"] },
    ),
    unknownKeys,
  )
  .map(([entry, unknown]) => ({ ...unknown, ...entry }));

const stBook = fc
  .tuple(fc.uniqueArray(stEntry, { selector: (e) => e.uid, maxLength: 5 }), unknownKeys)
  .map(([entries, unknown]) => ({ ...unknown, entries: Object.fromEntries(entries.map((e) => [String(e.uid), e])) }));

describe("generated lorebooks convert without loss", () => {
  it("World Info → V3 → World Info and World Info → V2 → World Info are exact", () => {
    fc.assert(
      fc.property(stBook, (file) => {
        const book = normalizeLorebook(structuredClone(file));
        expect(convertLorebook(book, "sillytavern")).toEqual(file);
        const v3 = normalizeLorebook(convertLorebook(book, "lorebook_v3"));
        expect(convertLorebook(v3, "sillytavern")).toEqual(file);
        const v2 = normalizeLorebook(convertLorebook(book, "character_book"));
        expect(convertLorebook(v2, "sillytavern")).toEqual(file);
      }),
      { numRuns: RUNS },
    );
  });

  it("V2/V3 → World Info → V3 loses nothing; it only adds the fields World Info requires", () => {
    fc.assert(
      fc.property(v2Book, (raw) => {
        const book = normalizeLorebook(structuredClone(raw));
        const v3 = convertLorebook(book, "lorebook_v3");
        const back = convertLorebook(normalizeLorebook(convertLorebook(book, "sillytavern")), "lorebook_v3");
        const { lost, added } = changes(v3, back);
        expect(lost).toEqual([]);
        for (const p of added) {
          expect(p).toMatch(
            /^data\/entries\/\d+\/(id|secondary_keys|comment|constant|selective|position|extensions\/position|extensions)$/,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });
});
