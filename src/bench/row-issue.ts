import { UsageError } from "../core/index.ts";

/** A problem with one row of a data file, precise enough to fix by hand: which file, which row, which field. */
export interface RowIssue {
  file: string;
  /** 1-based line number (JSONL), row number (Parquet) or scenario number (YAML/JSON suites). */
  row: number;
  /** Dotted path of the offending field ("ai_name", "dialogue.5.text"); absent when the whole row is bad. */
  field?: string;
  /** Stable machine-readable kind: missing_field, wrong_type, empty, invalid_json, invalid_utf8, line_too_long, … */
  code: string;
  message: string;
}

/** One line a person can read: "seeds.jsonl:12: ai_name: is empty". */
export function formatRowIssue(issue: RowIssue): string {
  return `${issue.file}:${issue.row}: ${issue.field ? `${issue.field}: ` : ""}${issue.message}`;
}

/** Rows of a file that failed validation; the valid rows were kept and are available on `validRows`. */
export class BenchDataError extends UsageError {
  readonly issues: RowIssue[];
  readonly validRows: number;

  constructor(file: string, issues: RowIssue[], validRows: number, hint?: string) {
    const shown = issues.slice(0, 10).map((i) => `  ${formatRowIssue(i)}`);
    const more = issues.length > 10 ? [`  … and ${issues.length - 10} more`] : [];
    super(
      "bench.invalid_rows",
      `${file}: ${issues.length} invalid row${issues.length === 1 ? "" : "s"} (${validRows} valid):\n${[...shown, ...more].join("\n")}`,
      {
        hint: hint ?? "Fix the rows listed above, or pass --skip-invalid to go on with the valid rows only.",
        details: { file, validRows, issues: issues.slice(0, 100) },
      },
    );
    this.issues = issues;
    this.validRows = validRows;
  }
}
