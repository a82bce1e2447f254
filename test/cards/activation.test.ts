import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import {
  activateLore,
  compileLore,
  createLorebook,
  createLoreEntry,
  emptyLoreState,
  type LoreEntry,
  type LoreScanInput,
} from "../../src/cards/index.ts";

let nextId = 0;
function entry(
  keys: string[],
  content: string,
  fields: Partial<LoreEntry> = {},
  ext: Record<string, unknown> = {},
): LoreEntry {
  // The comment doubles as the title in decisions, so tests can find entries by their content.
  return createLoreEntry({ id: nextId++, keys, content, comment: content, ...fields, extensions: ext });
}
function book(...entries: LoreEntry[]) {
  return createLorebook({ name: "b", entries });
}
const run = (b: ReturnType<typeof book>, messages: LoreScanInput["messages"], extra: Partial<LoreScanInput> = {}) =>
  activateLore(b, { messages, seed: 1, ...extra });
const titles = (r: ReturnType<typeof run>) => r.activated.map((a) => a.content);
const codeOf = (r: ReturnType<typeof run>, content: string) =>
  r.decisions.find((d) => r.activated.every((a) => a.uid !== d.uid) && d.title === content)?.code;

describe("keys", () => {
  it("matches a primary key as a case-insensitive substring by default, and explains where", () => {
    const r = run(book(entry(["dragon"], "DRAGON LORE")), ["we saw a Dragonfly"]);
    expect(titles(r)).toEqual(["DRAGON LORE"]);
    expect(r.activated[0]?.matches[0]).toMatchObject({
      key: "dragon",
      role: "primary",
      source: "message",
      depth: 0,
      offset: 9,
      text: "dragon",
    });
  });

  it("honours case sensitivity per entry and globally", () => {
    const b = book(entry(["Dragon"], "cs", { case_sensitive: true }), entry(["Dragon"], "ci"));
    expect(titles(run(b, ["a dragon"]))).toEqual(["ci"]);
    const global = compileLore(book(entry(["Dragon"], "x")), { caseSensitive: true });
    expect(activateLore(global, { messages: ["a dragon"], seed: 1 }).activated).toHaveLength(0);
    expect(activateLore(global, { messages: ["a Dragon"], seed: 1 }).activated).toHaveLength(1);
    // SillyTavern's extension field wins over the V3 field.
    const ext = book(entry(["Dragon"], "e", { case_sensitive: true }, { case_sensitive: false }));
    expect(titles(run(ext, ["a dragon"]))).toEqual(["e"]);
  });

  it("matches whole words in English; multi-word keys stay substrings as in SillyTavern", () => {
    const b = book(
      entry(["cat"], "cat", {}, { match_whole_words: true }),
      entry(["dark lord"], "lord", {}, { match_whole_words: true }),
      entry(["caf"], "caf", {}, { match_whole_words: true }),
    );
    expect(titles(run(b, ["a category of dark lords, café"]))).toEqual(["lord"]);
    expect(titles(run(b, ["the cat, sat."])).sort()).toEqual(["cat"]);
  });

  it("matches whole words in Chinese by word segmentation, not by substring", () => {
    const b = compileLore(book(entry(["李明"], "li ming"), entry(["龙"], "dragon")), { matchWholeWords: true });
    const scan = (text: string) => activateLore(b, { messages: [text], seed: 1 }).activated.map((a) => a.content);
    expect(scan("李明天来了")).toEqual([]); // 李|明天|来|了
    expect(scan("李明来了")).toEqual(["li ming"]);
    expect(scan("GPT李明")).toEqual(["li ming"]); // a script change is a boundary
    // Without whole words, Chinese keys are substrings.
    expect(activateLore(book(entry(["李明"], "x")), { messages: ["李明天来了"], seed: 1 }).activated).toHaveLength(1);
  });

  it("supports /regex/flags keys and use_regex entries through RE2", () => {
    const b = book(
      entry(["/dra+gon/i"], "slash"),
      entry(["\\bthe (king|queen)"], "v3", { use_regex: true }),
      entry(["(?=look)ahead"], "invalid", { use_regex: true }),
    );
    const r = run(b, ["The Queen saw a DRAAAGON"]);
    expect(titles(r).sort()).toEqual(["slash", "v3"]);
    expect(r.activated.find((a) => a.content === "slash")?.matches[0]?.text).toBe("DRAAAGON");
    expect(compileLore(b).problems.some((p) => p.includes("(?=look)ahead"))).toBe(true);
  });

  it("prefilters regex keys by a required literal without missing RE2's case folding (ſ folds to s)", () => {
    const b = book(entry(["/sword/i"], "folded"), entry(["/\\bkings?\\b/i"], "king"));
    for (const matcher of ["indexed", "naive"] as const) {
      const lore = compileLore(b, { matcher });
      expect(
        activateLore(lore, { messages: ["a ſword and KINGS"], seed: 1 })
          .activated.map((a) => a.content)
          .sort(),
      ).toEqual(["folded", "king"]);
      expect(activateLore(lore, { messages: ["a spear"], seed: 1 }).activated).toEqual([]);
    }
    expect(compileLore(b).entries.every((e) => !e.hasRegex)).toBe(true); // both are indexed by their literal
  });

  it("does not hang on a catastrophic-backtracking pattern (RE2 is linear time)", () => {
    const evil = book(entry(["/(a+)+$/"], "evil"), entry(["/(x+x+)+y/"], "evil2"), entry(["/(a|aa)+b/"], "evil3"));
    // Linear time comes from the engine, not from a clock: every regex key is compiled by RE2.
    const keys = compileLore(evil).entries.flatMap((e) => e.primary);
    expect(keys.map((k) => (k.kind === "regex" ? k.re : undefined))).toEqual(keys.map(() => expect.any(RE2JS)));
    // A backtracking engine needs ~2^50000 steps here; RE2 finishes (the test's own timeout is the hang guard).
    const r = run(evil, [`${"a".repeat(50_000)}!`, `${"x".repeat(20_000)}`]);
    expect(titles(r)).toEqual([]);
    expect(titles(run(evil, ["aaaa"]))).toEqual(["evil"]);
    expect(titles(run(evil, ["aaab"])).sort()).toEqual(["evil3"]);
  });

  it("substitutes {{char}} and {{user}} in keys", () => {
    const b = compileLore(book(entry(["{{char}}'s sword"], "sword")), { macros: { char: "Aria" } });
    expect(activateLore(b, { messages: ["Aria's sword glows"], seed: 1 }).activated).toHaveLength(1);
  });

  it("ignores empty keys and entries without keys", () => {
    const b = book(entry(["", "  "], "empty"), entry([], "nokeys"));
    const r = run(b, ["anything"]);
    expect(titles(r)).toEqual([]);
    expect(r.decisions).toEqual([]);
    // With the naive matcher every entry is looked at, so a full trace lists why each one did not activate.
    const all = activateLore(compileLore(b, { matcher: "naive" }), { messages: ["anything"], seed: 1, traceAll: true });
    expect(all.decisions.map((d) => d.code)).toEqual(["no_match", "no_keys"]);
  });
});

describe("secondary keys (selectiveLogic)", () => {
  const make = (logic: number) =>
    book(
      entry(
        ["sword"],
        `logic${logic}`,
        { selective: true, secondary_keys: ["fire", "ice"] },
        { selectiveLogic: logic },
      ),
    );
  const cases: Array<[number, string, boolean]> = [
    [0, "sword of fire", true], // AND_ANY
    [0, "sword", false],
    [1, "sword of fire", true], // NOT_ALL: ice is missing
    [1, "sword of fire and ice", false],
    [2, "sword", true], // NOT_ANY
    [2, "sword of ice", false],
    [3, "sword of fire and ice", true], // AND_ALL
    [3, "sword of fire", false],
  ];
  for (const [logic, text, expected] of cases) {
    it(`${["AND_ANY", "NOT_ALL", "NOT_ANY", "AND_ALL"][logic]} on "${text}" → ${expected}`, () => {
      const r = run(make(logic), [text]);
      expect(r.activated.length === 1).toBe(expected);
      if (!expected && text.includes("sword")) expect(r.decisions[0]?.code).toBe("secondary_unsatisfied");
    });
  }

  it("ignores secondary keys when the entry is not selective (V2 semantics)", () => {
    const b = book(entry(["sword"], "s", { selective: false, secondary_keys: ["fire"] }));
    expect(run(b, ["sword"]).activated).toHaveLength(1);
  });
});

describe("scan depth, constants, order and position", () => {
  it("scans only the last N messages (book scan_depth, input override, entry override)", () => {
    const messages = ["old dragon", "x", "y"];
    const b = createLorebook({ scan_depth: 2, entries: [entry(["dragon"], "d")] });
    expect(activateLore(b, { messages, seed: 1 }).activated).toHaveLength(0);
    expect(activateLore(b, { messages, seed: 1, scanDepth: 3 }).activated).toHaveLength(1);
    const own = book(entry(["dragon"], "d", {}, { scan_depth: 3 }));
    expect(run(own, messages).activated).toHaveLength(1);
    const decorated = book(entry(["dragon"], "@@scan_depth 3\nd"));
    expect(run(decorated, messages).activated.map((a) => a.content)).toEqual(["d"]);
    expect(run(book(entry(["dragon"], "d", {}, { scan_depth: 0 })), ["dragon"]).activated).toHaveLength(0);
  });

  it("prefixes named messages with the name (include names), so names can be keys", () => {
    const b = book(entry(["Aria:"], "speaker"));
    expect(run(b, [{ name: "Aria", text: "hello" }]).activated).toHaveLength(1);
    expect(run(b, [{ name: "Aria", text: "hello" }], { includeNames: false }).activated).toHaveLength(0);
  });

  it("activates constant entries without keys and places entries by position and order", () => {
    const b = book(
      entry([], "const", { constant: true, insertion_order: 5 }),
      entry(["x"], "after-50", { insertion_order: 50, position: "after_char" }),
      entry(["x"], "before-200", { insertion_order: 200 }),
      entry(["x"], "before-10", { insertion_order: 10 }),
      entry(["x"], "depth", { insertion_order: 1 }, { position: 4, depth: 2, role: 1 }),
      entry(["x"], "an", {}, { position: 2 }),
      entry(["x"], "outlet", {}, { position: 7, outlet_name: "weather" }),
      entry(["x"], "@@position personality\npers"),
    );
    const r = run(b, ["x"]);
    expect(r.prompt.before).toBe("const\nbefore-10\nbefore-200");
    expect(r.prompt.after).toBe("after-50");
    expect(r.prompt.atDepth).toEqual([{ depth: 2, role: "user", entries: ["depth"] }]);
    expect(r.prompt.anTop).toEqual(["an"]);
    expect(r.prompt.outlets).toEqual({ weather: ["outlet"] });
    expect(r.prompt.personality).toEqual(["pers"]);
    expect(r.activated.find((a) => a.content === "const")?.reason).toBe("constant");
  });
});

describe("budget and priority", () => {
  it("stops at the token budget, keeping higher order (then higher priority) entries, and says why", () => {
    const b = book(
      entry(["x"], "a".repeat(40), { insertion_order: 300 }), // 10 tokens
      entry(["x"], "b".repeat(40), { insertion_order: 200 }),
      entry(["x"], "c".repeat(40), { insertion_order: 100 }),
    );
    const r = run(b, ["x"], { tokenBudget: 25 });
    // Prompt order: lower order first.
    expect(r.activated.map((a) => a.content[0])).toEqual(["b", "a"]);
    expect(r.budget).toEqual({ limit: 25, used: 20, overflowed: true });
    const dropped = r.decisions.find((d) => d.code === "budget_exceeded");
    expect(dropped?.detail).toMatch(/token budget 25 reached \(used 20, entry needs 10\)/);
    const prioritised = book(
      entry(["x"], "a".repeat(40), { insertion_order: 300, priority: 1 }),
      entry(["x"], "b".repeat(40), { insertion_order: 200, priority: 9 }),
    );
    expect(run(prioritised, ["x"], { tokenBudget: 15 }).activated.map((a) => a.content[0])).toEqual(["b"]);
  });

  it("uses the book's token_budget, ignore_budget entries do not count, @@ignore_on_max_context goes last", () => {
    const b = createLorebook({
      token_budget: 15,
      entries: [
        entry(["x"], `@@ignore_on_max_context\n${"a".repeat(40)}`, { insertion_order: 300 }),
        entry(["x"], "b".repeat(40), { insertion_order: 200 }),
        entry(["x"], "c".repeat(400), { insertion_order: 100 }, { ignore_budget: true }),
      ],
    });
    const r = activateLore(b, { messages: ["x"], seed: 1 });
    expect(r.activated.map((a) => a.content[0]).sort()).toEqual(["b", "c"]);
  });

  it("counts tokens with the caller's tokenizer", () => {
    const b = book(entry(["x"], "one two three"), entry(["x"], "four five"));
    const r = run(b, ["x"], { tokenBudget: 4, countTokens: (t) => t.split(" ").length });
    expect(r.activated).toHaveLength(1);
  });
});

describe("recursion", () => {
  const chain = () =>
    book(
      entry(["king"], "The king lives in the castle."),
      entry(["castle"], "The castle has a dungeon."),
      entry(["dungeon"], "A dragon sleeps in the dungeon.", {}, { exclude_recursion: true }),
      entry(["castle"], "prevented", {}, { prevent_recursion: true }),
    );

  it("recurses only when enabled, and explains the loop", () => {
    expect(titles(run(chain(), ["the king"]))).toEqual(["The king lives in the castle."]);
    const r = run(chain(), ["the king"], { recursive: true });
    expect(titles(r).sort()).toEqual(["The castle has a dungeon.", "The king lives in the castle.", "prevented"]);
    const castle = r.activated.find((a) => a.content.startsWith("The castle"));
    expect(castle?.loop).toBe(2);
    expect(castle?.matches[0]).toMatchObject({ source: "recursion", depth: 1 });
    expect(r.decisions.find((d) => d.title === "A dragon sleeps in the dungeon.")?.code).toBe("exclude_recursion");
  });

  it("prevent_recursion content does not trigger others; recursive_scanning false books never recurse", () => {
    const b = book(entry(["a"], "mentions b", {}, { prevent_recursion: true }), entry(["b"], "B"));
    expect(titles(run(b, ["a"], { recursive: true }))).toEqual(["mentions b"]);
    const closed = createLorebook({
      recursive_scanning: false,
      entries: [entry(["a"], "mentions b"), entry(["b"], "B")],
    });
    expect(activateLore([{ book: closed }], { messages: ["a"], seed: 1, recursive: true }).activated).toHaveLength(1);
    const open = createLorebook({ recursive_scanning: true, entries: [entry(["a"], "mentions b"), entry(["b"], "B")] });
    expect(activateLore(open, { messages: ["a"], seed: 1 }).activated).toHaveLength(2);
  });

  it("delays entries until recursion, level by level", () => {
    const b = book(
      entry(["a"], "level0 mentions z"),
      entry(["z"], "level1", {}, { delay_until_recursion: true }),
      entry(["z"], "level2", {}, { delay_until_recursion: 2 }),
    );
    const r = run(b, ["a z"], { recursive: true });
    const byContent = Object.fromEntries(r.activated.map((a) => [a.content, a.loop]));
    // As in SillyTavern: level 1 runs (and recurses) before the scan moves on to level 2.
    expect(byContent).toEqual({ "level0 mentions z": 1, level1: 2, level2: 4 });
    expect(r.decisions.some((d) => d.code === "delay_until_recursion")).toBe(true);
  });

  it("respects maxRecursionSteps", () => {
    const r = run(chain(), ["the king"], { recursive: true, maxRecursionSteps: 1 });
    expect(r.loops).toBe(1);
    expect(r.activated).toHaveLength(1);
  });

  it("widens the scan depth for minimum activations", () => {
    const b = book(entry(["old"], "old"), entry(["older"], "older"));
    const r = run(b, ["older news", "old news", "x", "y"], { minActivations: 2 });
    expect(titles(r).sort()).toEqual(["old", "older"]);
    expect(r.loops).toBeGreaterThan(1);
  });

  it("uses {{hidden_key}} for recursion only, never in the prompt", () => {
    const b = book(entry(["a"], "A{{hidden_key:secret}}"), entry(["secret"], "S"));
    const r = run(b, ["a"], { recursive: true });
    expect(titles(r).sort()).toEqual(["A", "S"]);
  });
});

describe("probability and inclusion groups (seeded)", () => {
  it("rolls probability with the seed: same seed same result, about the right rate", () => {
    const b = book(entry(["x"], "p", {}, { probability: 30, useProbability: true }));
    const results = Array.from(
      { length: 400 },
      (_, seed) => activateLore(b, { messages: ["x"], seed }).activated.length,
    );
    const rate = results.reduce((a, v) => a + v, 0) / results.length;
    expect(rate).toBeGreaterThan(0.22);
    expect(rate).toBeLessThan(0.38);
    expect(activateLore(b, { messages: ["x"], seed: 7 })).toEqual(activateLore(b, { messages: ["x"], seed: 7 }));
    const failed = results.indexOf(0);
    const r = activateLore(b, { messages: ["x"], seed: failed });
    expect(r.decisions[0]).toMatchObject({ outcome: "dropped", code: "probability_failed" });
    expect(r.decisions[0]?.detail).toMatch(/rolled \d+\.\d > probability 30%/);
    // useProbability false (Seraphina's book) never rolls.
    expect(run(book(entry(["x"], "q", {}, { probability: 0, useProbability: false })), ["x"]).activated).toHaveLength(
      1,
    );
  });

  it("keeps one entry per inclusion group, weighted by group_weight", () => {
    const b = book(
      entry(["x"], "heavy", {}, { group: "g", group_weight: 300 }),
      entry(["x"], "light", {}, { group: "g", group_weight: 100 }),
    );
    const wins = { heavy: 0, light: 0 };
    for (let seed = 0; seed < 400; seed++) {
      const r = activateLore(b, { messages: ["x"], seed });
      expect(r.activated).toHaveLength(1);
      wins[r.activated[0]!.content as "heavy" | "light"]++;
    }
    expect(wins.heavy / 400).toBeGreaterThan(0.67);
    expect(wins.heavy / 400).toBeLessThan(0.83);
    const r = activateLore(b, { messages: ["x"], seed: 3 });
    expect(r.decisions.find((d) => d.code === "group_lost")?.detail).toMatch(/lost inclusion group "g" to b\.\d+/);
  });

  it("lets a group_override entry (highest order) win, and group scoring keep the best match", () => {
    const b = book(
      entry(["x"], "low", { insertion_order: 1 }, { group: "g", group_override: true }),
      entry(["x"], "high", { insertion_order: 9 }, { group: "g", group_override: true }),
      entry(["x"], "plain", {}, { group: "g" }),
    );
    expect(titles(run(b, ["x"]))).toEqual(["high"]);
    const scored = book(
      entry(["x"], "one key", {}, { group: "s", use_group_scoring: true }),
      entry(["x", "y"], "two keys", {}, { group: "s", use_group_scoring: true }),
    );
    expect(titles(run(scored, ["x y"]))).toEqual(["two keys"]);
  });

  it("admits no more members of a group active from an earlier loop", () => {
    const b = book(entry(["a"], "first mentions b", {}, { group: "g" }), entry(["b"], "second", {}, { group: "g" }));
    const r = run(b, ["a"], { recursive: true });
    expect(titles(r)).toEqual(["first mentions b"]);
    expect(r.decisions.find((d) => d.code === "group_already_active")).toBeDefined();
  });
});

describe("timed effects (pure: state in, state out)", () => {
  const b = () =>
    book(entry(["x"], "timed", {}, { sticky: 2, cooldown: 2 }), entry(["later"], "delayed", {}, { delay: 3 }));

  it("keeps a sticky entry active, then cools it down, counting chat messages", () => {
    const lore = compileLore(b());
    const first = activateLore(lore, { messages: ["x"], chatLength: 1, seed: 1 });
    expect(first.activated).toHaveLength(1);
    const frozen = JSON.stringify(first.state);
    // Sticky: active for 2 messages even without the key.
    const second = activateLore(lore, { messages: ["nothing"], chatLength: 2, seed: 1, state: first.state });
    expect(second.activated.map((a) => a.reason)).toEqual(["sticky"]);
    expect(JSON.stringify(first.state)).toBe(frozen); // the input state was not modified
    // Sticky ended at 3 → cooldown until 5: the key matches but the entry is held back.
    const third = activateLore(lore, { messages: ["x"], chatLength: 3, seed: 1, state: second.state });
    expect(third.activated).toHaveLength(0);
    expect(third.decisions[0]?.code).toBe("cooldown");
    const fifth = activateLore(lore, { messages: ["x"], chatLength: 5, seed: 1, state: third.state });
    expect(fifth.activated).toHaveLength(1);
  });

  it("drops an unprotected effect when the chat did not advance (swipe)", () => {
    const lore = compileLore(b());
    const first = activateLore(lore, { messages: ["x"], chatLength: 4, seed: 1 });
    const swipe = activateLore(lore, { messages: ["nothing"], chatLength: 4, seed: 1, state: first.state });
    expect(swipe.activated).toHaveLength(0);
    expect(swipe.state.sticky).toEqual({});
  });

  it("holds a delayed entry back until the chat is long enough", () => {
    const lore = compileLore(b());
    const early = activateLore(lore, { messages: ["later"], chatLength: 2, seed: 1 });
    expect(early.decisions[0]).toMatchObject({ code: "delayed" });
    expect(activateLore(lore, { messages: ["later"], chatLength: 3, seed: 1 }).activated).toHaveLength(1);
  });

  it("forgets an effect when its entry was edited (hash changed)", () => {
    const first = activateLore(b(), { messages: ["x"], chatLength: 1, seed: 1 });
    const edited = book(entry(["x"], "timed, edited", {}, { sticky: 2, cooldown: 2 }));
    const r = activateLore(edited, { messages: ["nothing"], chatLength: 2, seed: 1, state: first.state });
    expect(r.activated).toHaveLength(0);
    expect(emptyLoreState()).toEqual({ sticky: {}, cooldown: {}, matched: {} });
  });
});

describe("V3 decorators", () => {
  it("@@activate and @@dont_activate", () => {
    const r = run(book(entry(["nope"], "@@activate\nalways"), entry(["x"], "@@dont_activate\nnever")), ["x"]);
    expect(titles(r)).toEqual(["always"]);
    expect(r.activated[0]?.reason).toBe("decorator");
  });

  it("@@depth and @@role place the entry in the chat; @@position wins over @@depth", () => {
    const r = run(
      book(entry(["x"], "@@depth 3\n@@role assistant\nD"), entry(["x"], "@@depth 3\n@@position after_desc\nP")),
      ["x"],
    );
    expect(r.prompt.atDepth).toEqual([{ depth: 3, role: "assistant", entries: ["D"] }]);
    expect(r.prompt.afterDesc).toEqual(["P"]);
  });

  it("falls back through @@@ lines when a decorator is not supported", () => {
    const content = "@@risu_only 4\n@@@agn_only 4\n@@@depth 2\n\nBody";
    const r = run(book(entry(["x"], content)), ["x"]);
    expect(r.prompt.atDepth).toEqual([{ depth: 2, role: "system", entries: ["Body"] }]);
    // A supported first choice skips its fallbacks.
    const r2 = run(book(entry(["x"], "@@depth 1\n@@@depth 7\nBody")), ["x"]);
    expect(r2.prompt.atDepth[0]?.depth).toBe(1);
  });

  it("@@additional_keys and @@exclude_keys", () => {
    const b = book(entry(["sword"], "@@additional_keys fire,ice\n@@exclude_keys broken\nS"));
    expect(run(b, ["sword of ice"]).activated).toHaveLength(1);
    expect(run(b, ["sword"]).activated).toHaveLength(0);
    expect(run(b, ["broken sword of ice"]).activated).toHaveLength(0);
  });

  it("@@activate_only_after / _every count assistant messages; @@is_greeting checks the greeting", () => {
    const b = book(
      entry(["x"], "@@activate_only_after 2\nA"),
      entry(["x"], "@@activate_only_every 2\nE"),
      entry(["x"], "@@is_greeting 1\nG"),
    );
    const messages = [
      { role: "assistant" as const, text: "hi" },
      { role: "user" as const, text: "x" },
    ];
    expect(titles(run(b, messages, { greetingIndex: 0 }))).toEqual([]);
    expect(titles(run(b, messages, { assistantMessageCount: 2, greetingIndex: 1 })).sort()).toEqual(["A", "E", "G"]);
  });

  it("@@keep_activate_after_match and @@dont_activate_after_match use the match history in the state", () => {
    const lore = compileLore(
      book(entry(["x"], "@@keep_activate_after_match\nK"), entry(["x"], "@@dont_activate_after_match\nD")),
    );
    const first = activateLore(lore, { messages: ["x"], seed: 1 });
    expect(titles(first).sort()).toEqual(["D", "K"]);
    const second = activateLore(lore, { messages: ["nothing", "x"], seed: 1, state: first.state });
    expect(titles(second)).toEqual(["K"]);
    expect(second.activated[0]?.reason).toBe("keep_after_match");
  });

  it("reports @@disable_ui_prompt", () => {
    expect(run(book(entry(["x"], "@@disable_ui_prompt system_prompt\nX")), ["x"]).disabledUiPrompts).toEqual([
      "system_prompt",
    ]);
  });
});

describe("scopes, filters, forcing", () => {
  it("scans chat lore before character and global lore", () => {
    const global = createLorebook({ name: "g", entries: [entry(["x"], "global", { insertion_order: 999 })] });
    const chat = createLorebook({ name: "c", entries: [entry(["x"], "chat", { insertion_order: 1 })] });
    const r = activateLore(
      [
        { book: global, scope: "global" },
        { book: chat, scope: "chat" },
      ],
      { messages: ["x"], seed: 1, tokenBudget: 2 },
    );
    expect(titles(r)).toEqual(["chat"]);
  });

  it("applies character filters and generation triggers, and forced activation", () => {
    const b = book(
      entry(["x"], "only-aria", {}, { character_filter: { names: ["Aria"], tags: [], isExclude: false } }),
      entry(["x"], "swipes", {}, { triggers: ["swipe"] }),
      entry(["never"], "forced"),
    );
    const r = run(b, ["x"], {
      character: { name: "Bob" },
      generationType: "normal",
      forced: ["b." + String(nextId - 1)],
    });
    expect(titles(r)).toEqual(["forced"]);
    expect(r.decisions.map((d) => d.code)).toEqual(expect.arrayContaining(["filtered_character", "filtered_trigger"]));
  });

  it("matches an entry against extra sources it opted into", () => {
    const b = book(entry(["elf"], "elf lore", {}, { match_persona_description: true }), entry(["elf"], "no opt-in"));
    const r = run(b, ["hello"], { globalScanData: { personaDescription: "The user is an elf." } });
    expect(titles(r)).toEqual(["elf lore"]);
    expect(r.activated[0]?.matches[0]?.source).toBe("personaDescription");
  });

  it("expands macros in activated content", () => {
    const r = run(book(entry(["x"], "{{char}} greets {{user}}.")), ["x"], { macros: { char: "Aria", user: "Ann" } });
    expect(titles(r)).toEqual(["Aria greets Ann."]);
    expect(codeOf(r, "nothing")).toBeUndefined();
  });
});
