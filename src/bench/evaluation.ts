import * as z from "zod";

const score = z.number({ error: "must be a number" }).min(0).max(100);
const key = z.string({ error: "must be a string" }).min(1, { error: "is empty" });

/**
 * One row of the official `evaluations` table: session-level scores (0–100) per dimension, keyed like dialogues by
 * `(seed_id, model_name, run_id)`. Extra keys are tolerated and dropped.
 */
export const EvaluationSchema = z.object({
  seed_id: key,
  model_name: key,
  run_id: key,
  basics_score: score,
  logic_score: score,
  knowledge_score: score,
  diversity_score: score,
  content_logic_score: score,
  interaction_score: score,
});
export type Evaluation = z.infer<typeof EvaluationSchema>;
