import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import {
  buildNode,
  checkInvariants,
  foreignSpeakerLines,
  userAgencyBreaches,
  userAgencyPatterns,
  type WorldNode,
  WorldSetupSchema,
} from "../../src/world/index.ts";
import { memoryWorld } from "./world-helpers.ts";

/** Check one generated reply by Mara against the invariants of a world whose user is `userName`. */
function violationsFor(userName: string, text: string) {
  const { ledger, p } = memoryWorld();
  const setup = WorldSetupSchema.parse({ name: "w", userName, cast: [{ name: "Mara" }] });
  const node: WorldNode = buildNode(
    ledger,
    { speaker: "Mara", text, events: [] },
    ledger.get(p.head as string) ?? null,
    "main",
    {
      id: "t1",
      now: 0,
      startTime: 0,
    },
  );
  return checkInvariants(p, setup, node, { generated: true });
}

describe("user agency with any user name (issue 12.4)", () => {
  it("finds a name with a space: the check is on for Mary Jane", () => {
    expect(userAgencyBreaches("She waits. Mary Jane nods and follows.", "Mary Jane")).toEqual(["Mary Jane nods"]);
    expect(userAgencyBreaches("She waits.\nMary Jane: Sure!", "Mary Jane")).toEqual(["Mary Jane:"]);
    expect(userAgencyBreaches("She looks at Mary Jane and smiles.", "Mary Jane")).toEqual([]);
    expect(violationsFor("Mary Jane", "Mary Jane nods.").map((v) => v.code)).toEqual(["user_agency"]);
  });

  it("finds a Chinese name, with a half- or full-width colon and with no space before it", () => {
    expect(userAgencyBreaches("她笑了。\n李明：好的。", "李明")).toEqual(["李明："]);
    expect(userAgencyBreaches("她笑了。\n李明: 好的。", "李明")).toEqual(["李明:"]);
    expect(userAgencyBreaches("她看着李明 nods.", "李明")).toEqual(["李明 nods"]);
    expect(userAgencyBreaches("她看着李明，笑了。", "李明")).toEqual([]);
    expect(violationsFor("李明", "她笑了。\n李明：好的。").map((v) => v.code)).toEqual(["user_agency"]);
  });

  it("takes a name full of regex syntax literally: C++ neither throws nor matches CCC", () => {
    expect(userAgencyBreaches("C++ nods.", "C++")).toEqual(["C++ nods"]);
    expect(userAgencyBreaches("CCC nods.", "C++")).toEqual([]);
    expect(userAgencyBreaches("a nods. (a)", "(a)")).toEqual([]);
    expect(userAgencyBreaches("(a): hi", "(a)")).toEqual(["(a):"]);
    expect(violationsFor("C++", "C++ nods.").map((v) => v.code)).toEqual(["user_agency"]);
    expect(violationsFor("C++", "Mara smiles.")).toEqual([]);
    expect(foreignSpeakerLines("Hi. [x]*: no", "Mara", ["[x]*"])).toEqual(["[x]*:"]);
  });

  it("cannot backtrack: every pattern is RE2 (linear time) and holds the crafted name as a literal", () => {
    // The name that made the escape()-built pattern backtrack for 97 s; with a literal it is just text.
    const crafted = `${"a*".repeat(30)}b`;
    const patterns = userAgencyPatterns(crafted);
    for (const re of patterns) expect(re).toBeInstanceOf(RE2JS);
    // The name patterns (the third is "you …") carry it quoted, so none of its `*` is a quantifier.
    for (const re of patterns.slice(0, 2)) expect(re.pattern()).toContain(RE2JS.quote(crafted));
    expect(userAgencyBreaches(`${"a".repeat(40)} nods`, crafted)).toEqual([]);
    expect(userAgencyBreaches(`${crafted} nods`, crafted)).toEqual([`${crafted} nods`]);
  });

  it("matches any name it is given, literally, without throwing", () => {
    const name = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
      .map((s) => s.replace(/[\s:：]/gu, ""))
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(name, (n) => {
        expect(userAgencyBreaches(`${n}: hello`, n)).toEqual([`${n}:`]);
        expect(userAgencyBreaches("She smiles.", n === "She" ? "Someone" : n)).toEqual([]);
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});
