import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import * as z from "zod";
import { stableHash, UsageError } from "../core/index.ts";
import { loadSeedsFile } from "./data-files.ts";
import type { ReadRowsOptions } from "./jsonl-rows.ts";
import { type FetchOfficialOptions, fetchOfficialFile, ROLE_PLAY_BENCH } from "./official-dataset.ts";
import { BenchDataError, type RowIssue } from "./row-issue.ts";
import { type Lang, LangSchema, type Scenario, SeedSchema, scenarioFromSeed } from "./scenario.ts";

/** A set of scenarios to run, with where it came from and a content hash recorded on every run. */
export interface Suite {
  name: string;
  /** A path, a URL with revision, or `builtin:<name>`. */
  source: string;
  description?: string;
  scenarios: Scenario[];
  /** Rows that failed validation (their valid siblings are in `scenarios`). */
  issues: RowIssue[];
  /** Hash of the scenarios' content: two runs with equal hashes ran the same scenarios. */
  hash: string;
}

/** The suites that ship with troupe. */
export const BUILTIN_SUITES = ["builtin-en", "builtin-zh"] as const;

const SUITES_DIR = join(import.meta.dirname, "suites");

/** Header of a troupe YAML/JSON suite file; each entry of `scenarios` is a seed row. */
export const SuiteFileSchema = z.object({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  lang: LangSchema.optional(),
  scenarios: z.array(z.unknown(), { error: "must be a list of scenarios" }),
});

export interface ResolveSuiteOptions extends ReadRowsOptions {
  cwd?: string;
  /** Cache folder for downloaded official files. */
  cacheDir?: string;
  /** Passed to the official downloader (endpoint, fetch, onProgress, revision). */
  download?: Partial<FetchOfficialOptions>;
}

/**
 * Resolve `--suite`: a built-in name (`builtin-en`, `builtin-zh`), `role-play-bench:en|zh[@revision]` (the
 * official seeds, downloaded once into the cache), a seeds `.jsonl`/`.parquet` file, a folder of official files,
 * or a troupe YAML/JSON suite.
 */
export async function resolveSuite(spec: string, options: ResolveSuiteOptions = {}): Promise<Suite> {
  if ((BUILTIN_SUITES as readonly string[]).includes(spec)) {
    const suite = loadSuiteText(readFileSync(join(SUITES_DIR, `${spec}.yaml`), "utf8"), `${spec}.yaml`);
    return { ...suite, source: `builtin:${spec}` };
  }
  const official = /^(?:role-play-bench|rpbench):(en|zh)(?:@([0-9a-f]{7,40}))?$/i.exec(spec);
  if (official) {
    const lang = official[1]?.toLowerCase() as Lang;
    const revision = official[2] ?? ROLE_PLAY_BENCH.revision;
    if (!options.cacheDir)
      throw new UsageError("bench.no_cache", "No cache folder to download the official seeds into.");
    const file = await fetchOfficialFile({
      ...options.download,
      lang,
      table: "seeds",
      revision,
      cacheDir: options.cacheDir,
    });
    const loaded = await loadSeedsFile(file, { ...options, lang });
    return finish(
      `role-play-bench:${lang}`,
      `${ROLE_PLAY_BENCH.repo}@${revision}/data/${lang}/seeds.jsonl`,
      loaded.rows,
      loaded.issues,
    );
  }
  const path = resolve(options.cwd ?? process.cwd(), spec);
  if (!existsSync(path)) {
    throw new UsageError("bench.unknown_suite", `No suite "${spec}": not a built-in name and no such file or folder.`, {
      hint: `Use ${BUILTIN_SUITES.join(", ")}, role-play-bench:en, role-play-bench:zh, a seeds .jsonl/.parquet file, a folder of official files, or a .yaml suite.`,
    });
  }
  if (statSync(path).isDirectory()) return loadOfficialFolder(path, options);
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".parquet") {
    const loaded = await loadSeedsFile(path, options);
    return finish(basename(path, ext), path, loaded.rows, loaded.issues);
  }
  if (ext === ".yaml" || ext === ".yml" || ext === ".json")
    return { ...loadSuiteText(readFileSync(path, "utf8"), path), source: path };
  throw new UsageError(
    "bench.unknown_suite_format",
    `Cannot read ${spec}: expected .jsonl, .parquet, .yaml, .yml or .json.`,
  );
}

/** Throw a BenchDataError if a suite has invalid rows, unless the caller chose to go on with the valid ones. */
export function assertSuiteValid(suite: Suite, skipInvalid: boolean): void {
  if (suite.issues.length > 0 && !skipInvalid)
    throw new BenchDataError(suite.source, suite.issues, suite.scenarios.length);
  if (suite.scenarios.length === 0) {
    throw new UsageError("bench.empty_suite", `Suite ${suite.source} has no valid scenarios.`, {
      hint: "Check the file's rows; each needs id, ai_name, ai_setting, user_name, user_setting, ai_prologue, initial_user_input.",
    });
  }
}

/** Parse a troupe YAML or JSON suite. Issues name the scenario's number and its line in the file. */
export function loadSuiteText(text: string, file: string): Suite {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new UsageError("bench.invalid_suite", `${file} is not valid YAML/JSON: ${first?.message}`, {
      hint: "Fix the syntax; a suite is a mapping with name, lang and a scenarios list.",
    });
  }
  const header = SuiteFileSchema.safeParse(doc.toJS());
  if (!header.success) {
    const issue = header.error.issues[0];
    throw new UsageError(
      "bench.invalid_suite",
      `${file}: ${issue?.path.join(".") || "(top level)"}: ${issue?.message}`,
      {
        hint: "A suite is a mapping: name, description, lang (en|zh), scenarios: [ {id, ai_name, …}, … ].",
      },
    );
  }
  const seq = doc.get("scenarios", true);
  const lineOf = (index: number, field?: string): number | undefined => {
    if (!isSeq(seq)) return undefined;
    const item = seq.items[index];
    const node = field && isMap(item) ? (item.get(field, true) ?? item) : item;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  const scenarios: Scenario[] = [];
  const issues: RowIssue[] = [];
  const seen = new Map<string, number>();
  header.data.scenarios.forEach((raw, index) => {
    const row = index + 1;
    const parsed = SeedSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join(".") || undefined;
        const line = lineOf(index, issue.path[0] as string | undefined);
        issues.push({
          file,
          row,
          ...(field ? { field } : {}),
          code:
            issue.code === "invalid_type"
              ? issue.message === "is missing"
                ? "missing_field"
                : "wrong_type"
              : issue.message === "is empty"
                ? "empty"
                : "invalid_value",
          message: `${issue.message}${line ? ` (line ${line})` : ""}`,
        });
      }
      return;
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      issues.push({
        file,
        row,
        field: "id",
        code: "duplicate_id",
        message: `"${parsed.data.id}" already used by scenario ${first}`,
      });
      return;
    }
    seen.set(parsed.data.id, row);
    scenarios.push(scenarioFromSeed(parsed.data, header.data.lang));
  });
  const name = header.data.name ?? basename(file, extname(file));
  const suite = finish(name, file, scenarios, issues);
  return header.data.description === undefined ? suite : { ...suite, description: header.data.description };
}

async function loadOfficialFolder(dir: string, options: ReadRowsOptions): Promise<Suite> {
  const candidates: Array<{ file: string; lang?: Lang }> = [];
  const pick = (folder: string, lang?: Lang) => {
    for (const ext of ["jsonl", "parquet"]) {
      const file = join(folder, `seeds.${ext}`);
      if (existsSync(file)) {
        candidates.push(lang ? { file, lang } : { file });
        return;
      }
    }
  };
  pick(dir);
  for (const lang of ["en", "zh"] as const) {
    pick(join(dir, lang), lang);
    pick(join(dir, "data", lang), lang);
  }
  if (candidates.length === 0) {
    const listing = readdirSync(dir).slice(0, 10).join(", ");
    throw new UsageError(
      "bench.no_seeds_in_folder",
      `${dir} holds no seeds.jsonl or seeds.parquet (found: ${listing || "nothing"}).`,
      {
        hint: "Point --suite at the folder holding seeds.jsonl (or data/en/seeds.jsonl), or at the file itself.",
      },
    );
  }
  const scenarios: Scenario[] = [];
  const issues: RowIssue[] = [];
  for (const c of candidates) {
    const loaded = await loadSeedsFile(c.file, { ...options, ...(c.lang ? { lang: c.lang } : {}) });
    scenarios.push(...loaded.rows);
    issues.push(...loaded.issues);
  }
  return finish(basename(dir), dir, scenarios, issues);
}

function finish(name: string, source: string, scenarios: Scenario[], issues: RowIssue[]): Suite {
  return { name, source, scenarios, issues, hash: stableHash(scenarios).slice(0, 16) };
}

/** Keep the scenarios a run asked for: `only` ids (in suite order), then at most `limit` of them. */
export function selectScenarios(suite: Suite, select: { only?: string[]; limit?: number }): Scenario[] {
  let chosen = suite.scenarios;
  if (select.only && select.only.length > 0) {
    const wanted = new Set(select.only);
    const missing = select.only.filter((id) => !suite.scenarios.some((s) => s.id === id));
    if (missing.length > 0) {
      throw new UsageError(
        "bench.unknown_scenario",
        `Suite ${suite.name} has no scenario ${missing.map((m) => `"${m}"`).join(", ")}.`,
        {
          hint: `Its ids start with: ${suite.scenarios
            .slice(0, 5)
            .map((s) => s.id)
            .join(", ")}…`,
        },
      );
    }
    chosen = chosen.filter((s) => wanted.has(s.id));
  }
  if (select.limit !== undefined) chosen = chosen.slice(0, select.limit);
  return chosen;
}
