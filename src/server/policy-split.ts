import { sha256 } from "../core/index.ts";
import type { Sampling } from "./gateway.ts";

/** One serving policy of a served model name: a model spec with its sampling and prompt version, and its share. */
export interface PolicyArm {
  /** Stable id logged with every candidate ("companion/a"). */
  id: string;
  /** The model spec or configured model name that answers. */
  model: string;
  /** Relative share of users (weights need not sum to 1). */
  weight: number;
  /** Version label of the model behind the spec (logged; a new deployment gets a new one). */
  version?: string;
  /** Identifies the prompt template; a prompt change gets a new one. */
  promptVersion?: string;
  sampling?: Sampling;
}

/** The policy chosen for a request, and the probability that this user would be given it. */
export interface PolicyChoice {
  arm: PolicyArm;
  /** P(arm) under the split: weight / total weight. */
  propensity: number;
}

/**
 * Split users over arms by a stable hash of the user and a salt: a user keeps their arm across requests and
 * processes (so a conversation is not served by two policies), while over users the split is random with known
 * probabilities — the propensities the learning loop needs to undo the split's bias.
 */
export function choosePolicy(arms: readonly PolicyArm[], userKey: string, salt = ""): PolicyChoice {
  const live = arms.filter((a) => a.weight > 0);
  if (live.length === 0) throw new Error("a served model needs at least one policy with a positive weight");
  const total = live.reduce((sum, a) => sum + a.weight, 0);
  // 52 bits of the hash give a uniform number in [0, 1) with no modulo bias worth measuring.
  const u = Number.parseInt(sha256(`${salt}\u0000${userKey}`).slice(0, 13), 16) / 2 ** 52;
  let acc = 0;
  for (const arm of live) {
    acc += arm.weight / total;
    if (u < acc) return { arm, propensity: arm.weight / total };
  }
  const last = live[live.length - 1] as PolicyArm;
  return { arm: last, propensity: last.weight / total };
}
