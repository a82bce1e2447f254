import type { RunEstimate } from "./estimate.ts";

/** Whether one role's largest call fits its model's context window. */
export interface ContextFit {
  role: "player" | "user-sim";
  /** Estimated prompt tokens of the role's largest call (a session's last turn). */
  promptTokens: number;
  /** The output that call may ask for (its max tokens). */
  maxTokens: number;
  /** Tokens the model holds; undefined when troupe cannot know it (a remote model with no configured size). */
  window: number | undefined;
  /** "fits", "tight" (within 10% of the window: the estimate is rough), "overflows", or "unknown". */
  verdict: "fits" | "tight" | "overflows" | "unknown";
  scenarioId?: string;
}

/**
 * Compare each role's largest estimated call with its model's context window. Prompt tokens are estimated from
 * characters (about 4 per token in English, 1.3 in Chinese), so a call within 10% of the window is called tight.
 */
export function contextFit(
  estimate: RunEstimate,
  windows: { player: number | undefined; "user-sim": number | undefined },
): ContextFit[] {
  const fits: ContextFit[] = [];
  for (const role of ["player", "user-sim"] as const) {
    const call = estimate.largestCall[role];
    if (call.promptTokens === 0) continue;
    const window = windows[role];
    const need = call.promptTokens + call.maxTokens;
    const verdict =
      window === undefined ? "unknown" : need > window ? "overflows" : need > window * 0.9 ? "tight" : "fits";
    fits.push({
      role,
      promptTokens: call.promptTokens,
      maxTokens: call.maxTokens,
      window,
      verdict,
      ...(call.scenarioId ? { scenarioId: call.scenarioId } : {}),
    });
  }
  return fits;
}
