import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { startTroupe } from "../support/troupe-process.ts";
import { oracleJudge, writeOfficialFiles } from "./judge-cli-fixtures.ts";

// `troupe bench report` and `bench gate` on the cases issue 12 found: a run the judge flags nowhere (every score
// 100), a missing --against file, a comparison on few scenarios, and a model whose turns only the detectors flag.

let server: FakeLlmServer;
let dir: string;
let clean: string;
let flawed: string;
let gibberish: string;

/** A copy of `file` whose generated NPC turns are all "..." (a tiny model's empty output, which the judge misses). */
function emptyReplies(file: string, out: string): string {
  const rows = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const row = JSON.parse(line) as { dialogue: string };
      const turns = JSON.parse(row.dialogue) as Array<{ role: string; round: number; text: string }>;
      for (const t of turns) if (t.role === "ai" && t.round >= 2) t.text = "...";
      return JSON.stringify({ ...row, dialogue: JSON.stringify(turns) });
    });
  writeFileSync(out, `${rows.join("\n")}\n`);
  return out;
}

async function troupe(...args: string[]) {
  return startTroupe(["--home", join(dir, "home"), ...args], { cwd: dir }).done;
}

beforeAll(async () => {
  server = await startFakeLlmServer({ reply: oracleJudge });
  dir = mkdtempSync(join(tmpdir(), "troupe-report-cli-"));
  clean = writeOfficialFiles(join(dir, "clean"), "alpha", { scenarios: 4, runs: 2, turns: 20, flawed: false });
  flawed = writeOfficialFiles(join(dir, "flawed"), "beta", { scenarios: 4, runs: 2, turns: 20, flawed: true });
  const base = writeOfficialFiles(join(dir, "tiny"), "tiny-model", { scenarios: 2, runs: 1, turns: 10, flawed: false });
  gibberish = emptyReplies(base, join(dir, "tiny", "dialogues.jsonl"));
  for (const file of [clean, flawed, gibberish]) {
    const r = await troupe("bench", "judge", file, "--judge", `${server.openaiBaseUrl}#oracle`, "--resamples", "200");
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  await server.close();
});

describe("troupe bench report", () => {
  it("reports a run the judge flagged nowhere (every score 100) instead of looping until out of memory", async () => {
    const out = join(dir, "all-100", "r.html");
    const r = await troupe("bench", "report", clean, "--out", out, "--resamples", "200");
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("100.0 [100.0, 100.0]");
  }, 60_000);

  it("exits 2 naming a missing --against file, before loading anything", async () => {
    const missing = join(dir, "no-such-evaluations.jsonl");
    const r = await troupe("bench", "report", clean, "--against", missing, "--out", join(dir, "x", "r.html"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--against: the file ${missing} does not exist.`);
    expect(r.stderr).not.toMatch(/probably a bug/);
  }, 60_000);

  it("warns when detectors flag many turns the judge did not, in the terminal, HTML and Markdown", async () => {
    const out = join(dir, "tiny-report", "r.html");
    const r = await troupe("bench", "report", gibberish, "--out", out, "--resamples", "200");
    expect(r.code, r.stderr).toBe(0);
    const warning =
      /tiny-model: detectors flagged 10 of 10 generated NPC turns \(100%\) that the judge did not flag \(warning at 10% of turns\)\. Its score may be unreliable: .*--detector-flags score/;
    expect(r.stderr).toMatch(new RegExp(`^warning: ${warning.source}`, "m"));
    const md = readFileSync(join(dir, "tiny-report", "r.md"), "utf8");
    expect(md).toMatch(new RegExp(`> warning: ${warning.source}`));
    // One run per scenario and a judge without a price: said in words, not as a library message or $0.0000.
    expect(md).toContain("| tiny-model | One run per scenario: the split needs two or more runs of a scenario");
    expect(md).not.toMatch(/Level "|degrees of freedom/);
    expect(md).toMatch(/^\| tiny-model \| – \| – \| unpriced \| \d+ \|$/m);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/<section id="warnings">.*tiny-model: detectors flagged 10 of 10/s);
    const report = JSON.parse(readFileSync(join(dir, "tiny-report", "r.json"), "utf8"));
    expect(report.entries[0].detectorOnly).toMatchObject({ npcTurns: 10, detectorOnlyTurns: 10, exceeds: true });
    // The judge flagged nothing: the score is 100.0, which is why the warning matters.
    expect(html).toContain("100.0 [100.0, 100.0]");
    // Scoring detector flags answers the warning: it is gone, and the score drops.
    const scored = await troupe(
      "bench",
      "report",
      gibberish,
      "--out",
      join(dir, "tiny-scored", "r.html"),
      "--resamples",
      "200",
      "--detector-flags",
      "score",
    );
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stderr).not.toMatch(/detectors flagged/);
    const rescored = JSON.parse(readFileSync(join(dir, "tiny-scored", "r.json"), "utf8"));
    const overall = rescored.entries[0].intervals.find((i: { metric: string }) => i.metric === "overall");
    expect(overall.estimate).toBeLessThan(100);
  }, 90_000);

  it("warns that a comparison on 4 scenarios is unreliable", async () => {
    const r = await troupe("bench", "report", clean, flawed, "--out", join(dir, "cmp", "r.html"), "--resamples", "200");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: beta vs alpha: the comparison rests on 4 paired scenario\(s\), fewer than 10;/m,
    );
    expect(readFileSync(join(dir, "cmp", "r.md"), "utf8")).toMatch(
      /> warning: beta vs alpha: the comparison rests on 4/,
    );
  }, 60_000);
});

describe("troupe bench gate", () => {
  it("warns on few scenarios and on different turns, and enforces --min-scenarios with exit 2", async () => {
    const warned = await troupe("bench", "gate", "--baseline", flawed, "--candidate", clean, "--resamples", "200");
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(
      /^warning: .*clean\/dialogues\.jsonl vs .*flawed\/dialogues\.jsonl: the comparison rests on 4 paired scenario\(s\), fewer than 10;/m,
    );
    const json = await troupe(
      "--json",
      "bench",
      "gate",
      "--baseline",
      clean,
      "--candidate",
      gibberish,
      "--margin",
      "100",
    );
    expect(json.code, json.stderr).toBe(0);
    const verdict = JSON.parse(json.stdout);
    expect(verdict.warnings).toHaveLength(2);
    expect(verdict.warnings[0]).toMatch(/rests on 2 paired scenario\(s\)/);
    expect(verdict.warnings[1]).toMatch(
      /the runs were made with different settings \(turns per session 12 vs 22\); a score difference may come from the settings/,
    );
    const refused = await troupe(
      "bench",
      "gate",
      "--baseline",
      flawed,
      "--candidate",
      clean,
      "--min-scenarios",
      "5",
      "--resamples",
      "200",
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "The baseline and the candidate share 4 judged scenario(s); --min-scenarios requires 5.",
    );
    const met = await troupe("bench", "gate", "--baseline", flawed, "--candidate", clean, "--min-scenarios", "4");
    expect(met.code, met.stderr).toBe(0);
  }, 90_000);
});
