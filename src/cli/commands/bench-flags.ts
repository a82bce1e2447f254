import { InvalidArgumentError } from "commander";

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
