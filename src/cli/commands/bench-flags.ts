import { InvalidArgumentError } from "commander";
import { type ContextStrategy, isContextStrategy } from "../../bench/run-records.ts";
import { UsageError } from "../../core/index.ts";

/** A commander parser for an integer flag within bounds, with a message that names the flag. */
export function intFlag(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` ≥ ${min}`}, got "${value}".`,
      );
    }
    return n;
  };
}

/** A commander parser for a number flag within bounds. */
export function numberFlag(
  min: number,
  max = Number.POSITIVE_INFINITY,
  exclusiveMin = false,
): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || (exclusiveMin ? n <= min : n < min) || n > max) {
      throw new InvalidArgumentError(
        `expected a number ${exclusiveMin ? ">" : "≥"} ${min}${Number.isFinite(max) ? ` and ≤ ${max}` : ""}, got "${value}".`,
      );
    }
    return n;
  };
}

/** The Redis URL of `--queue [url]`: the flag's value, or REDIS_URL / `redis:` in the config when given bare. */
export function queueUrl(
  flag: string | true | undefined,
  detach: boolean | undefined,
  configured: string | undefined,
): string | undefined {
  if (flag === undefined) {
    if (detach)
      throw new UsageError(
        "bench.detach_without_queue",
        "--detach needs --queue (there is nothing to detach from otherwise).",
      );
    return undefined;
  }
  if (flag !== true) return flag;
  if (!configured) {
    throw new UsageError("bench.no_queue_url", "--queue was given without a URL, and REDIS_URL is not set.", {
      hint: "Pass --queue redis://host:6379, or set REDIS_URL (or redis: in troupe.config.yaml).",
    });
  }
  return configured;
}

/** A commander parser for `--context-strategy full|window:<k>`. */
export function contextStrategyFlag(value: string): ContextStrategy {
  const text = value.trim();
  if (!isContextStrategy(text))
    throw new InvalidArgumentError(`expected full or window:<k> (k a whole number ≥ 1), got "${value}".`);
  return text;
}
