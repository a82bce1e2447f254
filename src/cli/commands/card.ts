import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  type CardContainer,
  type CardSpec,
  extractCardAssets,
  type LoadedCard,
  readCardFile,
  validateCard,
  writeCard,
} from "../../cards/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import type { CommandContext } from "../context.ts";
import { action } from "../run-command.ts";

/**
 * Write a file so that a crash never leaves a half-written output: write a temporary sibling, then rename it over
 * the target. Refuses to overwrite the input (when there is one), and anything else without --force.
 */
export async function writeOutput(
  out: string,
  bytes: Uint8Array | string,
  options: { input?: string; force?: boolean },
): Promise<void> {
  if (options.input !== undefined && resolve(out) === resolve(options.input)) {
    throw new UsageError("cli.output_is_input", `--out ${out} is the input file`, {
      hint: "Write to a different file; troupe never overwrites its input.",
    });
  }
  if (existsSync(out) && !options.force) {
    throw new UsageError("cli.output_exists", `${out} already exists`, { hint: "Pass --force to overwrite it." });
  }
  const temp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { force: true });
    throw new UsageError("cli.write_failed", `cannot write ${out}: ${(error as Error).message}`, {
      hint: "Check that the folder exists and is writable.",
      cause: error,
    });
  }
}

function parseChoice<T extends string>(
  value: string | undefined,
  flag: string,
  choices: Record<string, T>,
): T | undefined {
  if (value === undefined) return undefined;
  const v = choices[value.toLowerCase()];
  if (!v) {
    throw new UsageError(
      "cli.invalid_option",
      `${flag} must be one of ${Object.keys(choices).join(", ")}; got "${value}"`,
      {
        hint: `Example: ${flag} ${Object.keys(choices)[0]}`,
      },
    );
  }
  return v;
}

const containerName: Record<CardContainer, string> = { json: "JSON", png: "PNG", charx: "CharX" };

/** A summary of a card for people and for --json. */
export function summarizeCard(loaded: LoadedCard) {
  const d = loaded.card.data;
  const book = d.character_book;
  return {
    name: d.name,
    ...(d.nickname ? { nickname: d.nickname } : {}),
    spec: loaded.source.spec,
    specVersion: loaded.source.specVersion,
    container: loaded.source.container,
    ...(loaded.source.chunk ? { chunk: loaded.source.chunk } : {}),
    fields: {
      description: d.description.length,
      personality: d.personality.length,
      scenario: d.scenario.length,
      first_mes: d.first_mes.length,
      mes_example: d.mes_example.length,
      system_prompt: d.system_prompt.length,
      post_history_instructions: d.post_history_instructions.length,
      creator_notes: d.creator_notes.length,
    },
    greetings: { alternate: d.alternate_greetings.length, groupOnly: d.group_only_greetings.length },
    tags: d.tags,
    creator: d.creator,
    characterVersion: d.character_version,
    extensions: Object.keys(d.extensions),
    lorebook: book
      ? {
          name: book.name ?? null,
          entries: book.entries.length,
          enabled: book.entries.filter((e) => e.enabled).length,
          constant: book.entries.filter((e) => e.constant === true).length,
        }
      : null,
    assets: d.assets ?? null,
    files: Object.keys(loaded.files),
    warnings: loaded.warnings,
  };
}

async function inspect(ctx: CommandContext, file: string, options: { full?: boolean }): Promise<number> {
  const loaded = await readCardFile(file);
  if (ctx.json) {
    ctx.printJson(options.full ? { ...summarizeCard(loaded), card: loaded.card } : summarizeCard(loaded));
    return ExitCode.ok;
  }
  const s = summarizeCard(loaded);
  const specLabel = s.spec === "v1" ? "V1" : `chara_card_${s.spec} ${s.specVersion}`;
  ctx.print(
    `${s.name}${s.nickname ? ` ("${s.nickname}")` : ""}  ${specLabel} in ${containerName[s.container]}${s.chunk ? ` (chunk ${s.chunk})` : ""}`,
  );
  for (const [field, length] of Object.entries(s.fields))
    ctx.print(`  ${field.padEnd(26)} ${String(length).padStart(7)} chars`);
  ctx.print(`  greetings: first_mes + ${s.greetings.alternate} alternate + ${s.greetings.groupOnly} group-only`);
  ctx.print(`  tags: ${s.tags.length ? s.tags.join(", ") : "(none)"}`);
  ctx.print(`  creator: ${s.creator || "(none)"}   version: ${s.characterVersion || "(none)"}`);
  ctx.print(`  extensions: ${s.extensions.length ? s.extensions.join(", ") : "(none)"}`);
  ctx.print(
    s.lorebook
      ? `  lorebook: ${s.lorebook.name ? `"${s.lorebook.name}", ` : ""}${s.lorebook.entries} entries (${s.lorebook.enabled} enabled, ${s.lorebook.constant} constant)`
      : "  lorebook: (none)",
  );
  ctx.print(
    `  assets: ${s.assets ? s.assets.map((a) => `${a.type}:${a.name} ${a.uri.slice(0, 48)}`).join("; ") : "(none; the default icon)"}`,
  );
  if (s.files.length)
    ctx.print(
      `  embedded files: ${s.files.length} (${s.files.slice(0, 5).join(", ")}${s.files.length > 5 ? ", …" : ""})`,
    );
  for (const w of s.warnings) ctx.print(`  warning: ${w}`);
  return ExitCode.ok;
}

async function validate(ctx: CommandContext, file: string): Promise<number> {
  const loaded = await readCardFile(file);
  const result = validateCard(loaded.original);
  for (const w of loaded.warnings) {
    if (!result.warnings.some((x) => x.message === w) && !result.errors.some((x) => x.message === w)) {
      result.warnings.push({ path: "", message: w });
    }
  }
  if (ctx.json) {
    ctx.printJson({ file, ...result });
  } else {
    ctx.print(
      `${file}: ${result.ok ? "valid" : "INVALID"} ${result.spec.toUpperCase()} card (${result.errors.length} errors, ${result.warnings.length} warnings)`,
    );
    for (const e of result.errors) ctx.print(`  error   ${e.path ? `${e.path}: ` : ""}${e.message}`);
    for (const w of result.warnings) ctx.print(`  warning ${w.path ? `${w.path}: ` : ""}${w.message}`);
  }
  return result.ok ? ExitCode.ok : ExitCode.usage;
}

interface ConvertOptions {
  to: string;
  out: string;
  spec?: string;
  image?: string;
  assetsDir?: string;
  force?: boolean;
}

async function convert(ctx: CommandContext, file: string, options: ConvertOptions): Promise<number> {
  const to = parseChoice(options.to, "--to", { json: "json", png: "png", charx: "charx" } as Record<
    string,
    CardContainer
  >) as CardContainer;
  const spec = parseChoice(options.spec, "--spec", { v1: "v1", v2: "v2", v3: "v3" } as Record<string, CardSpec>);
  if (spec && to !== "json") {
    throw new UsageError("cli.invalid_option", "--spec only applies to --to json", {
      hint: "PNG always carries V3 (ccv3) plus a V2 backfill (chara); CharX always carries V3.",
    });
  }
  const loaded = await readCardFile(file);
  const image = options.image ? new Uint8Array(await readFile(options.image)) : undefined;
  const noImage = to === "png" && !image && !loaded.image && !Object.keys(loaded.files).some((f) => f.endsWith(".png"));
  const bytes = writeCard(loaded, to, { ...(spec ? { spec } : {}), ...(image ? { image } : {}) });
  await writeOutput(options.out, bytes, { input: file, force: options.force === true });
  const written = options.assetsDir ? await extractCardAssets(loaded, options.assetsDir) : [];
  const result = {
    from: { file, spec: loaded.source.spec, container: loaded.source.container },
    to: {
      file: options.out,
      container: to,
      ...(to === "json" ? { spec: spec ?? loaded.source.spec } : {}),
      bytes: bytes.length,
    },
    assetsWritten: written,
    warnings: loaded.warnings,
  };
  if (ctx.json) ctx.printJson(result);
  else {
    ctx.print(
      `wrote ${options.out} (${containerName[to]}${to === "json" ? ` ${(spec ?? loaded.source.spec).toUpperCase()}` : ""}, ${bytes.length} bytes) from ${file}`,
    );
    if (written.length) ctx.print(`wrote ${written.length} embedded files under ${options.assetsDir}`);
    if (noImage) ctx.print("note: the card had no image, so it was embedded in a plain grey placeholder (use --image)");
    const files = Object.keys(loaded.files).length;
    if (to !== "charx" && files > 0 && !options.assetsDir) {
      ctx.print(
        `note: ${files} embedded files of the CharX are not carried into ${containerName[to]}; keep the CharX or pass --assets-dir`,
      );
    }
    for (const w of loaded.warnings) ctx.print(`warning: ${w}`);
  }
  return ExitCode.ok;
}

/** `troupe card inspect|validate|convert`: character cards in and out (JSON, PNG/APNG, CharX; V1, V2, V3). */
export function registerCard(program: Command): void {
  const card = program
    .command("card")
    .description("character cards (V1/V2/V3 in JSON, PNG/APNG or CharX): inspect, validate, convert");
  card
    .command("inspect <file>")
    .description("summarise a card: spec, container, field sizes, greetings, lorebook, assets, warnings")
    .option("--full", "with --json, include the whole card normalised to V3")
    .addHelpText(
      "after",
      `
Reads .png/.apng (the ccv3 chunk is preferred over chara), .json (V1, V2 or V3) and .charx files.

Examples:
  troupe card inspect Seraphina.png
  troupe card inspect Seraphina.png --json --full > seraphina.v3.json`,
    )
    .action(action((ctx, file: string, options: { full?: boolean }) => inspect(ctx, file, options)));
  card
    .command("validate <file>")
    .description("check a card against the V1/V2/V3 specs (exit 2 when it has errors)")
    .addHelpText(
      "after",
      `
Errors: not a card, or fields of the wrong type. Warnings: required fields missing (import fills in the
spec default), newer spec versions, asset rules, regex keys RE2 cannot compile, unsupported decorators.

Examples:
  troupe card validate Seraphina.png
  troupe card validate card.json --json`,
    )
    .action(action((ctx, file: string) => validate(ctx, file)));
  card
    .command("convert <file>")
    .description("write a card as JSON, PNG or CharX, losing nothing")
    .requiredOption("--to <format>", "json | png | charx")
    .requiredOption("--out <file>", "output file (written atomically; never the input)")
    .option("--spec <spec>", "for --to json: v1 | v2 | v3 (default: the spec the card was read in)")
    .option("--image <png>", "for --to png: the PNG/APNG to embed the card in (default: the card's own image)")
    .option("--assets-dir <dir>", "also write a CharX card's embedded files under this folder (never outside it)")
    .option("--force", "overwrite --out if it exists")
    .addHelpText(
      "after",
      `
PNG output carries the full card in a ccv3 chunk plus a V2 backfill in chara (decorators stripped), so both
V3 and V2-only apps can read it. Unknown fields and extensions are kept in every direction.

Examples:
  troupe card convert Seraphina.png --to json --out seraphina.json
  troupe card convert seraphina.json --to png --image portrait.png --out seraphina.png
  troupe card convert hero.charx --to png --out hero.png --assets-dir hero-assets
  troupe card convert Seraphina.png --to json --spec v3 --out seraphina.v3.json`,
    )
    .action(action((ctx, file: string, options: ConvertOptions) => convert(ctx, file, options)));
}
