import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_ENUM_RANGE, toGrammarJsonSchema, UnsupportedSchemaError } from "../../src/llm/json-schema-grammar.ts";

const ANY = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    { type: "array" },
  ],
};

describe("toGrammarJsonSchema", () => {
  it("turns anyOf into oneOf and drops type beside const", () => {
    expect(toGrammarJsonSchema({ anyOf: [{ type: "string", const: "a" }, { type: "number" }] })).toEqual({
      oneOf: [{ const: "a" }, { type: "number" }],
    });
  });

  it("keeps only the literal members of an enum and drops its type", () => {
    expect(toGrammarJsonSchema({ type: "string", enum: ["x", "y"] })).toEqual({ enum: ["x", "y"] });
    expect(toGrammarJsonSchema({ enum: ["x", { a: 1 }, null] })).toEqual({ enum: ["x", null] });
  });

  it("writes bounded integers as enums, honouring exclusive bounds and multipleOf", () => {
    expect(toGrammarJsonSchema({ type: "integer", minimum: 1, maximum: 5 })).toEqual({ enum: [1, 2, 3, 4, 5] });
    expect(toGrammarJsonSchema({ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 4 })).toEqual({
      enum: [1, 2, 3],
    });
    // Draft-4 boolean exclusivity.
    expect(toGrammarJsonSchema({ type: "integer", minimum: 0, exclusiveMinimum: true, maximum: 2 })).toEqual({
      enum: [1, 2],
    });
    expect(toGrammarJsonSchema({ type: "integer", minimum: 0, maximum: 20, multipleOf: 5 })).toEqual({
      enum: [0, 5, 10, 15, 20],
    });
    expect(toGrammarJsonSchema({ type: "integer", minimum: 0.5, maximum: 2.5 })).toEqual({ enum: [1, 2] });
  });

  it("keeps only the sign of half-bounded and very wide integer ranges, and leaves empty ones for validation", () => {
    const positive = { enum: ["__troupe_number_rule__positive-integer__"] };
    expect(toGrammarJsonSchema({ type: "integer", minimum: 1 })).toEqual(positive);
    expect(toGrammarJsonSchema({ type: "integer", minimum: -4 })).toEqual({ type: "integer" });
    expect(toGrammarJsonSchema({ type: "integer", minimum: 3, maximum: 2 })).toEqual({ type: "integer" });
    expect(toGrammarJsonSchema({ type: "integer", minimum: 0, maximum: MAX_ENUM_RANGE })).toEqual({
      enum: ["__troupe_number_rule__non-negative-integer__"],
    });
    expect(toGrammarJsonSchema({ type: "integer", minimum: 1, maximum: MAX_ENUM_RANGE })).toHaveProperty("enum");
    expect(toGrammarJsonSchema({ type: "integer", minimum: 1, maximum: MAX_ENUM_RANGE + 1 })).toEqual(positive);
  });

  it("enumerates a bounded number only when it lies on a multipleOf grid", () => {
    expect(toGrammarJsonSchema({ type: "number", minimum: 0, maximum: 1, multipleOf: 0.25 })).toEqual({
      enum: [0, 0.25, 0.5, 0.75, 1],
    });
    expect(toGrammarJsonSchema({ type: "number", minimum: 0, maximum: 0.3, multipleOf: 0.1 })).toEqual({
      enum: [0, 0.1, 0.2, 0.3],
    });
    // Off a grid, [0, 1] is a number rule of its own (see local-number-bounds.test.ts).
    expect(toGrammarJsonSchema({ type: "number", minimum: 0, maximum: 1 })).toEqual({
      enum: ["__troupe_number_rule__unit-interval__"],
    });
    expect(toGrammarJsonSchema({ type: "number", minimum: -1, maximum: 1 })).toEqual({ type: "number" });
  });

  it("strips keywords the grammar cannot use and keeps the ones it can", () => {
    expect(
      toGrammarJsonSchema({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: "T",
        type: "string",
        minLength: 1,
        maxLength: 9,
        pattern: "^a",
        default: "a",
      }),
    ).toEqual({ type: "string", minLength: 1, maxLength: 9 });
    expect(toGrammarJsonSchema({ type: "string", format: "email" })).toEqual({ type: "string" });
    expect(toGrammarJsonSchema({ type: "string", format: "date-time" })).toEqual({
      type: "string",
      format: "date-time",
    });
    expect(toGrammarJsonSchema({ type: "boolean", description: "yes or no" })).toEqual({
      type: "boolean",
      description: "yes or no",
    });
  });

  it("converts objects: listed properties only, open objects for property-less schemas", () => {
    expect(
      toGrammarJsonSchema({
        type: "object",
        properties: { a: { type: "integer", minimum: 0, maximum: 2 }, b: { type: "string" } },
        required: ["a", "zzz"],
        additionalProperties: { type: "string" },
        patternProperties: { "^x": { type: "number" } },
      }),
    ).toEqual({ type: "object", properties: { a: { enum: [0, 1, 2] }, b: { type: "string" } }, required: ["a"] });
    expect(toGrammarJsonSchema({ type: "object" })).toEqual({ type: "object", additionalProperties: true });
    expect(toGrammarJsonSchema({ type: "object", additionalProperties: false })).toEqual({ type: "object" });
    expect(
      toGrammarJsonSchema({ type: "object", additionalProperties: { type: "integer" }, maxProperties: 3 }),
    ).toEqual({ type: "object", additionalProperties: { type: "integer" }, maxProperties: 3 });
  });

  it("converts arrays, including the draft-4 tuple form", () => {
    expect(
      toGrammarJsonSchema({ type: "array", items: { type: "string" }, minItems: 1, maxItems: 3, uniqueItems: true }),
    ).toEqual({
      type: "array",
      items: { type: "string" },
      minItems: 1,
      maxItems: 3,
    });
    expect(toGrammarJsonSchema({ type: "array", prefixItems: [{ type: "string" }], items: false })).toEqual({
      type: "array",
      prefixItems: [{ type: "string" }],
      maxItems: 1,
    });
    expect(
      toGrammarJsonSchema({ type: "array", items: [{ type: "number" }], additionalItems: { type: "null" } }),
    ).toEqual({
      type: "array",
      prefixItems: [{ type: "number" }],
      items: { type: "null" },
    });
  });

  it("splits type lists into oneOf and infers a missing type from keywords", () => {
    expect(toGrammarJsonSchema({ type: ["string", "null"], maxLength: 4 })).toEqual({
      oneOf: [{ type: "string", maxLength: 4 }, { type: "null" }],
    });
    expect(toGrammarJsonSchema({ properties: { a: { type: "null" } } })).toEqual({
      type: "object",
      properties: { a: { type: "null" } },
    });
    expect(toGrammarJsonSchema({ items: { type: "boolean" } })).toEqual({ type: "array", items: { type: "boolean" } });
  });

  it("spells out 'any value' for {} and true, which node-llama-cpp would read as null", () => {
    expect(toGrammarJsonSchema({})).toEqual(ANY);
    expect(toGrammarJsonSchema(true)).toEqual(ANY);
    expect(toGrammarJsonSchema({ type: "object", properties: { payload: {} } })).toEqual({
      type: "object",
      properties: { payload: ANY },
    });
  });

  it("folds sibling keywords into each anyOf alternative and merges allOf", () => {
    expect(toGrammarJsonSchema({ type: "integer", minimum: 0, anyOf: [{ maximum: 1 }, { const: 7 }] })).toEqual({
      oneOf: [{ enum: [0, 1] }, { const: 7 }],
    });
    expect(
      toGrammarJsonSchema({
        allOf: [
          { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
          { properties: { b: { type: "number" } }, required: ["b"] },
        ],
      }),
    ).toEqual({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a", "b"] });
  });

  it("hoists $defs and definitions to the root and rewrites references", () => {
    expect(
      toGrammarJsonSchema({
        type: "object",
        properties: { a: { $ref: "#/$defs/A" }, b: { $ref: "#/definitions/B" }, c: { $ref: "other.json#/x" } },
        $defs: { A: { anyOf: [{ type: "string" }, { type: "null" }] } },
        definitions: { B: { type: "integer", minimum: 1, maximum: 2 } },
      }),
    ).toEqual({
      type: "object",
      properties: { a: { $ref: "#/$defs/A" }, b: { $ref: "#/$defs/B" }, c: ANY },
      $defs: { A: { oneOf: [{ type: "string" }, { type: "null" }] }, B: { enum: [1, 2] } },
    });
    // A root that cannot carry $defs itself is wrapped.
    expect(toGrammarJsonSchema({ $ref: "#/$defs/S", $defs: { S: { type: "string" } } })).toEqual({
      $ref: "#/$defs/S",
      $defs: { S: { type: "string" } },
    });
    expect(toGrammarJsonSchema({ type: "string", $defs: { S: { type: "string" } } })).toEqual({
      oneOf: [{ type: "string" }],
      $defs: { S: { type: "string" } },
    });
  });

  it("turns a self-reference to the root ($ref: '#', as zod emits for recursive types) into a definition", () => {
    const Node: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const grammar = toGrammarJsonSchema(z.toJSONSchema(Node) as Record<string, unknown>);
    expect(grammar).toEqual({
      $ref: "#/$defs/__root",
      $defs: {
        __root: {
          type: "object",
          properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/__root" } } },
          required: ["name", "children"],
        },
      },
    });
  });

  it("converts a typical zod-generated schema", () => {
    const schema = z.toJSONSchema(
      z.object({
        score: z.number().int().min(1).max(5),
        mood: z.enum(["calm", "angry"]),
        either: z.union([z.string(), z.number()]),
        kind: z.literal("k"),
        note: z.string().optional(),
      }),
    ) as Record<string, unknown>;
    expect(toGrammarJsonSchema(schema)).toEqual({
      type: "object",
      properties: {
        score: { enum: [1, 2, 3, 4, 5] },
        mood: { enum: ["calm", "angry"] },
        either: { oneOf: [{ type: "string" }, { type: "number" }] },
        kind: { const: "k" },
        note: { type: "string" },
      },
      required: ["score", "mood", "either", "kind"],
    });
  });

  it("rejects the schema false, which no value satisfies, and does not mutate its input", () => {
    expect(() => toGrammarJsonSchema(false)).toThrow(UnsupportedSchemaError);
    expect(() => toGrammarJsonSchema({ type: "object", properties: { a: false } })).toThrow(UnsupportedSchemaError);
    const input = { type: "object", properties: { a: { anyOf: [{ type: "string" }] } }, $defs: { X: {} } };
    const copy = structuredClone(input);
    toGrammarJsonSchema(input);
    expect(input).toEqual(copy);
  });

  it("enumerates exactly the integers the original bounds accept (property)", () => {
    const bound = fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined });
    fc.assert(
      fc.property(
        bound,
        bound,
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
        (lo, hi, exLo, exHi, step) => {
          const schema: Record<string, unknown> = { type: "integer" };
          if (lo !== undefined) schema[exLo ? "exclusiveMinimum" : "minimum"] = lo;
          if (hi !== undefined) schema[exHi ? "exclusiveMaximum" : "maximum"] = hi;
          if (step !== undefined) schema["multipleOf"] = step;
          const grammar = toGrammarJsonSchema(schema);
          const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
          const accepted: number[] = [];
          for (let v = -60; v <= 60; v++) if (validator.safeParse(v).success) accepted.push(v);
          const members = (grammar["enum"] ?? []) as unknown[];
          if (!("enum" in grammar) || typeof members[0] === "string") {
            // Only an unbounded side or an empty range may stay a plain integer or a sign rule…
            expect(lo === undefined || hi === undefined || accepted.length === 0).toBe(true);
            // …and a sign rule admits every accepted value.
            const rule = typeof members[0] === "string" ? members[0] : "";
            if (rule.includes("non-negative")) expect(accepted.every((v) => v >= 0)).toBe(true);
            else if (rule.includes("positive-integer") && !rule.includes("non-"))
              expect(accepted.every((v) => v >= 1)).toBe(true);
            if (rule.includes("non-positive")) expect(accepted.every((v) => v <= 0)).toBe(true);
            else if (rule.includes("negative-integer") && !rule.includes("non-"))
              expect(accepted.every((v) => v <= -1)).toBe(true);
            return;
          }
          const values = grammar["enum"] as number[];
          for (const v of values) expect(validator.safeParse(v).success).toBe(true);
          for (let v = -60; v <= 60; v++) expect(values.includes(v)).toBe(validator.safeParse(v).success);
        },
      ),
      { numRuns: 300 },
    );
  });
});
