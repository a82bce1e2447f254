import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readCard } from "../../src/cards/index.ts";
import { troupe } from "../support/cli.ts";

const DIR = resolve(import.meta.dirname, "../../../shared/data/cards");
const SERAPHINA = join(DIR, "default_Seraphina.png");
const ELDORIA = join(DIR, "Eldoria.json");

describe("troupe card", () => {
  it("teaches with --help and examples", () => {
    const r = troupe(["card", "convert", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--to <format>");
    expect(r.stdout).toContain("Examples:");
  });

  it("inspects a real card, as text and as JSON", () => {
    const text = troupe(["card", "inspect", SERAPHINA]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Seraphina {2}chara_card_v2 2\.0 in PNG \(chunk chara\)/);
    expect(text.stdout).toContain('lorebook: "Eldoria", 4 entries');
    const json = JSON.parse(troupe(["--json", "card", "inspect", SERAPHINA, "--full"]).stdout);
    expect(json).toMatchObject({ name: "Seraphina", spec: "v2", container: "png", lorebook: { entries: 4 } });
    expect(json.card.data.extensions.world).toBe("Eldoria");
  });

  it("validates: exit 0 with warnings for a real card, exit 2 with errors for a broken one", () => {
    const ok = troupe(["card", "validate", SERAPHINA]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("valid V2 card");
    const cwd = mkdtempSync(join(tmpdir(), "troupe-card-"));
    writeFileSync(join(cwd, "bad.json"), JSON.stringify({ spec: "chara_card_v2", data: { name: 1, tags: 5 } }));
    const bad = troupe(["--json", "card", "validate", "bad.json"], { cwd });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).errors.length).toBeGreaterThan(0);
  });

  it("converts PNG → CharX → PNG → JSON without losing the card, and refuses to overwrite", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-card-"));
    expect(troupe(["card", "convert", SERAPHINA, "--to", "charx", "--out", "s.charx"], { cwd }).code).toBe(0);
    expect(
      troupe(["card", "convert", "s.charx", "--to", "png", "--out", "s.png", "--assets-dir", "assets"], { cwd }).code,
    ).toBe(0);
    expect(existsSync(join(cwd, "assets/assets/icon/images/main.png"))).toBe(true);
    const r = troupe(["--json", "card", "convert", "s.png", "--to", "json", "--spec", "v2", "--out", "s.json"], {
      cwd,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).to).toMatchObject({ container: "json", spec: "v2" });
    const original = readCard(readFileSync(SERAPHINA));
    const final = JSON.parse(readFileSync(join(cwd, "s.json"), "utf8"));
    expect(final.data.character_book.entries).toHaveLength(4);
    expect(final.data.extensions).toEqual(original.card.data.extensions);
    expect(final.data.description).toBe(original.card.data.description);
    const again = troupe(["card", "convert", SERAPHINA, "--to", "json", "--out", "s.json"], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists[\s\S]*--force/);
  });

  it("reports a bad file with a typed error and exit code 2", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-card-"));
    const png = readFileSync(SERAPHINA);
    writeFileSync(join(cwd, "cut.png"), png.subarray(0, 1000));
    const r = troupe(["card", "inspect", "cut.png"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: PNG is truncated/m);
    expect(r.stderr).toMatch(/hint:/);
    const json = troupe(["--json", "card", "inspect", "cut.png"], { cwd });
    expect(JSON.parse(json.stdout).error.code).toBe("card.png.truncated");
  });

  it("inspect and validate agree on a card whose spec is not a string: exit 2 with a hint (issue 12.15)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-card-"));
    writeFileSync(join(cwd, "n.json"), JSON.stringify({ spec: 3, name: "X", data: { name: "X" } }));
    for (const command of ["inspect", "validate"]) {
      const r = troupe(["card", command, "n.json"], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: "spec" must be a string; this card has 3$/m);
      expect(r.stderr).toMatch(/hint: Set "spec" to "chara_card_v2"/);
    }
    // A V1 card with a stray `data` key is still a V1 card, read alike by both, and the stray key never replaces
    // the normalised fields (inspect used to crash on it).
    writeFileSync(join(cwd, "v1.json"), JSON.stringify({ name: "W", description: "d", data: { x: 1 } }));
    const inspected = troupe(["card", "inspect", "v1.json"], { cwd });
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/warning: data is not part of a V1 card/);
    const validated = troupe(["card", "validate", "v1.json"], { cwd });
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/valid V1 card[\s\S]*data is not part of a V1 card/);
  });
});

describe("troupe lorebook", () => {
  it("converts Eldoria.json to V3 and back to World Info byte for byte", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-lore-"));
    expect(troupe(["lorebook", "convert", ELDORIA, "--to", "v3", "--out", "e.v3.json"], { cwd }).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "e.v3.json"), "utf8")).spec).toBe("lorebook_v3");
    expect(troupe(["lorebook", "convert", "e.v3.json", "--to", "st", "--out", "e.json"], { cwd }).code).toBe(0);
    expect(readFileSync(join(cwd, "e.json"), "utf8")).toBe(readFileSync(ELDORIA, "utf8"));
  });

  it("tests activation and explains it, with state carried in a file", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-lore-"));
    const r = troupe(
      [
        "lorebook",
        "test",
        SERAPHINA,
        "--text",
        "hello",
        "--text",
        "What are those beasts?",
        "--char",
        "Seraphina",
        "--user",
        "Ann",
      ],
      { cwd },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("activated 1 of 4 entries");
    expect(r.stdout).toContain('key "beast" matched "beast" in message 0 from the end');
    expect(r.stdout).toContain('Ann: "What are Shadowfangs?"');
    const json = troupe(
      [
        "--json",
        "lorebook",
        "test",
        ELDORIA,
        "--text",
        "the forest glade",
        "--budget-tokens",
        "500",
        "--state",
        "state.json",
      ],
      { cwd },
    );
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.activated.map((a: { uid: string }) => a.uid).sort()).toEqual(["Eldoria.0"]);
    expect(out.decisions.find((d: { code: string }) => d.code === "budget_exceeded").detail).toMatch(
      /token budget 500 reached/,
    );
    expect(JSON.parse(readFileSync(join(cwd, "state.json"), "utf8"))).toMatchObject({ sticky: {}, cooldown: {} });
    const missing = troupe(["lorebook", "test", ELDORIA], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("give at least one --text");
  });
});
