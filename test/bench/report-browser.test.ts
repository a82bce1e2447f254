import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScoredSource } from "../../src/bench/analysis/scored-source.ts";
import { runJudgement } from "../../src/bench/judge/judge-run.ts";
import { DEFAULT_JUDGE_SETTINGS, type JudgeCall } from "../../src/bench/judge/judge-session.ts";
import { loadDialogueSource, toJudgeableSessions } from "../../src/bench/judge/judge-source.ts";
import { DEFAULT_PANEL } from "../../src/bench/judge/panel.ts";
import { renderHtmlReport } from "../../src/bench/report/html-report.ts";
import { buildBenchReport } from "../../src/bench/report/report-data.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { FLAW, writeOfficialFiles } from "./judge-cli-fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Two panel judges as in-process doubles: both flag the marked turns; the second also invents one quote. */
function judge(id: string): ChatModel {
  const fail = () => {
    throw new Error("the JudgeCall below answers instead");
  };
  return { id, provider: "test", chat: fail, stream: fail };
}
const call: JudgeCall = async (model, messages) => {
  const user = messages[1]!.content;
  const scored = (/scored NPC rounds: ([\d, ]+)/.exec(user)?.[1] ?? "").split(", ").map(Number);
  const texts = new Map(
    [...user.matchAll(/^R(\d+) NPC (".*")$/gm)].map((m) => [Number(m[1]), JSON.parse(m[2]!) as string]),
  );
  const flags = scored
    .filter((r) => texts.get(r)?.includes(FLAW))
    .map((round) => ({
      round,
      quote: FLAW,
      reason: "breaks character <b>bold</b>",
      subtype: "unmotivated_ooc" as const,
      severity: 3 as const,
    }));
  if (model.id === "judge-b" && scored[0])
    flags.push({
      round: scored[0],
      quote: "words never said",
      reason: "invented",
      subtype: "unmotivated_ooc",
      severity: 2 as 3,
    });
  return {
    reply: { flags, ledger: [], rejected: [] },
    promptTokens: 1000,
    completionTokens: 50,
    costUsd: 0.001,
    latencyMs: 1,
  };
};

let store: TestStore;
let browser: Browser | undefined;
let htmlPath: string;

beforeAll(async () => {
  store = await openTestSqlite();
  const dir = mkdtempSync(join(tmpdir(), "troupe-report-"));
  const sources = [
    writeOfficialFiles(join(dir, "a"), "alpha", { scenarios: 3, runs: 2, turns: 40, flawed: false }),
    writeOfficialFiles(join(dir, "b"), "beta <script>alert(1)</script>", {
      scenarios: 3,
      runs: 2,
      turns: 40,
      flawed: true,
    }),
  ];
  const scored = [];
  for (const file of sources) {
    const source = await loadDialogueSource(store.store, file);
    await runJudgement({
      store: store.store,
      source: source.source,
      sourceKind: source.kind,
      sessions: toJudgeableSessions(source),
      judges: [judge("judge-a"), judge("judge-b")],
      settings: DEFAULT_JUDGE_SETTINGS,
      panel: DEFAULT_PANEL,
      scoring: DEFAULT_SCORING,
      concurrency: 2,
      call,
    });
    scored.push(await loadScoredSource(store.store, file, { scoring: DEFAULT_SCORING, panel: DEFAULT_PANEL }));
  }
  const report = buildBenchReport(scored, {
    scoring: DEFAULT_SCORING,
    panel: DEFAULT_PANEL,
    intervals: { seed: "t", resamples: 200, confidence: 0.95 },
  });
  htmlPath = join(dir, "report.html");
  writeFileSync(htmlPath, renderHtmlReport(report));
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await store.cleanup();
});

describe.skipIf(!existsSync(CHROMIUM))("the HTML report in Chromium", () => {
  it("opens offline with no console errors, and every part works", async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector("#flag-table tbody tr");
    // One file, nothing else fetched.
    expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
    // Leaderboard, charts and every section rendered; model names are text, not markup.
    expect(await page.locator("#leaderboard tbody tr").count()).toBe(2);
    expect(await page.locator("#leaderboard").textContent()).toContain("beta <script>alert(1)</script>");
    expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(6);
    for (const id of [
      "bars",
      "comparison",
      "heatmap",
      "horizon",
      "flags",
      "side-by-side",
      "agreement",
      "variance",
      "diversity",
      "cost",
      "provenance",
    ])
      expect(await page.locator(`#${id}`).count(), id).toBe(1);
    // Click a standing flag: its session opens at the quoted turn, highlighted.
    await page.selectOption("#flag-status", "standing");
    const first = page.locator("#flag-table tbody tr").first();
    const round = await first.getAttribute("data-round");
    await first.click();
    const turn = page.locator(`#viewer #turn-${round}`);
    await expect.poll(() => turn.count()).toBe(1);
    expect(await turn.getAttribute("class")).toMatch(/flagged/);
    expect(await turn.locator("mark").textContent()).toBe(FLAW);
    // Unverified flags are listed as such.
    await page.selectOption("#flag-status", "unverified");
    expect(await page.locator("#flag-table tbody tr").first().textContent()).toContain("words never said");
    // A heatmap cell opens its session too.
    await page.locator("rect.cell").nth(1).dispatchEvent("click");
    await expect.poll(() => page.locator("#viewer .turn").count()).toBeGreaterThan(40);
    // Side by side: two models on one scenario.
    await page.selectOption("#sbs-left", "e1");
    await page.selectOption("#sbs-right", "e2");
    expect(await page.locator("#sbs-left-col .turn").count()).toBe(42);
    expect(await page.locator("#sbs-right-col .turn.flagged").count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
