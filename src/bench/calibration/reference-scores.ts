import * as z from "zod";
import { loadTable } from "../data-files.ts";
import { BenchDataError, type RowIssue } from "../row-issue.ts";
import { DIMENSIONS, type Dimension } from "../taxonomy.ts";

const score = z.number({ error: "must be a number" }).min(0).max(100);
const key = z.string({ error: "must be a string" }).min(1, { error: "is empty" });

/**
 * A reference score row: the official `evaluations` shape (`seed_id, model_name, run_id, basics_score …
 * interaction_score`) or a human-label file in the same shape where any dimension may be missing and an optional
 * `annotator` names who labelled it. Several annotators of one session are averaged.
 */
export const ReferenceRowSchema = z.object({
  seed_id: key,
  model_name: key,
  run_id: key,
  annotator: z.string().optional(),
  ...Object.fromEntries(DIMENSIONS.map((d) => [`${d}_score`, score.optional()])),
});

/** Reference scores of one session. */
export interface ReferenceSession {
  seedId: string;
  modelName: string;
  runId: string;
  scores: Partial<Record<Dimension, number>>;
  /** How many label rows were averaged. */
  raters: number;
}

/** Load reference scores from a `.jsonl` or `.parquet` file; bad rows are errors that name file, row and field. */
export async function loadReferenceScores(
  file: string,
  options: { skipInvalid?: boolean } = {},
): Promise<{ sessions: ReferenceSession[]; issues: RowIssue[] }> {
  const table = await loadTable(file, ReferenceRowSchema);
  if (table.issues.length > 0 && !options.skipInvalid) throw new BenchDataError(file, table.issues, table.rows.length);
  const bySession = new Map<string, { row: ReferenceSession; sums: Partial<Record<Dimension, [number, number]>> }>();
  for (const row of table.rows as Array<Record<string, unknown>>) {
    const k = `${row["seed_id"]}\u0000${row["model_name"]}\u0000${row["run_id"]}`;
    const entry = bySession.get(k) ?? {
      row: {
        seedId: row["seed_id"] as string,
        modelName: row["model_name"] as string,
        runId: row["run_id"] as string,
        scores: {},
        raters: 0,
      },
      sums: {},
    };
    entry.row.raters++;
    for (const d of DIMENSIONS) {
      const v = row[`${d}_score`];
      if (typeof v === "number") {
        const [s, n] = entry.sums[d] ?? [0, 0];
        entry.sums[d] = [s + v, n + 1];
      }
    }
    bySession.set(k, entry);
  }
  const sessions = [...bySession.values()].map(({ row, sums }) => {
    for (const d of DIMENSIONS) {
      const sn = sums[d];
      if (sn) row.scores[d] = sn[0] / sn[1];
    }
    return row;
  });
  return { sessions, issues: table.issues };
}
