// Fuzzing the readers: 12,000 inputs derived from valid cards, lorebooks, PNGs and CharX archives (bytes flipped,
// cut, inserted, JSON mangled then re-wrapped) plus pure garbage. Every input must end in a card/book that passes
// the schema, or in a typed TroupeError; any other exception (TypeError, RangeError, …) or a hang is a bug.
import fc from "fast-check";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { placeholderPng } from "../../src/cards/card-png.ts";
import {
  CharacterCardV3Schema,
  LorebookSchema,
  normalizeCard,
  readCard,
  readLorebook,
  writeCardCharx,
  writeCardJson,
  writeCardPng,
  writeLorebook,
} from "../../src/cards/index.ts";
import { encodePng, parsePng, textChunk } from "../../src/cards/png-chunks.ts";
import { DEFAULT_READ_LIMITS } from "../../src/cards/read-limits.ts";
import { isTroupeError } from "../../src/core/index.ts";

const v2 = {
  spec: "chara_card_v2",
  spec_version: "2.0",
  data: {
    name: "Fuzz",
    description: "{{char}} tests {{user}}.",
    tags: ["a", "b"],
    extensions: { talkativeness: "0.5", nested: { a: [1, { b: null }] } },
    character_book: {
      name: "Book",
      entries: [
        {
          keys: ["x", "/y+/i"],
          content: "@@depth 2\nlore",
          extensions: { selectiveLogic: 1, group: "g" },
          enabled: true,
          insertion_order: 5,
          secondary_keys: ["z"],
          selective: true,
        },
      ],
    },
  },
};
const v3 = {
  spec: "chara_card_v3",
  spec_version: "3.0",
  data: {
    ...v2.data,
    nickname: "F",
    group_only_greetings: ["hi"],
    assets: [{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }],
  },
};
const v1 = {
  name: "Old",
  description: "d",
  personality: "p",
  scenario: "s",
  first_mes: "f",
  mes_example: "m",
  extra: 1,
};
const st = {
  entries: {
    "0": {
      uid: 0,
      key: ["a"],
      keysecondary: [],
      content: "c",
      order: 10,
      position: 4,
      depth: 2,
      sticky: 1,
      disable: false,
    },
  },
};

const loaded = normalizeCard(v2);
const seeds: Uint8Array[] = [
  Buffer.from(JSON.stringify(v2)),
  Buffer.from(JSON.stringify(v3)),
  Buffer.from(JSON.stringify(v1)),
  Buffer.from(JSON.stringify(st)),
  Buffer.from(writeLorebook(normalizeCard(v3).card.data.character_book!, "lorebook_v3")),
  writeCardPng(loaded),
  writeCardCharx(normalizeCard(v3)),
  zipSync({ "card.json": Buffer.from(JSON.stringify(v3)), "assets/other/other/x.bin": Uint8Array.of(1, 2, 3) }),
];
const jsonSeeds = [v2, v3, v1, st].map((j) => JSON.stringify(j));

type Op = { kind: "flip" | "cut" | "insert" | "delete" | "dup"; at: number; value: number; bytes: Uint8Array };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("flip", "cut", "insert", "delete", "dup"),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
  bytes: fc.uint8Array({ maxLength: 12 }),
});

function mutate(input: Uint8Array, ops: Op[]): Uint8Array {
  let b = Buffer.from(input);
  for (const o of ops) {
    if (b.length === 0) break;
    const at = o.at % b.length;
    if (o.kind === "flip") b[at] = o.value;
    else if (o.kind === "cut") b = b.subarray(0, at);
    else if (o.kind === "insert") b = Buffer.concat([b.subarray(0, at), o.bytes, b.subarray(at)]);
    else if (o.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + (o.value % 16))]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 64), b.subarray(at)]);
  }
  return b;
}

/** Structure-aware mutation: mangle the JSON text, then wrap it properly so it gets past the CRC and zip checks. */
function wrapMangled(text: string, container: number): Uint8Array {
  if (container === 0) return Buffer.from(text, "latin1");
  if (container === 1) {
    const chunks = parsePng(placeholderPng(), DEFAULT_READ_LIMITS);
    chunks.splice(chunks.length - 1, 0, textChunk("chara", Buffer.from(text, "latin1").toString("base64")));
    return encodePng(chunks);
  }
  return zipSync({ "card.json": Buffer.from(text, "latin1") });
}

function checkOne(bytes: Uint8Array): "card" | "book" | "error" {
  let outcome: "card" | "book" | "error" = "error";
  try {
    const card = readCard(bytes);
    CharacterCardV3Schema.parse(card.card);
    // Whatever was read must also be writable in every spec.
    for (const spec of ["v1", "v2", "v3"] as const) JSON.parse(writeCardJson(card, { spec }));
    outcome = "card";
  } catch (error) {
    if (!isTroupeError(error)) throw error;
  }
  try {
    const book = readLorebook(bytes);
    LorebookSchema.parse(book.book);
    for (const format of ["sillytavern", "lorebook_v3", "character_book"] as const)
      JSON.parse(writeLorebook(book, format));
    if (outcome === "error") outcome = "book";
  } catch (error) {
    if (!isTroupeError(error)) throw error;
  }
  return outcome;
}

describe("fuzzing the card and lorebook readers", () => {
  it("turns 12,000 hostile inputs into cards, books or typed errors — never a crash", () => {
    const outcomes = { card: 0, book: 0, error: 0 };
    const input = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(op, { minLength: 1, maxLength: 5 }))
          .map(([s, ops]) => mutate(seeds[s]!, ops)),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.integer({ min: 0, max: jsonSeeds.length - 1 }),
            fc.array(op, { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 2 }),
          )
          .map(([s, ops, container]) =>
            wrapMangled(Buffer.from(mutate(Buffer.from(jsonSeeds[s]!), ops)).toString("latin1"), container),
          ),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(
              Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
              Uint8Array.of(0x50, 0x4b, 0x03, 0x04),
              Buffer.from("{"),
              new Uint8Array(0),
            ),
            fc.uint8Array({ maxLength: 600 }),
          )
          .map(([head, tail]) => Buffer.concat([head, tail])),
      },
    );
    fc.assert(
      fc.property(input, (bytes) => {
        outcomes[checkOne(bytes)]++;
      }),
      { numRuns: 12_000, seed: 20_240_501 },
    );
    // The corpus exercises both paths: plenty of inputs still read as cards, plenty are refused.
    expect(outcomes.card + outcomes.book + outcomes.error).toBe(12_000);
    expect(outcomes.card).toBeGreaterThan(200);
    expect(outcomes.error).toBeGreaterThan(500);
  }, 120_000);
});
