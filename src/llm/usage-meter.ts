import type { ChatResult } from "./chat-result.ts";
import type { LlmError } from "./llm-error.ts";

/** Counters for one slice of usage (everything, one role, or one model). */
export interface UsageTotals {
  /** Calls that returned an answer (including cache and cassette hits). */
  calls: number;
  /** Answers served from the cache or a cassette: no tokens spent. */
  cachedCalls: number;
  /** Calls that ended in an error (after retries). */
  failedCalls: number;
  /** Failed attempts that were retried on the way to an answer. */
  retries: number;
  /** Tokens spent (cache hits excluded). */
  promptTokens: number;
  completionTokens: number;
  /** Dollars spent under the price table (cache hits cost nothing). */
  costUsd: number;
  /** Answers whose model has no price: costUsd undercounts by these. */
  unpricedCalls: number;
  /** Answers whose token counts were estimated, not reported. */
  estimatedCalls: number;
  /** Sum of answer latencies in ms (cache hits count 0). */
  latencyMs: number;
}

/** Totals overall and broken down by role and by model. */
export interface UsageSnapshot extends UsageTotals {
  byRole: Record<string, UsageTotals>;
  byModel: Record<string, UsageTotals>;
}

function emptyTotals(): UsageTotals {
  return {
    calls: 0,
    cachedCalls: 0,
    failedCalls: 0,
    retries: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    unpricedCalls: 0,
    estimatedCalls: 0,
    latencyMs: 0,
  };
}

function copy(t: UsageTotals): UsageTotals {
  return { ...t };
}

/**
 * Running usage and cost of a process, by role and model. The bench progress display reads it (`snapshot()`, or
 * `subscribe` to redraw on change); the usage middleware writes it.
 */
export class UsageMeter {
  private readonly total = emptyTotals();
  private readonly roles = new Map<string, UsageTotals>();
  private readonly models = new Map<string, UsageTotals>();
  private readonly listeners = new Set<(meter: UsageMeter) => void>();

  private slices(role: string, model: string): UsageTotals[] {
    const r = this.roles.get(role) ?? emptyTotals();
    this.roles.set(role, r);
    const m = this.models.get(model) ?? emptyTotals();
    this.models.set(model, m);
    return [this.total, r, m];
  }

  /** Record an answer (its `costUsd` already set, or undefined when unpriced). */
  recordResult(role: string, result: ChatResult): void {
    for (const t of this.slices(role, result.model)) {
      t.calls++;
      t.retries += result.retries ?? 0;
      t.latencyMs += result.latencyMs;
      if (result.cached) {
        t.cachedCalls++;
        continue;
      }
      t.promptTokens += result.usage.promptTokens;
      t.completionTokens += result.usage.completionTokens;
      if (result.usage.estimated) t.estimatedCalls++;
      if (result.costUsd === undefined) t.unpricedCalls++;
      else t.costUsd += result.costUsd;
    }
    this.emit();
  }

  /** Record a call that failed for good. */
  recordFailure(role: string, model: string, _error: LlmError | unknown): void {
    for (const t of this.slices(role, model)) t.failedCalls++;
    this.emit();
  }

  /** A copy of the current totals. */
  snapshot(): UsageSnapshot {
    return {
      ...copy(this.total),
      byRole: Object.fromEntries([...this.roles].map(([k, v]) => [k, copy(v)])),
      byModel: Object.fromEntries([...this.models].map(([k, v]) => [k, copy(v)])),
    };
  }

  /** Call `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (meter: UsageMeter) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this);
  }
}
