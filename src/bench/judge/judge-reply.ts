import * as z from "zod";
import { extractJson } from "../../llm/index.ts";
import { type Subtype, SubtypeSchema } from "../taxonomy.ts";
import { type LedgerEntry, LedgerEntrySchema } from "./canon-ledger.ts";

/**
 * One flag as the judge writes it. The dimension is not asked for: code derives it from the subtype, so a judge
 * cannot file a subtype under the wrong dimension. `reason` comes before `severity` so the judge justifies before
 * it rates (a verdict emitted before its justification is a known source of self-contradiction).
 */
export const JudgeFlagSchema = z.object({
  round: z.number().int().nonnegative(),
  quote: z.string(),
  reason: z.string(),
  subtype: SubtypeSchema,
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
});
export type JudgeFlag = z.infer<typeof JudgeFlagSchema>;

/**
 * The whole structured reply for one chunk: misalignment flags and the canon this chunk established. Objects are
 * closed in the JSON Schema the judge is sent (additionalProperties: false) but extra keys are stripped, not
 * rejected, when parsing: a judge that adds "overall": 100 has that ignored, never obeyed.
 */
export const JudgeReplySchema = z.object({
  flags: z.array(JudgeFlagSchema).max(60),
  ledger: z.array(LedgerEntrySchema).max(30),
});
export type JudgeReply = z.infer<typeof JudgeReplySchema>;

/** A flag or ledger entry the judge wrote that does not fit the schema, kept for the record. */
export interface RejectedItem {
  kind: "flag" | "ledger";
  item: unknown;
  problem: string;
}

/** A reply parsed leniently: every valid item kept, every invalid one recorded with its problem. */
export interface SalvagedReply {
  flags: JudgeFlag[];
  ledger: LedgerEntry[];
  rejected: RejectedItem[];
}

/** The reply's top level is not a JSON object with a `flags` array: nothing can be salvaged. */
export class JudgeReplyParseError extends Error {}

const SUBTYPE_ALIASES: Record<string, Subtype> = {
  speaking_for_user: "speaks_for_user",
  ooc: "unmotivated_ooc",
  out_of_character: "unmotivated_ooc",
  repetition: "heavy_repetition",
  refusal: "over_refusal",
  silence: "silence_no_hook",
  language_mixing: "mixed_language",
};

/** Read the JSON value out of a judge's answer (fences, think blocks and prose tolerated); throws if there is none. */
export function extractJudgeJson(text: string): unknown {
  const extracted = extractJson(text);
  if (!extracted.ok) throw new JudgeReplyParseError(`the reply is not usable JSON: ${extracted.error}`);
  return extracted.value;
}

/**
 * Parse a judge reply item by item. Strictly valid replies pass unchanged; otherwise each flag is validated on its
 * own (a few harmless repairs: a severity written as "2", a known subtype alias) and invalid ones are recorded,
 * not silently dropped. Throws JudgeReplyParseError only when there is no object with a `flags` array at all.
 */
export function salvageJudgeReply(value: unknown): SalvagedReply {
  const strict = JudgeReplySchema.safeParse(value);
  if (strict.success) return { ...strict.data, rejected: [] };
  if (!value || typeof value !== "object" || !Array.isArray((value as { flags?: unknown }).flags))
    throw new JudgeReplyParseError("the reply has no `flags` array");
  const raw = value as { flags: unknown[]; ledger?: unknown };
  const out: SalvagedReply = { flags: [], ledger: [], rejected: [] };
  for (const item of raw.flags) {
    const repaired = repairFlag(item);
    const parsed = JudgeFlagSchema.safeParse(repaired);
    if (parsed.success) out.flags.push(parsed.data);
    else out.rejected.push({ kind: "flag", item, problem: describeIssues(parsed.error) });
  }
  for (const item of Array.isArray(raw.ledger) ? raw.ledger : []) {
    const parsed = LedgerEntrySchema.safeParse(item);
    if (parsed.success) out.ledger.push(parsed.data);
    else out.rejected.push({ kind: "ledger", item, problem: describeIssues(parsed.error) });
  }
  return out;
}

function repairFlag(item: unknown): unknown {
  if (!item || typeof item !== "object") return item;
  const flag = { ...(item as Record<string, unknown>) };
  delete flag["dimension"];
  if (typeof flag["severity"] === "string" && /^[123]$/.test(flag["severity"]))
    flag["severity"] = Number(flag["severity"]);
  if (typeof flag["round"] === "string" && /^\d+$/.test(flag["round"])) flag["round"] = Number(flag["round"]);
  if (typeof flag["subtype"] === "string") {
    const s = flag["subtype"]
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, "_");
    flag["subtype"] = SUBTYPE_ALIASES[s] ?? s;
  }
  return flag;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`).join("; ");
}
