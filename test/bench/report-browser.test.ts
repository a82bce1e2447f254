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
// CI installs Chromium (.ci/run sets CI=1): there a missing browser fails the suite instead of skipping it.
const IN_CI = !!process.env["CI"] && !["0", "false"].includes(process.env["CI"]!);
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Two long model names, as real checkpoints are named: the case that was cut off and overlapped. */
const LONG_NAMES = [
  "organisation-with-a-long-name/role-play-model-with-an-extremely-long-descriptive-name-v2.5-instruct-Q4_K_M",
  // No hyphen or space: a browser cannot wrap it, so a table cell holding it must break it anywhere.
  "Organisation_With_A_Long_Name__RolePlayModelWithAnExtremelyLongDescriptiveName_v3.0_instruct_Q8_0_gguf",
];
const VIEWPORT = { width: 1400, height: 900 };
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

/**
 * Runs in the page (a string: the project's TypeScript has no DOM types). Collects every SVG text that leaves its
 * chart or overlaps another text of the chart, every SVG wider than its container and every table cell whose content
 * overflows it; and the page's width and the texts the test reads.
 */
const LAYOUT_PROBE = `(() => {
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const overlap = (a, b) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const problems = [];
  for (const svg of document.querySelectorAll("svg")) {
    const box = svg.getBoundingClientRect();
    const name = svg.getAttribute("aria-label");
    if (box.right > svg.parentElement.getBoundingClientRect().right + 1) problems.push(name + ": wider than its container");
    const texts = Array.from(svg.querySelectorAll("text")).filter((t) => t.getBBox().width > 0);
    const rects = texts.map((t) => t.getBoundingClientRect());
    texts.forEach((t, i) => {
      if (!inside(rects[i], box)) problems.push(name + ': "' + t.textContent + '" overflows the chart');
      for (let j = 0; j < i; j++)
        if (overlap(rects[i], rects[j])) problems.push(name + ': "' + t.textContent + '" overlaps "' + texts[j].textContent + '"');
    });
  }
  for (const cell of document.querySelectorAll("td, th"))
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push("cell overflows: " + cell.textContent.slice(0, 60));
  return {
    problems,
    scrollWidth: document.documentElement.scrollWidth,
    variance: document.querySelector("#variance").textContent,
    judgeCost: Array.from(document.querySelectorAll("#cost tbody tr")).map((r) => r.lastElementChild.textContent),
    forestLabels: Array.from(document.querySelectorAll("#leaderboard svg text[text-anchor=end]")).map((t) => t.textContent),
    legend: Array.from(document.querySelectorAll("#bars svg g title")).map((t) => t.textContent),
  };
})()`;

/** Two panel judges as in-process doubles: both flag the marked turns; the second also invents one quote. */
function judge(id: string): ChatModel {
  const fail = () => {
    throw new Error("the JudgeCall below answers instead");
  };
  return { id, provider: "test", chat: fail, stream: fail };
}
/** The panel's answers; `costUsd` is what the judge's price gave (0 when it has none: "unpriced"). */
const answer =
  (costUsd: number): JudgeCall =>
  async (model, messages) => {
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
      costUsd,
      latencyMs: 1,
    };
  };

let store: TestStore;
let browser: Browser | undefined;
let htmlPath: string;
let longHtmlPath: string;
let dir: string;

/** Judge the sources with the two-judge panel and write their HTML report. */
async function writeReport(sources: string[], name: string, costUsd: number): Promise<string> {
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
      call: answer(costUsd),
    });
    scored.push(await loadScoredSource(store.store, file, { scoring: DEFAULT_SCORING, panel: DEFAULT_PANEL }));
  }
  const report = buildBenchReport(scored, {
    scoring: DEFAULT_SCORING,
    panel: DEFAULT_PANEL,
    intervals: { seed: "t", resamples: 200, confidence: 0.95 },
  });
  const path = join(dir, name);
  writeFileSync(path, renderHtmlReport(report));
  return path;
}

beforeAll(async () => {
  store = await openTestSqlite();
  dir = mkdtempSync(join(tmpdir(), "troupe-report-"));
  htmlPath = await writeReport(
    [
      writeOfficialFiles(join(dir, "a"), "alpha", { scenarios: 3, runs: 2, turns: 40, flawed: false }),
      writeOfficialFiles(join(dir, "b"), "beta <script>alert(1)</script>", {
        scenarios: 3,
        runs: 2,
        turns: 40,
        flawed: true,
      }),
    ],
    "report.html",
    0.001,
  );
  // One run per scenario (the variance split cannot be made) and a judge without a price.
  longHtmlPath = await writeReport(
    LONG_NAMES.map((name, i) =>
      writeOfficialFiles(join(dir, `long${i}`), name, { scenarios: 3, runs: 1, turns: 100, flawed: i === 1 }),
    ),
    "long-names.html",
    0,
  );
  if (HAVE_CHROMIUM || IN_CI) {
    if (!HAVE_CHROMIUM)
      throw new Error(`CI is set but ${CHROMIUM} is missing: CI must install Chromium (apt-get install chromium).`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await store.cleanup();
});

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)("the HTML report in Chromium", () => {
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
  it("fits a 1,400 px window with two long model names: no label cut off or overlapping, no raw library text", async () => {
    const page = await browser!.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(longHtmlPath).href);
    await page.waitForSelector("#flag-table tbody tr");
    await page.screenshot({ path: join(dir, "long-names.png"), fullPage: true });
    if (process.env["TROUPE_REPORT_SCREENSHOT"])
      await page.screenshot({ path: process.env["TROUPE_REPORT_SCREENSHOT"], fullPage: true });
    const layout = (await page.evaluate(LAYOUT_PROBE)) as {
      problems: string[];
      scrollWidth: number;
      variance: string;
      judgeCost: string[];
      forestLabels: string[];
      legend: string[];
    };
    expect(layout.problems).toEqual([]);
    expect(layout.scrollWidth).toBeLessThanOrEqual(VIEWPORT.width);
    // Shortened labels keep both ends of a name (the tooltip has all of it); the legend names both models.
    expect(layout.forestLabels).toHaveLength(2);
    // The middle gives way, so the two names stay apart by their ends.
    const [first, second] = layout.forestLabels.map((l) => l.split("…"));
    expect(LONG_NAMES[0]!.startsWith(first![0]!) && LONG_NAMES[0]!.endsWith(first![1]!)).toBe(true);
    expect(LONG_NAMES[1]!.startsWith(second![0]!) && LONG_NAMES[1]!.endsWith(second![1]!)).toBe(true);
    expect(first).not.toEqual(second);
    for (const n of LONG_NAMES) expect(layout.legend).toContain(n);
    // The variance section explains in its own words; the judge had no price.
    expect(layout.variance).toContain("One run per scenario: the split needs two or more runs");
    expect(layout.variance).not.toMatch(/Level "|degrees of freedom/);
    expect(layout.judgeCost).toEqual(["unpriced", "unpriced"]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
