import { UsageError } from "../core/index.ts";
import { binomialTwoSidedP } from "./binomial.ts";
import { checkPaired } from "./paired-bootstrap.ts";

/** The result of a sign test. */
export interface SignTestResult {
  /** Pairs where the first value is larger. */
  positive: number;
  /** Pairs where the second value is larger. */
  negative: number;
  /** Tied pairs, which carry no sign and are dropped (the usual convention). */
  ties: number;
  /** Exact two-sided binomial p-value with p = ½ over the untied pairs. */
  pValue: number;
}

/** Exact sign test from counts of positive and negative differences (ties already removed). */
export function signTest(positive: number, negative: number): SignTestResult {
  if (!Number.isInteger(positive) || !Number.isInteger(negative) || positive < 0 || negative < 0) {
    throw new UsageError(
      "stats.invalid_count",
      `Sign test counts must be non-negative integers (${positive}, ${negative}).`,
    );
  }
  return { positive, negative, ties: 0, pValue: binomialTwoSidedP(positive, positive + negative) };
}

/** Exact sign test on paired values: counts a[i] > b[i] against a[i] < b[i], dropping ties. */
export function pairedSignTest(a: readonly number[], b: readonly number[]): SignTestResult {
  checkPaired(a, b);
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as number) > (b[i] as number)) positive++;
    else if ((a[i] as number) < (b[i] as number)) negative++;
  }
  return { ...signTest(positive, negative), ties: a.length - positive - negative };
}
