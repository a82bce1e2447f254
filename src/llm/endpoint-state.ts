import type { TroupeConfig } from "../core/index.ts";
import { AdaptiveLimiter } from "./middleware/with-concurrency.ts";
import { RetryBudget } from "./middleware/with-retry.ts";

/** What every model pointing at one endpoint shares within a process: its concurrency limit and retry budget. */
export interface EndpointState {
  limiter: AdaptiveLimiter;
  budget: RetryBudget;
}

const states = new Map<string, EndpointState>();

/**
 * The shared state of an endpoint (a base URL), created on first use. Shared because the player, the user
 * simulator and the judge may all call one server: its capacity and its failures are the endpoint's, not a model's.
 */
export function endpointState(endpoint: string, config: TroupeConfig, maxConcurrency?: number): EndpointState {
  let state = states.get(endpoint);
  if (!state) {
    const max = maxConcurrency ?? config.concurrency.max;
    state = {
      limiter: new AdaptiveLimiter({ initial: Math.min(config.concurrency.initial, max), max }),
      budget: new RetryBudget(config.retry.budget),
    };
    states.set(endpoint, state);
  }
  return state;
}

/** Forget every endpoint's state (tests; a long-lived server reloading its config). */
export function resetEndpointStates(): void {
  states.clear();
}
