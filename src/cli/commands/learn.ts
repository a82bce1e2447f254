import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../core/index.ts";
import {
  buildRecords,
  chatStoreTextSource,
  combinedTextSource,
  EXPORT_FORMATS,
  type ExportFormat,
  enrichFromCandidates,
  type FieldDashboard,
  type FieldRow,
  type FileIngestReport,
  fieldDashboard,
  fieldDashboardHtml,
  ingestEvents,
  ingestFile,
  type LogFormat,
  memoryTextSource,
  type OpenRlhfKeys,
  type PipelineResult,
  putTexts,
  readEvents,
  readLoggedCandidates,
  readServedReplies,
  runPipeline,
  type SimulationReport,
  scoreSimulation,
  simulate,
  storeTextSource,
  type TextSource,
  writeDataset,
} from "../../feedback/index.ts";
import { openStore } from "../../store/index.ts";
import type { CommandContext } from "../context.ts";
import { action } from "../run-command.ts";

/** Settings file for labels/report/export: { filters, labels, weights } (YAML or JSON). */
interface LearnSettings {
  filters?: unknown;
  labels?: unknown;
  weights?: { clip?: number; maxUserShare?: number };
}

async function readSettings(file: string | undefined): Promise<LearnSettings> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError("learn.unreadable_config", `Cannot read ${file}: ${(error as Error).message}`);
  }
  const value = parseYaml(text) as unknown;
  if (!value || typeof value !== "object")
    throw new UsageError("learn.bad_config", `${file} is not a YAML or JSON object`, {
      hint: "Write { filters: {...}, labels: {...}, weights: {...} }; see docs/learn.md.",
    });
  return value as LearnSettings;
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError("cli.invalid_option", `${flag} must be a whole number`);
  return n;
}

function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new UsageError("cli.invalid_option", `${flag} must be between 0 and 1`);
  return n;
}

const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`;

function pipelineSummary(result: PipelineResult): Record<string, unknown> {
  const bySource: Record<string, number> = {};
  for (const l of result.labels) bySource[`${l.source}:${l.kind}`] = (bySource[`${l.source}:${l.kind}`] ?? 0) + 1;
  return {
    events: result.input,
    kept: result.kept.length,
    filters: result.filters.map((f) => ({ name: f.name, input: f.input, dropped: f.dropped, examples: f.examples })),
    labels: result.labels.length,
    by_source: bySource,
    skipped: result.labelStats,
    position_bias: result.bias,
    ess: Number(result.ess.toFixed(1)),
    top_users: result.strata.user.slice(0, 5),
    characters: result.strata.character.slice(0, 10),
    lengths: result.strata.length,
  };
}

function printPipeline(ctx: CommandContext, result: PipelineResult, examples: number): void {
  ctx.print(`events: ${result.input}, kept after filters: ${result.kept.length}`);
  for (const f of result.filters) {
    ctx.print(`  ${f.name.padEnd(18)} dropped ${String(f.dropped).padStart(7)} of ${f.input}  (${f.description})`);
    for (const e of f.examples.slice(0, examples))
      ctx.print(`      e.g. ${e.event_id} ${e.type} by ${e.user_id}: ${e.reason}`);
  }
  const counts = pipelineSummary(result).by_source as Record<string, number>;
  ctx.print(
    `labels: ${result.labels.length}  ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  ctx.print(
    `  unseen siblings skipped ${result.labelStats.unseenSiblingsSkipped}, trivial edits skipped ${result.labelStats.trivialEditsSkipped}, long dwell without engagement ${result.labelStats.dwellWithoutEngagement}`,
  );
  ctx.print(
    `position bias (${result.bias.method}, ${result.bias.groups} groups): θ = ${result.bias.theta.map((t) => t.toFixed(3)).join(", ")}`,
  );
  ctx.print(`effective sample size: ${result.ess.toFixed(1)} of ${result.labels.length} labels`);
  const top = result.strata.user[0];
  const total = result.strata.user.reduce((s, x) => s + x.weight, 0);
  if (top && total > 0) ctx.print(`heaviest user holds ${pct(top.weight / total)} of the weight`);
}

async function loadPipeline(ctx: CommandContext, options: { owner?: string; config?: string }) {
  const settings = await readSettings(options.config);
  const store = await ctx.store();
  // Events from troupe serve's web app name candidates; the candidate log gives their policy, propensities and group.
  const events = enrichFromCandidates(
    await readEvents(store, options.owner ? { ownerId: options.owner } : {}),
    await readLoggedCandidates(store, options.owner),
  );
  const result = runPipeline(events, {
    filters: settings.filters,
    labels: settings.labels,
    weights: settings.weights ?? {},
  });
  return { settings, store, result };
}

function parseKeys(value: string | undefined): OpenRlhfKeys | undefined {
  if (!value) return undefined;
  const [prompt, chosen, rejected, margin] = value.split(",").map((s) => s.trim());
  if (!prompt || !chosen || !rejected)
    throw new UsageError("cli.invalid_option", "--openrlhf-keys takes prompt,chosen,rejected[,margin]", {
      hint: "Example: --openrlhf-keys prompt,chosen,rejected,margin",
    });
  return { prompt, chosen, rejected, margin: margin || null };
}

function parseFormats(values: string[] | undefined): ExportFormat[] | undefined {
  if (!values) return undefined;
  const list = values.flatMap((v) => v.split(",")).map((v) => v.trim());
  for (const f of list)
    if (!(EXPORT_FORMATS as readonly string[]).includes(f))
      throw new UsageError("cli.invalid_option", `--format ${f} is not one of ${EXPORT_FORMATS.join(", ")}`);
  return list as ExportFormat[];
}

async function exportFolder(
  dir: string,
  result: PipelineResult,
  texts: TextSource,
  options: {
    sources: unknown[];
    settings: LearnSettings;
    seed: string;
    evalFraction: number;
    formats?: ExportFormat[] | undefined;
    keys?: OpenRlhfKeys | undefined;
    force?: boolean | undefined;
  },
) {
  if (existsSync(dir) && (await readdir(dir)).length > 0 && !options.force)
    throw new UsageError("learn.export_exists", `${dir} is not empty`, { hint: "Pick a new folder or pass --force." });
  const { records, skipped } = await buildRecords(result.labels, texts, {
    evalFraction: options.evalFraction,
    seed: options.seed,
  });
  const { files, manifest } = await writeDataset(
    dir,
    records,
    {
      sources: options.sources,
      filters: result.filters.map((f) => ({ name: f.name, config: f.config, input: f.input, dropped: f.dropped })),
      labels: { settings: options.settings.labels ?? {}, stats: result.labelStats, skipped_without_text: skipped },
      weights: {
        settings: options.settings.weights ?? {},
        position_bias: result.bias,
        ess: result.ess,
        labels: result.labels.length,
      },
      seeds: { split: options.seed },
    },
    {
      createdAt: Date.now(),
      ...(options.formats ? { formats: options.formats } : {}),
      ...(options.keys ? { openRlhfKeys: options.keys } : {}),
    },
  );
  return { files, manifest, records: records.length, skipped };
}

function printDashboard(ctx: CommandContext, d: FieldDashboard): void {
  const p = (i: { estimate: number; lower: number; upper: number } | null, scale = 100) =>
    i ? `${(i.estimate * scale).toFixed(1)} [${(i.lower * scale).toFixed(1)}, ${(i.upper * scale).toFixed(1)}]` : "–";
  const columns = [
    ["regenerate %", (r: FieldRow) => p(r.regenerateRate)],
    ["edit %", (r: FieldRow) => p(r.editRate)],
    ["leave %", (r: FieldRow) => p(r.leaveRate)],
    ["crash %", (r: FieldRow) => p(r.crashRate)],
    ["garbled %", (r: FieldRow) => p(r.garbledRate)],
    ["repetition %", (r: FieldRow) => p(r.repetitionRate)],
    ["silence %", (r: FieldRow) => p(r.silenceRate)],
    ["speaks for user %", (r: FieldRow) => p(r.speaksForUserRate)],
    ["session min", (r: FieldRow) => p(r.sessionMinutes, 1)],
  ] as const;
  // One block per row: nine measures with intervals do not fit one terminal line.
  for (const r of d.rows) {
    ctx.print(
      `${r.period}  ${r.policy}  (${r.turns} turns acted on, ${r.replies} replies served, ${r.sessions} sessions)`,
    );
    for (const [label, value] of columns) ctx.print(`  ${label.padEnd(18)} ${value(r)}`);
  }
  if (d.rows.length === 0) ctx.print("no events or served replies yet");
  for (const n of d.notCovered) ctx.print(`not covered: ${n}`);
}

function printSimulation(ctx: CommandContext, r: SimulationReport): void {
  const actors = Object.entries(r.events.byActor)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  ctx.print(`events: ${r.events.total} (${actors})`);
  ctx.print(`pair accuracy against the hidden preferences:`);
  ctx.print(
    `  naive (no filters, every sibling a loser, no weights)   ${r.pairs.naive.accuracy.toFixed(3)}  (${r.pairs.naive.pairs} pairs)`,
  );
  ctx.print(
    `  denoised (filters, examined siblings, clipped SNIPS)      ${r.pairs.denoised.accuracy.toFixed(3)}  (${r.pairs.denoised.pairs} pairs, ESS ${r.pairs.denoised.ess.toFixed(0)}, unweighted ${r.pairs.denoised.unweightedAccuracy.toFixed(3)})`,
  );
  ctx.print(
    `  ablations: no filters ${r.pairs.ablations.noFilters.toFixed(3)}, all siblings ${r.pairs.ablations.allSiblings.toFixed(3)}, no position weights ${r.pairs.ablations.noPositionWeights.toFixed(3)}`,
  );
  ctx.print(`"dwell = liked" mislabel rate:`);
  ctx.print(
    `  wall-clock dwell ≥ 30 s              ${pct(r.dwell.naive.mislabelRate)} of ${r.dwell.naive.labels} labels`,
  );
  ctx.print(
    `  visible, length-normalised, engaged  ${pct(r.dwell.controlled.mislabelRate)} of ${r.dwell.controlled.labels} labels`,
  );
  ctx.print(`filters: bot, burst and test events caught ${pct(r.filters.abuseCaught)}`);
  ctx.print(`  human events dropped by the abuse filters ${pct(r.filters.humanDroppedByAbuseFilters)}`);
  ctx.print(`  human events dropped by any filter (incl. unexamined verdicts) ${pct(r.filters.humanDroppedByAny)}`);
  for (const f of r.filters.perFilter)
    ctx.print(
      `    ${f.name.padEnd(18)} ${String(f.dropped).padStart(6)}  ${Object.entries(f.byActor)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  ctx.print(`position bias (${r.positionBias.method}): θ = ${r.positionBias.theta.join(", ")}`);
}

/** `troupe learn …`: from usage signals to preference data. */
export function registerLearn(program: Command): void {
  const learn = program
    .command("learn")
    .description("turn usage signals into trustworthy preference data: ingest, filter, label, de-bias, export")
    .addHelpText(
      "after",
      `
Events (docs/events.md) come from troupe serve, from log files (SillyTavern chats, JSONL or Parquet logs), or from
the simulator. Filters drop bots, bursts, broken clocks, test accounts and verdicts on unread replies; labels turn
swipes, edits, regenerates, continuation, leaving, ratings and dwell into pairs and unary labels; position bias
is estimated and corrected with clipped, self-normalised inverse-propensity weights. See docs/learn.md.

Examples:
  troupe learn simulate --out ./sim-data
  troupe learn ingest ~/SillyTavern/data/default-user/chats/Mira/*.jsonl
  troupe learn report
  troupe learn export ./prefs --format trl-dpo,trl-kto`,
    );

  learn
    .command("simulate")
    .description("simulate users with hidden preferences and score naive vs denoised labels against the truth")
    .option("--seed <seed>", "random seed", "troupe-sim")
    .option("--humans <n>", "simulated people")
    .option("--bots <n>", "scripted accounts")
    .option("--impatience <p>", "largest per-user chance of acting before reading (0..1)")
    .option("--out <dir>", "also export the denoised labels of the simulation as a dataset folder")
    .option("--force", "write into a non-empty --out folder")
    .option("--keep", 'store the simulated events and texts in troupe\'s database (owner "simulate")')
    .action(
      action(
        async (
          ctx,
          options: {
            seed: string;
            humans?: string;
            bots?: string;
            impatience?: string;
            out?: string;
            force?: boolean;
            keep?: boolean;
          },
        ) => {
          const humans = integer(options.humans, "--humans");
          const bots = integer(options.bots, "--bots");
          const impatience = fraction(options.impatience, "--impatience");
          const sim = simulate({
            seed: options.seed,
            ...(humans === undefined ? {} : { humans }),
            ...(bots === undefined ? {} : { bots }),
            ...(impatience === undefined ? {} : { maxImpatience: impatience }),
          });
          // The simulation goes through the same ingest as live traffic, into a throwaway database unless --keep.
          const store = options.keep ? await ctx.store() : await openStore({ databaseUrl: ":memory:" });
          try {
            for (const batch of sim.batches)
              await ingestEvents(store, "simulate", batch.events, { now: batch.receivedAt, trustUser: true });
            if (options.keep) await putTexts(store, "simulate", sim.texts);
            const events = await readEvents(store, { ownerId: "simulate" });
            const report = scoreSimulation(events, sim.truth);
            let exported: unknown;
            if (options.out) {
              const result = runPipeline(events);
              exported = await exportFolder(options.out, result, memoryTextSource(sim.texts), {
                sources: [{ kind: "simulate", seed: options.seed, humans, bots, impatience }],
                settings: {},
                seed: options.seed,
                evalFraction: 0.1,
                force: options.force,
              });
            }
            if (ctx.json) ctx.printJson({ ...report, ...(exported ? { export: exported } : {}) });
            else {
              printSimulation(ctx, report);
              if (exported && options.out) ctx.print(`dataset written to ${options.out} (README.md, manifest.json)`);
            }
          } finally {
            if (!options.keep) await store.close();
          }
          return 0;
        },
      ),
    );

  learn
    .command("ingest")
    .description("ingest feedback logs (SillyTavern chats, JSONL or Parquet event logs); re-ingesting changes nothing")
    .argument("<file...>", "log files")
    .option("--format <format>", "sillytavern, jsonl or parquet (default: detected)")
    .option("--mapping <file>", "YAML/JSON field mapping for another app's log (docs/learn.md)")
    .option("--owner <id>", "account the events are stored under", "local")
    .action(
      action(async (ctx, files: string[], options: { format?: string; mapping?: string; owner: string }) => {
        if (options.format && !["sillytavern", "jsonl", "parquet"].includes(options.format))
          throw new UsageError("cli.invalid_option", "--format must be sillytavern, jsonl or parquet");
        const mapping = options.mapping
          ? ((await readSettings(options.mapping)) as Record<string, unknown>)
          : undefined;
        const store = await ctx.store();
        const reports: FileIngestReport[] = [];
        for (const file of files)
          reports.push(
            await ingestFile(store, options.owner, file, {
              now: Date.now(),
              ...(options.format ? { format: options.format as LogFormat } : {}),
              ...(mapping ? { mapping } : {}),
            }),
          );
        if (ctx.json) ctx.printJson(reports);
        else
          for (const r of reports) {
            ctx.print(
              `${r.file} (${r.format}): ${r.accepted} new events, ${r.duplicates} already stored, ${r.texts} new texts, ${r.issues.length} problem lines`,
            );
            for (const i of r.issues.slice(0, 20)) ctx.print(`  line ${i.line}: ${i.message}`);
            if (r.issues.length > 20) ctx.print(`  … ${r.issues.length - 20} more (use --json for all)`);
            for (const n of r.notes) ctx.print(`  note: ${n}`);
          }
        return 0;
      }),
    );

  for (const [name, description] of [
    ["labels", "derive labels from stored events and summarise them (counts, position bias, ESS)"],
    ["report", "show what every filter dropped (with examples), the labels, strata and ESS"],
  ] as const)
    learn
      .command(name)
      .description(description)
      .option("--owner <id>", "only this account's events")
      .option("--config <file>", "YAML/JSON settings: { filters, labels, weights }")
      .option("--examples <n>", "examples per filter", name === "report" ? "5" : "0")
      .action(
        action(async (ctx, options: { owner?: string; config?: string; examples: string }) => {
          const { result } = await loadPipeline(ctx, options);
          if (ctx.json) ctx.printJson(pipelineSummary(result));
          else printPipeline(ctx, result, integer(options.examples, "--examples") ?? 0);
          return 0;
        }),
      );

  learn
    .command("dashboard")
    .description(
      "field dashboard per model version over time: crash, garbled, repetition, silence, speaking for the user, regenerate, edit and leave rates, session length",
    )
    .option("--owner <id>", "only this account's events and chats")
    .option("--period-days <n>", "days per period", "1")
    .option("--since <date>", "only events and replies from this date on (ISO date or time)")
    .option("--html <file>", "also write a self-contained HTML page")
    .option("--force", "overwrite --html")
    .action(
      action(
        async (
          ctx,
          options: { owner?: string; periodDays: string; since?: string; html?: string; force?: boolean },
        ) => {
          const since = options.since === undefined ? undefined : Date.parse(options.since);
          if (since !== undefined && !Number.isFinite(since))
            throw new UsageError("cli.invalid_option", `--since ${options.since} is not a date`, {
              hint: "Write an ISO date such as 2026-12-01.",
            });
          if (options.html && existsSync(options.html) && !options.force)
            throw new UsageError("cli.output_exists", `${options.html} already exists`, {
              hint: "Pass --force to overwrite it.",
            });
          const store = await ctx.store();
          const all = await readEvents(store, options.owner ? { ownerId: options.owner } : {});
          const events = since === undefined ? all : all.filter((e) => e.ts >= since);
          const served = await readServedReplies(store, { ownerId: options.owner, since });
          const policyOf = new Map(served.map((r) => [r.candidateId, r.policy]));
          const periodDays = integer(options.periodDays, "--period-days") || 1;
          const dashboard = fieldDashboard(events, { periodDays, served, policyOf });
          if (options.html) await writeFile(options.html, await fieldDashboardHtml(dashboard));
          if (ctx.json) ctx.printJson(dashboard);
          else printDashboard(ctx, dashboard);
          return 0;
        },
      ),
    );

  learn
    .command("export")
    .description("export preference data (TRL DPO/KTO, OpenRLHF, OpenAI, verl) with a manifest and a dataset card")
    .argument("<dir>", "output folder")
    .option("--owner <id>", "only this account's events")
    .option("--config <file>", "YAML/JSON settings: { filters, labels, weights }")
    .option("--format <format...>", `formats (default all): ${EXPORT_FORMATS.join(", ")}`)
    .option("--eval-fraction <x>", "share of users held out as the test split", "0.1")
    .option("--seed <seed>", "split seed", "troupe")
    .option("--openrlhf-keys <keys>", "prompt,chosen,rejected[,margin] column names for OpenRLHF")
    .option("--force", "write into a non-empty folder")
    .action(
      action(
        async (
          ctx,
          dir: string,
          options: {
            owner?: string;
            config?: string;
            format?: string[];
            evalFraction: string;
            seed: string;
            openrlhfKeys?: string;
            force?: boolean;
          },
        ) => {
          const { settings, store, result } = await loadPipeline(ctx, options);
          // Imported and simulated texts first, then serve's chats and candidate log.
          const texts = combinedTextSource([storeTextSource(store), chatStoreTextSource(store)]);
          const out = await exportFolder(dir, result, texts, {
            sources: [{ kind: "store", location: store.location, owner: options.owner ?? "all" }],
            settings,
            seed: options.seed,
            evalFraction: fraction(options.evalFraction, "--eval-fraction") ?? 0.1,
            formats: parseFormats(options.format),
            keys: parseKeys(options.openrlhfKeys),
            force: options.force,
          });
          if (ctx.json) ctx.printJson(out);
          else {
            ctx.print(`${out.records} records written to ${dir}`);
            for (const f of out.files) ctx.print(`  ${f.path.padEnd(24)} ${f.rows} rows`);
            if (out.skipped.missingText || out.skipped.missingContext)
              ctx.print(
                `  ${out.skipped.missingText + out.skipped.missingContext} labels skipped: their texts are not in this database`,
              );
          }
          return 0;
        },
      ),
    );
}
