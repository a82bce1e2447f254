import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import type * as z from "zod";
import { UsageError } from "../core/index.ts";
import { type Dialogue, DialogueSchema } from "./dialogue.ts";
import { type Evaluation, EvaluationSchema } from "./evaluation.ts";
import { type RawRow, type ReadRowsOptions, readJsonlRows } from "./jsonl-rows.ts";
import { InvalidUtf8Cell, readParquetRows } from "./parquet-rows.ts";
import type { RowIssue } from "./row-issue.ts";
import { type Lang, type Scenario, SeedSchema, scenarioFromSeed } from "./scenario.ts";

/** What a data file gave: the valid rows (never dropped because of other rows) and an issue per invalid row. */
export interface TableLoad<T> {
  file: string;
  rows: T[];
  /** The file row each valid row came from (same order as `rows`). */
  rowNumbers: number[];
  issues: RowIssue[];
}

/** Raw rows of a `.jsonl` or `.parquet` file, by extension. */
export function readRawRows(file: string, options: ReadRowsOptions = {}): AsyncGenerator<RawRow> {
  const ext = extname(file).toLowerCase();
  if (ext === ".parquet") return readParquetRows(file, options);
  return readJsonlRows(file, options);
}

/** Validate each row of a `.jsonl`/`.parquet` file against a schema, keeping valid rows and naming every bad one. */
export async function loadTable<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadRowsOptions = {},
): Promise<TableLoad<z.infer<S>>> {
  // Named here, for every caller (seeds, dialogues, evaluations, --against files), rather than surfacing later as
  // a raw ENOENT that the CLI would report as a bug.
  if (!existsSync(file))
    throw new UsageError("bench.file_missing", `No such file: ${file} (${resolve(file)}).`, {
      hint: "Check the path; official files can be downloaded with `troupe bench fetch`.",
    });
  const out: TableLoad<z.infer<S>> = { file, rows: [], rowNumbers: [], issues: [] };
  for await (const raw of readRawRows(file, options)) {
    if (raw.issue) {
      out.issues.push(raw.issue);
      continue;
    }
    const checked = checkRow(file, raw.row, raw.value, schema);
    if (checked.issues.length > 0) out.issues.push(...checked.issues);
    else {
      out.rows.push(checked.data as z.infer<S>);
      out.rowNumbers.push(raw.row);
    }
  }
  return out;
}

/** Check one parsed row; returns one issue per bad field (empty when the row is valid). */
export function validateRow(file: string, row: number, value: unknown, schema: z.ZodType): RowIssue[] {
  return checkRow(file, row, value, schema).issues;
}

function checkRow(
  file: string,
  row: number,
  value: unknown,
  schema: z.ZodType,
): { data?: unknown; issues: RowIssue[] } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { issues: [{ file, row, code: "not_an_object", message: "must be a JSON object" }] };
  }
  const bad = findInvalidUtf8(value, []);
  if (bad.length > 0)
    return {
      issues: bad.map((path) => ({ file, row, field: path, code: "invalid_utf8", message: "is not valid UTF-8" })),
    };
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data, issues: [] };
  const issues = result.error.issues.map((issue) => ({
    file,
    row,
    ...(issue.path.length > 0 ? { field: issue.path.join(".") } : {}),
    code: issueCode(issue),
    message: issue.message,
  }));
  return { issues };
}

function issueCode(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return issue.message === "is missing" ? "missing_field" : "wrong_type";
  if (issue.message === "is empty") return "empty";
  return "invalid_value";
}

function findInvalidUtf8(value: unknown, path: Array<string | number>): string[] {
  if (value instanceof InvalidUtf8Cell) return [path.join(".")];
  if (Array.isArray(value)) return value.flatMap((v, i) => findInvalidUtf8(v, [...path, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => findInvalidUtf8(v, [...path, k]));
  }
  return [];
}

/** Load an official (or troupe-shaped) seeds file as scenarios; duplicate ids are issues on the later row. */
export async function loadSeedsFile(
  file: string,
  options: ReadRowsOptions & { lang?: Lang } = {},
): Promise<TableLoad<Scenario>> {
  const table = await loadTable(file, SeedSchema, options);
  const seen = new Map<string, number>();
  const out: TableLoad<Scenario> = { file, rows: [], rowNumbers: [], issues: table.issues };
  table.rows.forEach((row, i) => {
    const at = table.rowNumbers[i] as number;
    const first = seen.get(row.id);
    if (first !== undefined) {
      out.issues.push({
        file,
        row: at,
        field: "id",
        code: "duplicate_id",
        message: `"${row.id}" already used on row ${first}`,
      });
      return;
    }
    seen.set(row.id, at);
    out.rows.push(scenarioFromSeed(row, options.lang));
    out.rowNumbers.push(at);
  });
  out.issues.sort((a, b) => a.row - b.row);
  return out;
}

/** Load an official (or troupe-exported) dialogues file; `dialogue` may be a JSON string and is parsed twice. */
export function loadDialoguesFile(file: string, options: ReadRowsOptions = {}): Promise<TableLoad<Dialogue>> {
  return loadTable(file, DialogueSchema, options);
}

/** Load an official evaluations file (session-level scores per dimension). */
export function loadEvaluationsFile(file: string, options: ReadRowsOptions = {}): Promise<TableLoad<Evaluation>> {
  return loadTable(file, EvaluationSchema, options);
}
