// Decoding OpenAI request bodies into the gateway's request: roles, content parts, sampling, extras, retry count.
import { describe, expect, it } from "vitest";
import { openaiChatRequest, retryCountOf, toGatewayRequest } from "../../../src/server/openai/index.ts";

const decode = (body: unknown, headers = {}) => toGatewayRequest(openaiChatRequest.parse(body), headers);

describe("toGatewayRequest", () => {
  it("folds developer into system, tool results into named user text, and joins text parts", () => {
    const request = decode({
      model: "m",
      messages: [
        { role: "developer", content: "Be Mira." },
        { role: "assistant", content: null, tool_calls: [{ id: "c1" }] },
        { role: "tool", content: "42", tool_call_id: "c1" },
        {
          role: "user",
          name: "Ash",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "system", content: "Be Mira." },
      { role: "assistant", content: "" },
      { role: "user", content: "42", name: "tool" },
      { role: "user", content: "a\nb", name: "Ash" },
    ]);
    expect(request).toMatchObject({ n: 1, api: "openai", sampling: {}, extra: {} });
  });

  it("maps sampling (max_completion_tokens over max_tokens, stop as a list) and keeps unknown keys in extra", () => {
    const request = decode({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      n: 3,
      max_tokens: 10,
      max_completion_tokens: 20,
      stop: "\n\n",
      seed: 7,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      stream: true,
      stream_options: { include_usage: true },
      top_k: 40,
      min_p: 0.05,
      logit_bias: null,
      safety_identifier: "hash-1",
    });
    expect(request.n).toBe(3);
    expect(request.sampling).toEqual({
      maxTokens: 20,
      stop: ["\n\n"],
      seed: 7,
      topP: 0.9,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    });
    expect(request.extra).toEqual({ top_k: 40, min_p: 0.05 });
    expect(request.endUser).toBe("hash-1");
  });

  it("reads the client's retry counter only when it is a whole number", () => {
    expect(retryCountOf({ "x-stainless-retry-count": "2" })).toBe(2);
    expect(retryCountOf({ "x-stainless-retry-count": "x" })).toBeUndefined();
    expect(retryCountOf({})).toBeUndefined();
    expect(
      decode({ model: "m", messages: [{ role: "user", content: "hi" }] }, { "x-stainless-retry-count": "1" }),
    ).toMatchObject({ retryCount: 1 });
  });

  it("rejects what troupe cannot serve: too many choices, empty messages, non-text parts", () => {
    expect(openaiChatRequest.safeParse({ model: "m", messages: [], n: 1 }).success).toBe(false);
    expect(openaiChatRequest.safeParse({ model: "m", messages: [{ role: "user", content: "x" }], n: 99 }).success).toBe(
      false,
    );
    const image = { role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] };
    expect(openaiChatRequest.safeParse({ model: "m", messages: [image] }).success).toBe(false);
  });
});
