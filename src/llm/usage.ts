/** Token counts of one call. Providers that do not report usage estimate it and say so. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** True when the counts are estimates (characters ÷ 4) because the provider reported none. */
  estimated?: boolean;
}

/** Sum two usages; the result is estimated if either part was. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    ...(a.estimated || b.estimated ? { estimated: true } : {}),
  };
}

/** Rough token count for text when no tokenizer is at hand: about 4 characters per token in English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
