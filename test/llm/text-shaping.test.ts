import { describe, expect, it } from "vitest";
import { createThinkFilter, extractJson, foldRoleplayRoles, parseRetryAfter, stripThink } from "../../src/llm/index.ts";

const headers = (h: Record<string, string>) => new Headers(h);

describe("stripThink", () => {
  it("removes closed, unclosed and orphan-closed reasoning blocks", () => {
    expect(stripThink("<think>plan</think>\n\nHello")).toBe("Hello");
    expect(stripThink("A<think>x</think>B<think>y</think>C")).toBe("ABC");
    expect(stripThink("<think>cut off by the limit")).toBe("");
    expect(stripThink("reasoning the template opened</think> Answer")).toBe("Answer");
    expect(stripThink("no tags at all")).toBe("no tags at all");
  });

  it("filters a stream without ever taking back emitted text", () => {
    const pieces = ["<thi", "nk>secret", " plan</th", "ink>\n", "Hel", "lo <", "b>"];
    const filter = createThinkFilter();
    const out = pieces.map((p) => filter.push(p)).join("") + filter.flush();
    expect(out).toBe("Hello <b>");
    expect(out).toBe(stripThink(pieces.join("")));
  });
});

describe("foldRoleplayRoles", () => {
  it("folds MiniMax roles into the first system message, in order, keeping names", () => {
    const folded = foldRoleplayRoles([
      { role: "system", content: "You are Mira.", name: "Mira" },
      { role: "user_system", content: "A tired courier.", name: "Kai" },
      { role: "group", content: "Harbour at night" },
      { role: "sample_message_user", content: "Got a light?" },
      { role: "sample_message_ai", content: "Only lanterns.", name: "Mira" },
      { role: "user", content: "Hi" },
    ]);
    expect(folded.map((m) => m.role)).toEqual(["system", "user"]);
    expect(folded[0]?.name).toBe("Mira");
    expect(folded[0]?.content).toBe(
      "You are Mira.\n\nThe user's persona (Kai): A tired courier.\n\nScene: Harbour at night\n\n" +
        "Example dialogue (a style reference, not part of the conversation):\nUser: Got a light?\nMira: Only lanterns.",
    );
  });

  it("creates a system message when there is none and leaves plain conversations alone", () => {
    expect(
      foldRoleplayRoles([
        { role: "group", content: "Tavern" },
        { role: "user", content: "x" },
      ]),
    ).toEqual([
      { role: "system", content: "Scene: Tavern" },
      { role: "user", content: "x" },
    ]);
    const plain = [{ role: "user" as const, content: "x" }];
    expect(foldRoleplayRoles(plain)).toEqual(plain);
  });
});

describe("parseRetryAfter", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(parseRetryAfter(headers({ "retry-after": "3" }))).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    expect(parseRetryAfter(headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(headers({}))).toBeUndefined();
  });
});

describe("extractJson", () => {
  it("reads JSON out of fences, prose and reasoning", () => {
    expect(extractJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('<think>hmm</think>```json\n{"a":2}\n```')).toEqual({ ok: true, value: { a: 2 } });
    expect(extractJson('Sure! Here it is: {"a":[3]} Hope that helps.')).toEqual({ ok: true, value: { a: [3] } });
    expect(extractJson("[1,2]")).toEqual({ ok: true, value: [1, 2] });
    const bad = extractJson('{"a":1,}');
    expect(bad.ok).toBe(false);
    expect(extractJson("").ok).toBe(false);
  });
});
