import { CardError } from "./card-error.ts";

/** One problem found while validating a card against the specs. */
export interface CardValidationIssue {
  /** JSON path (`data.tags.2`). */
  path: string;
  message: string;
}

/** Result of validateCard: errors break the spec, warnings are allowed but unusual. */
export interface CardValidation {
  ok: boolean;
  spec: "v1" | "v2" | "v3" | "unknown";
  errors: CardValidationIssue[];
  warnings: CardValidationIssue[];
}

/** Check a parsed card JSON object against the V1/V2/V3 specs without changing it. */
export function validateCard(_json: unknown): CardValidation {
  throw new CardError("cards.not_implemented", "not implemented yet (issue 5 in progress)");
}
