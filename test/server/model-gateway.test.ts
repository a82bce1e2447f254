import { describe, expect, it } from "vitest";
import { coalesce } from "../../src/server/model-gateway.ts";
import { choosePolicy } from "../../src/server/policy-split.ts";

describe("coalesce", () => {
  it("merges runs of one choice's deltas and keeps every other event in place", () => {
    expect(
      coalesce([
        { type: "delta", choice: 0, text: "a" },
        { type: "delta", choice: 0, text: "b" },
        { type: "delta", choice: 1, text: "x" },
        { type: "delta", choice: 0, text: "c" },
        { type: "finish", choice: 0, reason: "stop" },
        { type: "delta", choice: 1, text: "y" },
        { type: "delta", choice: 1, text: "z" },
      ]),
    ).toEqual([
      { type: "delta", choice: 0, text: "ab" },
      { type: "delta", choice: 1, text: "x" },
      { type: "delta", choice: 0, text: "c" },
      { type: "finish", choice: 0, reason: "stop" },
      { type: "delta", choice: 1, text: "yz" },
    ]);
  });
});

describe("choosePolicy", () => {
  const arms = [
    { id: "a", model: "m", weight: 2 },
    { id: "off", model: "m", weight: 0 },
    { id: "b", model: "m", weight: 6 },
  ];

  it("gives a user the same arm every time, with the arm's share as its propensity", () => {
    const first = choosePolicy(arms, "user-1", "companion");
    for (let i = 0; i < 5; i++) expect(choosePolicy(arms, "user-1", "companion")).toEqual(first);
    expect(first.propensity).toBe(first.arm.id === "a" ? 0.25 : 0.75);
  });

  it("never picks a zero-weight arm, and splits users by weight", () => {
    const counts: Record<string, number> = { a: 0, b: 0, off: 0 };
    for (let u = 0; u < 8000; u++) counts[choosePolicy(arms, `u${u}`, "companion").arm.id]! += 1;
    expect(counts["off"]).toBe(0);
    expect((counts["a"] as number) / 8000).toBeGreaterThan(0.22);
    expect((counts["a"] as number) / 8000).toBeLessThan(0.28);
  });

  it("splits differently per served name (the salt), so arms of two names are independent", () => {
    let same = 0;
    const two = [
      { id: "x", model: "m", weight: 1 },
      { id: "y", model: "m", weight: 1 },
    ];
    for (let u = 0; u < 2000; u++)
      if (choosePolicy(two, `u${u}`, "one").arm.id === choosePolicy(two, `u${u}`, "two").arm.id) same++;
    expect(same / 2000).toBeGreaterThan(0.45);
    expect(same / 2000).toBeLessThan(0.55);
  });

  it("refuses a served name with no live arm", () => {
    expect(() => choosePolicy([{ id: "off", model: "m", weight: 0 }], "u")).toThrow(/positive weight/);
  });
});
