import { ExitCode, type Price, TroupeError } from "../core/index.ts";

/** What a budget counts: US dollars, or tokens (prompt plus completion). */
export type BudgetUnit = "usd" | "tokens";

/** Which calls a budget covers: all of them, or one role's (player, user simulator, judge). */
export type BudgetRole = "all" | "player" | "user-sim" | "judge";

/** How a budget describes itself in errors: its unit, its role and how to go on. */
export interface BudgetLabel {
  unit?: BudgetUnit;
  role?: BudgetRole;
  /** What to do to continue (default: resume the run with a larger --budget-usd). */
  hint?: string;
}

const ROLE_NAMES: Record<BudgetRole, string> = {
  all: "Budget",
  player: "Player budget",
  "user-sim": "User-simulator budget",
  judge: "Judge budget",
};

function amount(value: number, unit: BudgetUnit, digits: number): string {
  return unit === "usd" ? `$${value.toFixed(digits)}` : `${Math.round(value)} tokens`;
}

/** The spending limit was reached; everything committed so far is kept and the run can be resumed. */
export class BudgetExhaustedError extends TroupeError {
  readonly unit: BudgetUnit;
  readonly role: BudgetRole;
  constructor(limitUsd: number, spentUsd: number, label: BudgetLabel = {}) {
    const unit = label.unit ?? "usd";
    const role = label.role ?? "all";
    super(
      "bench.budget_exhausted",
      `${ROLE_NAMES[role]} of ${amount(limitUsd, unit, 2)} reached (${amount(spentUsd, unit, 4)} spent).`,
      {
        exitCode: ExitCode.budget,
        hint:
          label.hint ??
          "Every finished turn is saved. Continue with `troupe bench resume <run> --budget-usd <larger amount>`.",
        details: unit === "usd" ? { limitUsd, spentUsd, role } : { limitTokens: limitUsd, spentTokens: spentUsd, role },
      },
    );
    this.unit = unit;
    this.role = role;
  }
}

/** A hold on part of the budget for one call in flight. */
export interface Reservation {
  readonly amountUsd: number;
}

/**
 * A hard spending limit shared by every session of a run. Before each model call the caller reserves a pessimistic
 * estimate of its cost (its prompt, plus the full `maxTokens` of output); a call that would take committed plus
 * reserved spending past the limit is refused, so calls in flight can never push the run over it. After the call
 * the reservation is replaced by the real cost.
 */
export class Budget {
  private spent: number;
  private reserved = 0;
  private stopped = false;

  /**
   * `limitUsd` undefined means unlimited (spending is still counted). With a `label` the same class counts tokens
   * or one role's spending; the amounts keep their `Usd` names for the callers that only ever count dollars.
   */
  constructor(
    readonly limitUsd: number | undefined,
    spentUsd = 0,
    readonly label: BudgetLabel = {},
  ) {
    this.spent = spentUsd;
  }

  get spentUsd(): number {
    return this.spent;
  }

  /** True once a reservation was refused: no new call should start. */
  get exhausted(): boolean {
    return this.stopped;
  }

  /** Reserve `amountUsd` for a call, or throw BudgetExhaustedError. */
  reserve(amountUsd: number): Reservation {
    if (this.limitUsd !== undefined && (this.stopped || this.spent + this.reserved + amountUsd > this.limitUsd)) {
      this.stopped = true;
      throw new BudgetExhaustedError(this.limitUsd, this.spent, this.label);
    }
    this.reserved += amountUsd;
    return { amountUsd };
  }

  /** Replace a reservation by what the call really cost (0 if it failed before spending). */
  settle(reservation: Reservation, actualUsd: number): void {
    this.reserved = Math.max(0, this.reserved - reservation.amountUsd);
    this.spent += actualUsd;
  }

  /** Raise the known spending from outside (other workers' turns read from the database). */
  observeSpent(totalUsd: number): void {
    if (totalUsd > this.spent) this.spent = totalUsd;
  }
}

/** Dollar cost of a call's tokens at a price (USD per million tokens). */
export function tokenCost(price: Price | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0;
  return (promptTokens * price.input + completionTokens * price.output) / 1e6;
}

/**
 * An upper bound on a prompt's tokens from its text, without a tokenizer: one token per CJK character and one per
 * three other characters (English averages about four characters per token), so the estimate errs high.
 */
export function promptTokenBound(chars: number, cjkChars = 0): number {
  return Math.ceil(cjkChars + Math.max(0, chars - cjkChars) / 3);
}

/** A pessimistic cost estimate for a call before it is made: its prompt's token bound and its full output allowance. */
export function estimateCallCost(
  price: Price | undefined,
  promptChars: number,
  maxTokens: number,
  cjkChars = 0,
): number {
  if (!price) return 0;
  return tokenCost(price, promptTokenBound(promptChars, cjkChars), maxTokens);
}

/** The size of a prompt as the budget sees it. */
export interface PromptSize {
  chars: number;
  /** Characters in CJK scripts (about one token each). */
  cjkChars: number;
}

/** Whether a UTF-16 code unit lies in a CJK block (kana, CJK ideographs, Hangul, compatibility, full-width forms). */
function isCjk(c: number): boolean {
  return (
    (c >= 0x3000 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x9fff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xff00 && c <= 0xffef)
  );
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Measure texts for the budget's estimate. */
export function promptSize(texts: Iterable<string>): PromptSize {
  let chars = 0;
  let cjkChars = 0;
  for (const t of texts) {
    chars += t.length;
    // English text skips the scan (the regex test runs natively); otherwise a counting loop rather than
    // `match(/[…]/g)`, which built an array of one-character strings for every CJK character of the prompt.
    if (!NON_ASCII.test(t)) continue;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x3000 && isCjk(c)) cjkChars++;
    }
  }
  return { chars, cjkChars };
}

/** Runs a model call inside the budget: reserve a pessimistic estimate, call, settle with the real cost. */
export interface CallGuard {
  guard<R extends { model: string; usage: { promptTokens: number; completionTokens: number }; costUsd?: number }>(
    modelId: string,
    prompt: PromptSize,
    maxTokens: number,
    call: () => Promise<R>,
  ): Promise<{ result: R; costUsd: number }>;
}

/**
 * Reserve in several budgets at once (a run's total and a role's, dollars and tokens): all or none — when one
 * refuses, the reservations already made are released and its BudgetExhaustedError goes on.
 */
export function reserveAll(holds: ReadonlyArray<{ budget: Budget; amount: number }>): Reservation[] {
  const made: Reservation[] = [];
  try {
    for (const h of holds) made.push(h.budget.reserve(h.amount));
    return made;
  } catch (error) {
    made.forEach((r, i) => {
      holds[i]!.budget.settle(r, 0);
    });
    throw error;
  }
}

/**
 * A CallGuard over a Budget, pricing calls the model layer did not price from `priceOf`. `also` are more dollar
 * budgets the same calls count against (a role's budget beside the run's total); a call must fit them all.
 */
export function budgetGuard(
  budget: Budget,
  priceOf: (modelId: string) => Price | undefined,
  also: readonly Budget[] = [],
): CallGuard {
  return {
    async guard(modelId, prompt, maxTokens, call) {
      const estimate = estimateCallCost(priceOf(modelId), prompt.chars, maxTokens, prompt.cjkChars);
      const budgets = [budget, ...also];
      const reservations = reserveAll(budgets.map((b) => ({ budget: b, amount: estimate })));
      let costUsd = 0;
      try {
        const result = await call();
        costUsd =
          result.costUsd ?? tokenCost(priceOf(result.model), result.usage.promptTokens, result.usage.completionTokens);
        return { result, costUsd };
      } finally {
        reservations.forEach((r, i) => {
          budgets[i]!.settle(r, costUsd);
        });
      }
    },
  };
}
