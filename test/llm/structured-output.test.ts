import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createFakeModel, generateObject, LlmError, responseFormatFor } from "../../src/llm/index.ts";

const Verdict = z.strictObject({
  score: z.number().int().min(1).max(5),
  flags: z.array(z.enum(["ooc", "repetition", "speaks_for_user"])),
  note: z.string().optional(),
});
const ask = {
  messages: [
    { role: "system" as const, content: "You are a judge." },
    { role: "user" as const, content: "Rate it." },
  ],
};

describe("generateObject", () => {
  it("sends the schema as response_format and in the prompt, and returns the typed object", async () => {
    const model = createFakeModel({ script: { default: ['```json\n{"score": 4, "flags": ["ooc"]}\n```'] } });
    const { object, attempts, result } = await generateObject(model, ask, Verdict, { name: "verdict", role: "judge" });
    expect(object).toEqual({ score: 4, flags: ["ooc"] });
    expect(attempts).toBe(1);
    expect(result.text).toContain("score");
    const sent = model.calls[0]?.request;
    expect(sent?.responseFormat).toEqual(responseFormatFor(Verdict, "verdict"));
    expect(sent?.responseFormat?.schema).toMatchObject({ type: "object", required: ["score", "flags"] });
    expect(sent?.responseFormat?.schema).not.toHaveProperty("$schema");
    expect(sent?.messages[0]?.content).toMatch(/^You are a judge\.\n\nAnswer with only a JSON value/);
    expect(model.calls[0]?.role).toBe("judge");
  });

  it("repairs once, telling the model exactly what was wrong", async () => {
    const model = createFakeModel({
      script: { default: ['{"score": 9, "flags": ["ooc"]}', '{"score": 5, "flags": []}'] },
    });
    const { object, attempts, result } = await generateObject(model, ask, Verdict);
    expect(object).toEqual({ score: 5, flags: [] });
    expect(attempts).toBe(2);
    const repair = model.calls[1]?.request.messages ?? [];
    expect(repair.at(-2)).toEqual({ role: "assistant", content: '{"score": 9, "flags": ["ooc"]}' });
    expect(repair.at(-1)?.role).toBe("user");
    expect(repair.at(-1)?.content).toMatch(/score: Too big: expected number to be <=5/);
    // Usage covers both attempts.
    expect(result.usage.completionTokens).toBe(Math.ceil(30 / 4) + Math.ceil(25 / 4));
  });

  it("fails with a typed invalid_output error after the repair also fails", async () => {
    const model = createFakeModel({ script: { default: ["I think it is a 4.", '{"score": "four"}'] } });
    const error = (await generateObject(model, ask, Verdict).catch((e) => e)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.kind).toBe("invalid_output");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/score: Invalid input: expected number/);
    expect(error.details).toMatchObject({ attempts: 2, text: '{"score": "four"}' });
    expect(model.calls[1]?.request.messages.at(-1)?.content).toMatch(/not valid JSON/);
  });

  it("says when the answer was cut at the token limit", async () => {
    const model = createFakeModel({
      script: { default: [{ text: '{"score": 4, "fla', finishReason: "length" }, '{"score":4,"flags":[]}'] },
    });
    await generateObject(model, ask, Verdict);
    expect(model.calls[1]?.request.messages.at(-1)?.content).toMatch(/cut off at the token limit/);
  });

  it("can leave the prompt alone and skip repairs", async () => {
    const model = createFakeModel({ script: { default: ["nope"] } });
    await expect(generateObject(model, ask, Verdict, { instruct: false, repairs: 0 })).rejects.toMatchObject({
      kind: "invalid_output",
    });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.request.messages).toEqual(ask.messages);
  });
});

describe("generateObject with a provider that validates its own output", () => {
  it("treats the provider's invalid_output as a failed attempt and repairs", async () => {
    const model = createFakeModel({
      script: {
        default: [
          new LlmError("invalid_output", 'The answer does not match schema "output": score: Too big.', {
            details: { text: '{"score": 9, "flags": []}' },
          }),
          '{"score": 3, "flags": []}',
        ],
      },
    });
    const { object, attempts } = await generateObject(model, ask, Verdict);
    expect(object).toEqual({ score: 3, flags: [] });
    expect(attempts).toBe(2);
    expect(model.calls[1]?.request.messages.at(-2)).toEqual({
      role: "assistant",
      content: '{"score": 9, "flags": []}',
    });
    expect(model.calls[1]?.request.messages.at(-1)?.content).toMatch(/score: Too big/);
  });
});
