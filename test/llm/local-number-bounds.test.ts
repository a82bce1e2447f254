import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyNumberRules,
  type GrammarJsonSchema,
  NUMBER_RULES,
  toGrammarJsonSchema,
} from "../../src/llm/json-schema-grammar.ts";
import { acquireLocalModel, disposeLocalModels, type LocalModelLease } from "../../src/llm/providers/local-runtime.ts";
import { prepareStructuredOutput } from "../../src/llm/providers/local-structured-output.ts";

const MODEL_PATH = resolve(import.meta.dirname, "../../../shared/models/stories260K.gguf");

// Bounds `troupe models test` and the judge use: a count, a confidence in [0, 1], and a value that must be ≤ 0.
const BOUNDED = {
  type: "object",
  properties: {
    count: { type: "integer", minimum: 0 },
    confidence: { type: "number", minimum: 0, maximum: 1 },
    debt: { type: "number", maximum: 0 },
  },
  required: ["count", "confidence", "debt"],
};
// What the grammar was before numeric bounds were encoded: node-llama-cpp's plain number rules.
const UNBOUNDED = {
  type: "object",
  properties: { count: { type: "integer" }, confidence: { type: "number" }, debt: { type: "number" } },
  required: ["count", "confidence", "debt"],
};

let lease: LocalModelLease;
beforeAll(async () => {
  lease = await acquireLocalModel({ modelPath: MODEL_PATH, threads: 1, parallel: 1 });
});
afterAll(async () => {
  await lease.release();
  await disposeLocalModels();
});

/** Sample the tiny model under a grammar at temperature 1, one fixed seed per sample. */
async function samples(schema: GrammarJsonSchema, seeds: number[]): Promise<Array<Record<string, number>>> {
  const { mod, pool } = lease.runtime;
  const grammar = await lease.runtime.grammar(schema);
  const sequence = await pool.acquire();
  try {
    const completion = new mod.LlamaCompletion({ contextSequence: sequence });
    const out: Array<Record<string, number>> = [];
    for (const seed of seeds) {
      out.push(
        JSON.parse(
          await completion.generateCompletion("Once upon a time", { grammar, temperature: 1, seed, maxTokens: 200 }),
        ),
      );
      await sequence.clearHistory();
    }
    return out;
  } finally {
    pool.release(sequence);
  }
}

describe("numeric bounds in the local grammar", () => {
  it("encodes a bound's sign, and the unit interval, as number rules the dialect cannot say", () => {
    const grammar = toGrammarJsonSchema(BOUNDED) as { properties: Record<string, { enum: string[] }> };
    const rule = (name: string) => grammar.properties[name]?.enum[0];
    expect(rule("count")).toBe("__troupe_number_rule__non-negative-integer__");
    expect(rule("confidence")).toBe("__troupe_number_rule__unit-interval__");
    expect(rule("debt")).toBe("__troupe_number_rule__non-positive-number__");
    expect(toGrammarJsonSchema({ type: "integer", exclusiveMinimum: 0 })).toEqual({
      enum: ["__troupe_number_rule__positive-integer__"],
    });
    expect(toGrammarJsonSchema({ type: "integer", maximum: -1 })).toEqual({
      enum: ["__troupe_number_rule__negative-integer__"],
    });
    // Small ranges stay exact enums; bounds that say nothing about the sign stay plain numbers.
    expect(toGrammarJsonSchema({ type: "integer", minimum: 1, maximum: 3 })).toEqual({ enum: [1, 2, 3] });
    expect(toGrammarJsonSchema({ type: "number", minimum: -5, maximum: 5 })).toEqual({ type: "number" });
  });

  it("patches the compiled GBNF: the placeholder literal becomes the rule, anything else is left alone", () => {
    const gbnf =
      'root ::= "{" val0 "}"\nval0 ::= "\\"__troupe_number_rule__non-negative-integer__\\""\nval1 ::= "\\"x\\""';
    expect(applyNumberRules(gbnf)).toBe(
      `root ::= "{" val0 "}"\nval0 ::= (${NUMBER_RULES["non-negative-integer"]})\nval1 ::= "\\"x\\""`,
    );
    expect(NUMBER_RULES["non-negative-integer"]).not.toContain('"-"');
    expect(applyNumberRules('a ::= "\\"__troupe_number_rule__unknown__\\""')).toBe(
      'a ::= "\\"__troupe_number_rule__unknown__\\""',
    );
  });

  it("never lets stories260K emit a value outside the sign or [0, 1] the schema allows (it does without them)", async () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const before = await samples(UNBOUNDED, seeds);
    // Left to node-llama-cpp's own number rules, this tiny model writes negative counts and confidences.
    expect(before.some((v) => (v["count"] as number) < 0 || (v["confidence"] as number) < 0)).toBe(true);
    for (const value of await samples(toGrammarJsonSchema(BOUNDED), seeds)) {
      expect(Number.isInteger(value["count"])).toBe(true);
      expect(value["count"]).toBeGreaterThanOrEqual(0);
      expect(value["confidence"]).toBeGreaterThanOrEqual(0);
      expect(value["confidence"]).toBeLessThanOrEqual(1);
      expect(value["debt"]).toBeLessThanOrEqual(0);
    }
  });

  it("rejects after generation what the grammar cannot hold (an upper bound on a wide range)", () => {
    const prepared = prepareStructuredOutput(
      {
        type: "json_schema",
        name: "tally",
        schema: { type: "object", properties: { n: { type: "integer", minimum: 0, maximum: 5000 } }, required: ["n"] },
      },
      "local:test",
    );
    // 0..5000 is too wide for an enum: the grammar keeps the sign only, and validation holds the maximum.
    expect(prepared.grammarSchema).toMatchObject({
      properties: { n: { enum: ["__troupe_number_rule__non-negative-integer__"] } },
    });
    expect(prepared.check('{"n": 42}', "stop")).toEqual({ n: 42 });
    expect(() => prepared.check('{"n": 7000}', "stop")).toThrow(/does not match schema "tally": n: Too big/);
    expect(() => prepared.check('{"n": -1}', "stop")).toThrow(/n: Too small/);
  });
});
