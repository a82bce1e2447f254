import { METRICS, type Metric, metricLabel } from "../analysis/metrics.ts";
import type { ScoreInterval } from "../analysis/score-intervals.ts";
import { CATEGORIES, DIMENSION_LABELS, DIMENSIONS } from "../taxonomy.ts";
import type { BenchReport, ReportEntry } from "./report-data.ts";
import { REPORT_SCRIPT } from "./report-script.ts";
import { REPORT_CSS } from "./report-style.ts";
import { groupedBarChart, escapeHtml as h, heatmap, intervalChart, lineChart, seriesColor } from "./svg-charts.ts";
import { fitText } from "./text-width.ts";

function num(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

function interval(e: ReportEntry, metric: Metric, scope = "all"): ScoreInterval | undefined {
  return (
    e.intervals.find((i) => i.metric === metric && i.scope === scope) ??
    (scope === "all" ? e.intervals.find((i) => i.metric === metric) : undefined)
  );
}

function cellWithCi(i: ScoreInterval | undefined): string {
  return i ? `${num(i.estimate)} <span class="ci">[${num(i.lower)}, ${num(i.upper)}]</span>` : "–";
}

function leaderboard(report: BenchReport): string {
  const sorted = [...report.entries].sort(
    (a, b) => (interval(b, "overall")?.estimate ?? -1) - (interval(a, "overall")?.estimate ?? -1),
  );
  const rows = sorted
    .map(
      (e, i) =>
        `<tr><td class="num">${i + 1}</td><td class="wrap">${h(e.label)}</td><td class="num">${cellWithCi(interval(e, "overall"))}</td>${CATEGORIES.map((c) => `<td class="num">${cellWithCi(interval(e, c))}</td>`).join("")}<td class="num">${e.scenarios}</td><td class="num">${e.sessions}</td><td>${h(e.langs.join(", "))}</td></tr>`,
    )
    .join("");
  const forest = intervalChart(
    sorted.map((e) => {
      const i = interval(e, "overall");
      return {
        label: e.label,
        estimate: i?.estimate ?? Number.NaN,
        lower: i?.lower ?? Number.NaN,
        upper: i?.upper ?? Number.NaN,
        color: seriesColor(report.entries.indexOf(e)),
      };
    }),
    { title: "Overall with 95% intervals" },
  );
  return `<section id="leaderboard"><h2>Leaderboard</h2>
<p class="muted">Overall = 0.50·Worlds + 0.25·Stories + 0.25·User Preferences, 0–100. Brackets: ${Math.round(report.intervals.confidence * 100)}% hierarchical bootstrap intervals (scenarios → runs → chunks, ${report.intervals.resamples} resamples, seed <code>${h(String(report.intervals.seed))}</code>).</p>
<table><thead><tr><th class="num">#</th><th>model</th><th class="num">Overall</th>${CATEGORIES.map((c) => `<th class="num">${h(metricLabel(c))}</th>`).join("")}<th class="num">scenarios</th><th class="num">sessions</th><th>languages</th></tr></thead><tbody>${rows}</tbody></table>
<div class="chart">${forest}</div></section>`;
}

function bars(report: BenchReport): string {
  const series = report.entries.map((e) => e.label);
  const group = (metrics: readonly Metric[]) =>
    metrics.map((m) => ({
      label: metricLabel(m),
      values: report.entries.map((e) => {
        const i = interval(e, m);
        return i ? { value: i.estimate, lower: i.lower, upper: i.upper } : { value: undefined };
      }),
    }));
  return `<section id="bars"><h2>Categories and dimensions</h2>
<div class="chart">${groupedBarChart(group(["overall", ...CATEGORIES]), series, { title: "categories" })}</div>
<div class="chart">${groupedBarChart(group(DIMENSIONS), series, { title: "dimensions" })}</div>
${perLanguage(report)}</section>`;
}

function perLanguage(report: BenchReport): string {
  const langs = [...new Set(report.entries.flatMap((e) => e.intervals.map((i) => i.scope)))]
    .filter((s) => s !== "all")
    .sort();
  if (langs.length === 0) return "";
  const rows = report.entries
    .flatMap((e) =>
      langs
        .filter((l) => interval(e, "overall", l))
        .map(
          (l) =>
            `<tr><td class="wrap">${h(e.label)}</td><td>${h(l)}</td>${METRICS.map((m) => `<td class="num">${cellWithCi(interval(e, m, l))}</td>`).join("")}</tr>`,
        ),
    )
    .join("");
  return `<h3>Per language</h3><table><thead><tr><th>model</th><th>lang</th>${METRICS.map((m) => `<th class="num">${h(metricLabel(m))}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>`;
}

function comparisons(report: BenchReport): string {
  if (report.comparisons.length === 0) return "";
  const label = (id: string) => report.entries.find((e) => e.id === id)?.label ?? id;
  const rows = report.comparisons
    .flatMap((c) =>
      c.differences.map(
        (d) =>
          `<tr><td class="wrap">${h(label(c.candidate))} − ${h(label(c.baseline))}</td><td>${h(metricLabel(d.metric))}</td><td class="num">${num(d.difference, 2)}</td><td class="num">[${num(d.lower, 2)}, ${num(d.upper, 2)}]</td><td class="num">${num(d.pValue, 3)}</td><td class="num">${num(d.minimumDetectableEffect, 2)}</td><td class="num">${d.scenarios}</td></tr>`,
      ),
    )
    .join("");
  return `<section id="comparison"><h2>Paired comparison</h2><p class="muted">Candidate minus baseline on the scenarios both ran; the same scenarios are drawn for both in every bootstrap replicate. MDE: the smallest true difference this design detects with 80% power at α = 0.05.</p>
<table><thead><tr><th>pair</th><th>metric</th><th class="num">difference</th><th class="num">95% interval</th><th class="num">p</th><th class="num">MDE</th><th class="num">scenarios</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function heatmapSection(report: BenchReport): string {
  const maxChunks = Math.max(0, ...report.sessions.map((s) => s.chunks.length));
  const label = (id: string) => report.entries.find((e) => e.id === id)?.label ?? id;
  const rows = report.sessions.map((s, si) => ({
    // The model part gives way first, so the scenario and run stay readable; the tooltip has the whole label.
    label: `${fitText(label(s.entry), 200, 11)} · ${s.seedId} · ${s.runId}`,
    cells: Array.from({ length: maxChunks }, (_, c) => {
      const chunk = s.chunks[c];
      return {
        value: chunk?.overall,
        title: chunk
          ? `rounds ${chunk.firstRound}–${chunk.lastRound}: Overall ${num(chunk.overall)}, ${chunk.flags} standing judge flag(s)`
          : "no chunk",
        attrs: { "data-session": String(si), "data-round": String(chunk?.firstRound ?? 0) },
      };
    }),
  }));
  return `<section id="heatmap"><h2>Misalignment heatmap</h2><p class="muted">One row per session, one cell per judged chunk, coloured by the chunk's Overall (green 100, yellow 75, red 50 or below). Click a cell to open the session at that chunk.</p>
<div class="chart">${heatmap(
    rows,
    Array.from({ length: maxChunks }, (_, i) => `C${i + 1}`),
    { title: "session × chunk" },
  )}</div></section>`;
}

function horizon(report: BenchReport): string {
  const series = (pick: (b: ReportEntry["horizon"][number]) => number) =>
    report.entries.map((e) => ({ label: e.label, points: e.horizon.map((b) => ({ x: b.lastTurn, y: pick(b) })) }));
  return `<section id="horizon"><h2>Long-horizon curve</h2><p class="muted">Per 10 generated turns: standing judge flags and detector flags per NPC turn, and mean NPC reply length — where a model hits the "turn-20 wall".</p>
<div class="chart">${lineChart(
    series((b) => b.judgeFlagsPerTurn),
    { xLabel: "generated turn", yLabel: "judge flags / NPC turn", title: "judge flags", minYMax: 0.1 },
  )}</div>
<div class="chart">${lineChart(
    series((b) => b.detectorFlagsPerTurn),
    { xLabel: "generated turn", yLabel: "detector flags / NPC turn", title: "detector flags", minYMax: 0.1 },
  )}</div>
<div class="chart">${lineChart(
    series((b) => b.meanLength),
    { xLabel: "generated turn", yLabel: "mean reply length (chars)", title: "length" },
  )}</div></section>`;
}

function flagsSection(report: BenchReport): string {
  const option = (v: string, t: string) => `<option value="${h(v)}">${h(t)}</option>`;
  return `<section id="flags"><h2>Flags</h2><p class="muted">Click a flag to open its session at the quoted turn. Standing flags count toward the score; unverified flags (quote not found in the cited round) and outvoted ones are shown but not scored; detector flags come from the rules.</p>
<div class="controls"><label>model <select id="flag-entry">${option("", "all")}${report.entries.map((e) => option(e.id, e.label)).join("")}</select></label>
<label>status <select id="flag-status">${option("", "all")}${["standing", "outvoted", "unverified", "detector"].map((s) => option(s, s)).join("")}</select></label>
<label>dimension <select id="flag-dimension">${option("", "all")}${DIMENSIONS.map((d) => option(d, DIMENSION_LABELS[d])).join("")}</select></label>
<span id="flag-count" class="muted"></span> <button id="flag-more" type="button">show more</button></div>
<table id="flag-table"><thead><tr><th>model</th><th>session</th><th class="num">round</th><th>subtype</th><th class="num">sev</th><th>status</th><th>quote</th><th>reason</th><th>by</th></tr></thead><tbody></tbody></table></section>
<section id="viewer-section"><h2>Transcript</h2><div id="viewer" class="viewer"><p class="muted">Click a flag or a heatmap cell.</p></div></section>`;
}

function sideBySide(report: BenchReport): string {
  const seeds = [...new Set(report.sessions.map((s) => s.seedId))].sort();
  const runs = [...new Set(report.sessions.map((s) => s.runId))].sort();
  const option = (v: string, t: string, selected = false) =>
    `<option value="${h(v)}"${selected ? " selected" : ""}>${h(t)}</option>`;
  const entries = report.entries.map((e, i) => ({ e, i }));
  return `<section id="side-by-side"><h2>Side by side</h2><div class="controls">
<label>scenario <select id="sbs-seed">${seeds.map((s) => option(s, s)).join("")}</select></label>
<label>left <select id="sbs-left">${entries.map(({ e, i }) => option(e.id, e.label, i === 0)).join("")}</select></label>
<label>right <select id="sbs-right">${entries.map(({ e, i }) => option(e.id, e.label, i === Math.min(1, entries.length - 1))).join("")}</select></label>
<label>run <select id="sbs-run">${runs.map((r) => option(r, r)).join("")}</select></label></div>
<div class="columns"><div><div id="sbs-left-col" class="viewer"></div></div><div><div id="sbs-right-col" class="viewer"></div></div></div></section>`;
}

function agreement(report: BenchReport): string {
  const rows = report.entries
    .map((e) =>
      e.agreement
        ? e.agreement
            .map(
              (a) =>
                `<tr><td class="wrap">${h(e.label)}</td><td>${h(DIMENSION_LABELS[a.dimension])}</td><td class="num">${num(a.alpha, 3)}</td><td class="num">${num(a.kappa, 3)}</td><td class="num">${num(a.percentAgreement === undefined ? undefined : a.percentAgreement * 100)}%</td><td class="num">${a.units}</td><td class="num">${a.flaggedUnits}</td></tr>`,
            )
            .join("")
        : `<tr><td class="wrap">${h(e.label)}</td><td colspan="6" class="muted">one judge (${h(e.judges.join(", "))}): agreement needs a panel of two or more</td></tr>`,
    )
    .join("");
  return `<section id="agreement"><h2>Judge agreement</h2><p class="muted">Unit = one scored NPC round; value = whether a judge raised a verified flag of the dimension there. Flags are rare, so κ and α can be low while raw agreement is high: all are shown.</p>
<table><thead><tr><th>model</th><th>dimension</th><th class="num">Krippendorff α</th><th class="num">Fleiss κ</th><th class="num">agreement</th><th class="num">units</th><th class="num">flagged units</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function variance(report: BenchReport): string {
  const rows = report.entries
    .map((e) => {
      const v = e.variance;
      if (v.problem)
        return `<tr><td class="wrap">${h(e.label)}</td><td colspan="4" class="muted">${h(v.problem)}</td></tr>`;
      const share = (level: string) => num((v.components.find((c) => c.level === level)?.share ?? Number.NaN) * 100);
      return `<tr><td class="wrap">${h(e.label)}</td><td class="num">${share("scenario")}%</td><td class="num">${share("run")}%</td><td class="num">${share(v.innermost)}% <span class="muted">(${v.innermost})</span></td><td class="num">${v.scenariosNeeded ?? "–"} <span class="muted">for ±${v.targetHalfWidth} at ${v.runsPerScenario} run(s) × ${v.perRun}</span></td></tr>`;
    })
    .join("");
  return `<section id="variance"><h2>Variance and design</h2><p class="muted">Share of the variance of Overall from scenarios, runs within a scenario, and judges (with a panel) or chunks; and how many scenarios a 95% interval of the given half-width would need.</p>
<table><thead><tr><th>model</th><th class="num">scenario</th><th class="num">run</th><th class="num">judge / chunk</th><th class="num">scenarios needed</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function diversity(report: BenchReport): string {
  const rows = report.entries
    .map(
      (e) =>
        `<tr><td class="wrap">${h(e.label)}</td><td class="num">${num(e.diversity.distinct1, 3)}</td><td class="num">${num(e.diversity.distinct2, 3)}</td><td class="num">${num(e.diversity.selfBleu, 3)}</td><td class="num">${num(e.diversity.compressionRatio, 2)}</td></tr>`,
    )
    .join("");
  return `<section id="diversity"><h2>Diversity of the NPC's replies</h2><p class="muted">Per session over its generated NPC turns, averaged: distinct-n (share of unique n-grams; higher is more varied), self-BLEU of each reply against the others and gzip compression ratio (higher is more repetitive).</p>
<table><thead><tr><th>model</th><th class="num">distinct-1</th><th class="num">distinct-2</th><th class="num">self-BLEU</th><th class="num">gzip ratio</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function cost(report: BenchReport): string {
  const role = (c: ReportEntry["cost"]["judge"]) =>
    `<td class="num">${c.calls}</td><td class="num">${c.promptTokens + c.completionTokens}</td><td class="num">${
      c.calls === 0
        ? "–"
        : c.priced
          ? `$${c.costUsd.toFixed(4)}`
          : '<span class="muted" title="no price known for this model: add it under prices: in troupe.config.yaml">unpriced</span>'
    }</td>`;
  const rows = report.entries
    .map(
      (e) =>
        `<tr><td class="wrap">${h(e.label)}</td>${role(e.cost.player)}${role(e.cost.simulator)}${role(e.cost.judge)}</tr>`,
    )
    .join("");
  return `<section id="cost"><h2>Cost</h2><p class="muted">"unpriced": calls were made but no price is known for the model (troupe records $0 then); add it under <code>prices:</code> in troupe.config.yaml.</p><table><thead><tr><th rowspan="2">model</th><th colspan="3">player</th><th colspan="3">user simulator</th><th colspan="3">judge</th></tr><tr>${'<th class="num">calls</th><th class="num">tokens</th><th class="num">cost</th>'.repeat(3)}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

function provenance(report: BenchReport): string {
  const rows = report.entries
    .map(
      (e) =>
        `<tr><td class="wrap">${h(e.label)}</td><td><code>${h(e.source)}</code></td><td><code>${h(e.judgementId)}</code></td><td>${h(e.judges.join(", "))}</td><td><code>${h(e.promptVersion)}</code> <code>${h(e.promptHash)}</code></td><td>${h(e.userSimulator ?? "–")}</td><td class="num">${e.flags.standing}/${e.flags.outvoted}/${e.flags.unverified}/${e.flags.detector}</td><td class="num">${e.failedChunks}</td></tr>`,
    )
    .join("");
  return `<section id="provenance"><h2>How these scores were made</h2>
<table><thead><tr><th>model</th><th>source</th><th>judgement</th><th>judges</th><th>judge prompt</th><th>user simulator</th><th class="num">flags standing/outvoted/unverified/detector</th><th class="num">failed chunks</th></tr></thead><tbody>${rows}</tbody></table>
<p>Scoring <code>${h(report.scoringHash)}</code> · panel policy <code>${h(JSON.stringify(report.panel))}</code></p><pre><code>${h(JSON.stringify(report.scoring, null, 2))}</code></pre></section>`;
}

function calibration(report: BenchReport): string {
  if (!report.calibration) return "";
  const rows = report.calibration.dimensions
    .map(
      (d) =>
        `<tr><td>${h(DIMENSION_LABELS[d.dimension])}</td><td class="num">${num(d.session.spearman, 3)}</td><td class="num">${num(d.session.kendall, 3)}</td><td class="num">${d.session.n}</td><td class="num">${num(d.model.spearman, 3)}</td><td class="num">${num(d.model.kendall, 3)}</td><td class="num">${d.model.n}</td></tr>`,
    )
    .join("");
  return `<section id="calibration"><h2>Calibration</h2><p class="muted">Rank correlation with <code>${h(report.calibration.reference)}</code>, per session and per model.</p>
<table><thead><tr><th>dimension</th><th class="num">session ρ</th><th class="num">session τ</th><th class="num">n</th><th class="num">model ρ</th><th class="num">model τ</th><th class="num">models</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The whole report as one self-contained HTML document: inline CSS, SVG and script, no network access at all. */
export function renderHtmlReport(report: BenchReport): string {
  const json = JSON.stringify(report)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  const warnings = report.warnings.length
    ? `<section id="warnings"><h2>Warnings</h2><ul>${report.warnings.map((w) => `<li class="warn">${h(w)}</li>`).join("")}</ul></section>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>troupe bench report</title><style>${REPORT_CSS}</style></head>
<body><header><h1>troupe bench report</h1><div class="muted">${h(report.generatedAt)} · ${report.entries.length} model(s) · ${report.sessions.length} session(s)</div>
<nav><a href="#leaderboard">leaderboard</a><a href="#bars">categories</a><a href="#comparison">comparison</a><a href="#heatmap">heatmap</a><a href="#horizon">long horizon</a><a href="#flags">flags</a><a href="#side-by-side">side by side</a><a href="#agreement">agreement</a><a href="#variance">variance</a><a href="#diversity">diversity</a><a href="#cost">cost</a><a href="#provenance">provenance</a></nav></header>
<main>${warnings}${leaderboard(report)}${bars(report)}${comparisons(report)}${heatmapSection(report)}${horizon(report)}${flagsSection(report)}${sideBySide(report)}${agreement(report)}${variance(report)}${diversity(report)}${cost(report)}${calibration(report)}${provenance(report)}</main>
<script type="application/json" id="report-data">${json}</script>
<script>${REPORT_SCRIPT}</script></body></html>
`;
}
