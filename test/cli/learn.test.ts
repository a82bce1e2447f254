import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TrlDpoRowSchema, TrlKtoRowSchema } from "../../src/feedback/index.ts";
import { troupe } from "../support/cli.ts";

const fixture = join(import.meta.dirname, "../fixtures/feedback/st-chat.jsonl");

describe("troupe learn", () => {
  it("ingests a SillyTavern chat once, reports its bad lines, and exports TRL DPO pairs", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-learn-"));
    const first = troupe(["learn", "ingest", fixture], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("6 new events, 0 already stored");
    expect(first.stdout).toContain("line 5: not JSON");
    const again = troupe(["learn", "ingest", fixture, "--json"], { cwd });
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ accepted: 0, duplicates: 6 });
    const report = troupe(["learn", "report"], { cwd });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/labels: 2 {2}swipe:pair 2/);
    const dashboard = troupe(["learn", "dashboard", "--json", "--html", join(cwd, "field.html")], { cwd });
    expect(dashboard.code, dashboard.stderr).toBe(0);
    // SillyTavern files name no serving policy, so there is nothing per model version to show.
    expect(JSON.parse(dashboard.stdout)).toMatchObject({ rows: [], periodDays: 1 });
    expect(readFileSync(join(cwd, "field.html"), "utf8")).toContain("<h1>Field dashboard</h1>");
    const out = join(cwd, "prefs");
    const exported = troupe(["learn", "export", out, "--eval-fraction", "0", "--format", "trl-dpo,trl-kto"], { cwd });
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(join(out, "trl-dpo-train.jsonl"), "utf8").trim().split("\n");
    expect(rows).toHaveLength(2);
    for (const r of rows) TrlDpoRowSchema.parse(JSON.parse(r));
    for (const r of readFileSync(join(out, "trl-kto-train.jsonl"), "utf8").trim().split("\n"))
      TrlKtoRowSchema.parse(JSON.parse(r));
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.filters.map((f: { name: string }) => f.name)).toContain("bot_like");
    expect(parse(readFileSync(join(out, "README.md"), "utf8").split("---\n")[1] as string).configs[0].config_name).toBe(
      "dpo",
    );
  });

  it("simulates, prints naive vs denoised accuracy, and with --keep feeds the ordinary commands", () => {
    const cwd = mkdtempSync(join(tmpdir(), "troupe-learn-"));
    const run = troupe(["learn", "simulate", "--humans", "20", "--bots", "2", "--json", "--keep"], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.pairs.denoised.accuracy).toBeGreaterThan(report.pairs.naive.accuracy);
    const dashboard = JSON.parse(troupe(["learn", "dashboard", "--json", "--period-days", "60"], { cwd }).stdout);
    expect(new Set(dashboard.rows.map((r: { policy: string }) => r.policy))).toEqual(
      new Set(["policy-fixed", "policy-random"]),
    );
    const out = join(cwd, "prefs");
    expect(troupe(["learn", "export", out, "--format", "trl-dpo"], { cwd }).code).toBe(0);
    const rows = readFileSync(join(out, "trl-dpo-train.jsonl"), "utf8").trim().split("\n");
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) TrlDpoRowSchema.parse(JSON.parse(r));
  });

  it("rejects bad options with a usable message", () => {
    const run = troupe(["learn", "export", "x", "--format", "parquet-nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--format parquet-nope is not one of");
    const since = troupe(["learn", "dashboard", "--since", "yesterday-ish"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("--since yesterday-ish is not a date");
  });
});
