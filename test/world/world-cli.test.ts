import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { troupe } from "../support/cli.ts";

const CARDS = resolve(import.meta.dirname, "../../../shared/data/cards");
const cwd = mkdtempSync(join(tmpdir(), "troupe-world-cli-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const run = (...args: string[]) => troupe(args, { cwd });

// Each CLI call starts a process (about a second through tsx, ten on a busy two-core machine); the tests make many.
// The timeout only guards against a hang, so it allows the busy machine (the first test took 137 s on one).
describe("troupe world", { timeout: 600_000 }, () => {
  it("creates, edits, explains, branches, rolls back and exports a world", () => {
    const created = run(
      "world",
      "new",
      "--card",
      `${CARDS}/default_Seraphina.png`,
      "--lorebook",
      `${CARDS}/Eldoria.json`,
      "--user",
      "Alex",
      "--json",
    );
    expect(created.code, created.stderr).toBe(0);
    const { id, cast, lorebooks } = JSON.parse(created.stdout);
    expect(cast).toEqual(["Seraphina"]);
    expect(lorebooks).toBe(2);

    expect(run("world", "show").stdout).toContain(id);
    expect(run("world", "edit", id, "set", "Alex", "at", "the glade").code).toBe(0);
    expect(run("world", "edit", id, "set", "moon", "color", "silver", "--hard").code).toBe(0);
    const retcon = run("world", "edit", "Seraphina", "set", "Alex", "at", "the river", "--from", "day 1 07:00");
    expect(retcon.code, retcon.stderr).toBe(0);

    const facts = JSON.parse(run("world", "facts", id, "--json").stdout) as Array<{
      subject: string;
      object: string;
      hard: boolean;
    }>;
    expect(facts.find((f) => f.subject === "Alex")?.object).toBe("the river");
    expect(facts.find((f) => f.subject === "moon")?.hard).toBe(true);
    const history = JSON.parse(run("world", "facts", id, "--subject", "Alex", "--history", "--json").stdout) as Array<{
      object: string;
      supersededTurn?: number;
    }>;
    expect(history.find((f) => f.object === "the glade")?.supersededTurn).toBe(4);
    const asRecorded = JSON.parse(run("world", "facts", id, "--turn", "3", "--as-recorded", "--json").stdout) as Array<{
      object: string;
    }>;
    expect(asRecorded.map((f) => f.object)).toContain("the glade");

    const why = run("world", "why", id, "Alex at the river");
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(/Alex at the river holds now/);
    expect(why.stdout).toMatch(/edit: set Alex at the river from day 1 07:00/);

    expect(run("world", "branches", id, "--create", "what-if", "--from-turn", "2").code).toBe(0);
    expect(run("world", "edit", id, "set", "Alex", "at", "the mill").code).toBe(0);
    const onBranch = JSON.parse(run("world", "facts", id, "--subject", "Alex", "--json").stdout) as Array<{
      object: string;
    }>;
    expect(onBranch.map((f) => f.object)).toEqual(["the mill"]);
    expect(run("world", "branches", id, "--switch", "main").code).toBe(0);
    expect(
      JSON.parse(run("world", "facts", id, "--subject", "Alex", "--json").stdout).map(
        (f: { object: string }) => f.object,
      ),
    ).toEqual(["the river"]);

    const rolled = run("world", "rollback", id, "--to", "2", "--json");
    expect(JSON.parse(rolled.stdout)).toMatchObject({ branch: "main", from: 4, to: 2 });
    expect(
      JSON.parse(run("world", "facts", id, "--subject", "Alex", "--json").stdout).map(
        (f: { object: string }) => f.object,
      ),
    ).toEqual(["the glade"]);

    const diff = JSON.parse(run("world", "timeline", id, "--from", "1", "--to", "2", "--diff", "--json").stdout);
    expect(diff.began.map((f: { object: string }) => f.object)).toEqual(["the glade"]);

    const out = join(cwd, "state.json");
    expect(run("world", "export", id, "--out", out).code).toBe(0);
    const book = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.values(book.entries).some((e) => (e as { key: string[] }).key.includes("Alex"))).toBe(true);
  });

  it("answers bad input with typed errors and hints, and teaches in --help", () => {
    const missing = run("world", "show", "nope");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No world "nope"/);
    expect(missing.stderr).toMatch(/hint:/);
    const created = JSON.parse(run("world", "new", "--card", `${CARDS}/default_FluxTheCat.png`, "--json").stdout);
    const badTurn = run("world", "rollback", created.id, "--to", "99");
    expect(badTurn.code).toBe(2);
    expect(badTurn.stderr).toMatch(/has no turn 99/);
    const badEdit = run("world", "edit", created.id, "teleport", "x");
    expect(badEdit.stderr).toMatch(/Unknown edit "teleport"/);
    const badTime = run("world", "facts", created.id, "--at", "tomorrow");
    expect(badTime.stderr).toMatch(/not a story time/);
    const help = run("world", "--help");
    expect(help.stdout).toMatch(/Examples:/);
    expect(run("chat", "--help").stdout).toMatch(/\/help lists commands/);
  });

  it("names a second world from the same card apart, and export refuses to overwrite without --force (issue 12.18)", () => {
    const home = mkdtempSync(join(tmpdir(), "troupe-world-names-"));
    const inHome = (...args: string[]) => troupe(args, { cwd: home });
    const card = `${CARDS}/default_CodingSensei.png`;
    const one = JSON.parse(inHome("world", "new", "--card", card, "--json").stdout);
    const two = JSON.parse(inHome("world", "new", "--card", card, "--json").stdout);
    expect([one.name, two.name]).toEqual(["Coding Sensei", "Coding Sensei (2)"]);
    expect(JSON.parse(inHome("world", "show", "Coding Sensei (2)", "--json").stdout).id).toBe(two.id);

    const out = join(home, "state.json");
    expect(inHome("world", "export", one.id, "--out", out).code).toBe(0);
    const before = readFileSync(out, "utf8");
    const again = inHome("world", "export", two.id, "--out", out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists[\s\S]*hint: Pass --force to overwrite it/);
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(inHome("world", "export", two.id, "--out", out, "--force").code).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });
});
