import { METRICS, type Metric, metricLabel } from "../analysis/metrics.ts";
import { CATEGORIES, DIMENSION_LABELS } from "../taxonomy.ts";
import type { BenchReport, ReportEntry } from "./report-data.ts";

function num(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

function ci(e: ReportEntry, metric: Metric, scope = "all"): string {
  const i = e.intervals.find((x) => x.metric === metric && x.scope === scope);
  return i ? `${num(i.estimate)} [${num(i.lower)}, ${num(i.upper)}]` : "–";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The report as Markdown: leaderboard with intervals, comparisons, agreement, variance, long horizon, cost. */
export function renderMarkdownReport(report: BenchReport): string {
  const out: string[] = [];
  const sorted = [...report.entries].sort(
    (a, b) =>
      (b.intervals.find((i) => i.metric === "overall" && i.scope === "all")?.estimate ?? -1) -
      (a.intervals.find((i) => i.metric === "overall" && i.scope === "all")?.estimate ?? -1),
  );
  out.push(
    "# troupe bench report",
    "",
    `Generated ${report.generatedAt}. Scoring \`${report.scoringHash}\`, panel policy \`${report.panel.policy}\`, ${Math.round(report.intervals.confidence * 100)}% hierarchical bootstrap intervals (${report.intervals.resamples} resamples, seed \`${report.intervals.seed}\`).`,
    "",
  );
  for (const w of report.warnings) out.push(`> warning: ${w}`);
  if (report.warnings.length) out.push("");
  out.push(
    "## Leaderboard",
    "",
    `| # | model | Overall | ${CATEGORIES.map(metricLabel).join(" | ")} | scenarios | sessions |`,
    `|---|---|---|${CATEGORIES.map(() => "---").join("|")}|---|---|`,
  );
  sorted.forEach((e, i) => {
    out.push(
      `| ${i + 1} | ${cell(e.label)} | ${ci(e, "overall")} | ${CATEGORIES.map((c) => ci(e, c)).join(" | ")} | ${e.scenarios} | ${e.sessions} |`,
    );
  });
  out.push(
    "",
    "## Dimensions",
    "",
    `| model | ${METRICS.slice(4).map(metricLabel).join(" | ")} |`,
    `|---|${METRICS.slice(4)
      .map(() => "---")
      .join("|")}|`,
  );
  for (const e of sorted)
    out.push(
      `| ${cell(e.label)} | ${METRICS.slice(4)
        .map((m) => ci(e, m))
        .join(" | ")} |`,
    );
  const langs = [...new Set(report.entries.flatMap((e) => e.intervals.map((i) => i.scope)))]
    .filter((s) => s !== "all")
    .sort();
  if (langs.length) {
    out.push(
      "",
      "## Per language",
      "",
      "| model | lang | Overall | Worlds | Stories | User Preferences |",
      "|---|---|---|---|---|---|",
    );
    for (const e of sorted)
      for (const l of langs)
        if (e.intervals.some((i) => i.scope === l))
          out.push(
            `| ${cell(e.label)} | ${l} | ${["overall", ...CATEGORIES].map((m) => ci(e, m as Metric, l)).join(" | ")} |`,
          );
  }
  if (report.comparisons.length) {
    const label = (id: string) => report.entries.find((e) => e.id === id)?.label ?? id;
    out.push(
      "",
      "## Paired comparison",
      "",
      "| pair | metric | difference | 95% interval | p | MDE | scenarios |",
      "|---|---|---|---|---|---|---|",
    );
    for (const c of report.comparisons)
      for (const d of c.differences)
        out.push(
          `| ${cell(label(c.candidate))} − ${cell(label(c.baseline))} | ${metricLabel(d.metric)} | ${num(d.difference, 2)} | [${num(d.lower, 2)}, ${num(d.upper, 2)}] | ${num(d.pValue, 3)} | ${num(d.minimumDetectableEffect, 2)} | ${d.scenarios} |`,
        );
  }
  out.push("", "## Judge agreement", "");
  for (const e of sorted) {
    if (!e.agreement) {
      out.push(`- ${e.label}: one judge (${e.judges.join(", ")}), no agreement to report.`);
      continue;
    }
    out.push(
      `${e.label} (${e.judges.join(", ")}):`,
      "",
      "| dimension | α | κ | agreement | units | flagged |",
      "|---|---|---|---|---|---|",
    );
    for (const a of e.agreement)
      out.push(
        `| ${DIMENSION_LABELS[a.dimension]} | ${num(a.alpha, 3)} | ${num(a.kappa, 3)} | ${num(a.percentAgreement === undefined ? undefined : a.percentAgreement * 100)}% | ${a.units} | ${a.flaggedUnits} |`,
      );
    out.push("");
  }
  out.push(
    "",
    "## Variance and design",
    "",
    "| model | scenario | run | judge/chunk | scenarios for ±target |",
    "|---|---|---|---|---|",
  );
  for (const e of sorted) {
    const v = e.variance;
    const share = (l: string) => `${num((v.components.find((c) => c.level === l)?.share ?? Number.NaN) * 100)}%`;
    out.push(
      v.problem
        ? `| ${cell(e.label)} | ${cell(v.problem)} | | | |`
        : `| ${cell(e.label)} | ${share("scenario")} | ${share("run")} | ${share(v.innermost)} (${v.innermost}) | ${v.scenariosNeeded ?? "–"} (±${v.targetHalfWidth}) |`,
    );
  }
  out.push(
    "",
    "## Long horizon (per 10 generated turns)",
    "",
    "| model | turns | judge flags / NPC turn | detector flags / NPC turn | mean length |",
    "|---|---|---|---|---|",
  );
  for (const e of sorted)
    for (const b of e.horizon)
      out.push(
        `| ${cell(e.label)} | ${b.firstTurn}–${b.lastTurn} | ${num(b.judgeFlagsPerTurn, 3)} | ${num(b.detectorFlagsPerTurn, 3)} | ${num(b.meanLength, 0)} |`,
      );
  out.push(
    "",
    "## Diversity of NPC replies",
    "",
    "| model | distinct-1 | distinct-2 | self-BLEU | gzip ratio |",
    "|---|---|---|---|---|",
  );
  for (const e of sorted)
    out.push(
      `| ${cell(e.label)} | ${num(e.diversity.distinct1, 3)} | ${num(e.diversity.distinct2, 3)} | ${num(e.diversity.selfBleu, 3)} | ${num(e.diversity.compressionRatio, 2)} |`,
    );
  out.push("", "## Cost", "", "| model | player $ | simulator $ | judge $ | judge tokens |", "|---|---|---|---|---|");
  const usd = (c: ReportEntry["cost"]["judge"]) => (c.calls === 0 ? "–" : c.priced ? c.costUsd.toFixed(4) : "unpriced");
  for (const e of sorted)
    out.push(
      `| ${cell(e.label)} | ${usd(e.cost.player)} | ${usd(e.cost.simulator)} | ${usd(e.cost.judge)} | ${e.cost.judge.promptTokens + e.cost.judge.completionTokens} |`,
    );
  if (sorted.some((e) => Object.values(e.cost).some((c) => !c.priced)))
    out.push(
      "",
      "unpriced: calls were made but no price is known for the model; add it under `prices:` in troupe.config.yaml.",
    );
  if (report.calibration) {
    out.push(
      "",
      `## Calibration against ${report.calibration.reference}`,
      "",
      "| dimension | session ρ | session τ | n | model ρ | model τ | models |",
      "|---|---|---|---|---|---|---|",
    );
    for (const d of report.calibration.dimensions)
      out.push(
        `| ${DIMENSION_LABELS[d.dimension]} | ${num(d.session.spearman, 3)} | ${num(d.session.kendall, 3)} | ${d.session.n} | ${num(d.model.spearman, 3)} | ${num(d.model.kendall, 3)} | ${d.model.n} |`,
      );
  }
  out.push("", "## Provenance", "");
  for (const e of sorted)
    out.push(
      `- ${e.label}: source \`${e.source}\`, judgement \`${e.judgementId}\`, judges ${e.judges.join(", ")}, prompt \`${e.promptVersion}\` \`${e.promptHash}\`, flags standing/outvoted/unverified/detector ${e.flags.standing}/${e.flags.outvoted}/${e.flags.unverified}/${e.flags.detector}.`,
    );
  return `${out.join("\n")}\n`;
}
