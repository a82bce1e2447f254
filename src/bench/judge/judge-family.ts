/** Model families by the name patterns their ids use. Order matters: the first match wins. */
const FAMILIES: ReadonlyArray<[family: string, pattern: RegExp]> = [
  ["openai", /(^|[^a-z])(gpt|o[134](-mini)?|chatgpt|davinci|text-embedding)([^a-z]|$)|^openai[:/]/i],
  ["anthropic", /claude|anthropic/i],
  ["google", /gemini|gemma|palm|bard|google/i],
  ["minimax", /minimax|abab|m2-her/i],
  ["deepseek", /deepseek/i],
  ["qwen", /qwen|qwq|tongyi/i],
  ["meta", /llama|meta-/i],
  ["mistral", /mistral|mixtral|codestral|ministral/i],
  ["xai", /grok|x-ai|xai/i],
  ["bytedance", /doubao|seed-|bytedance/i],
  ["zhipu", /glm|zhipu|chatglm/i],
  ["moonshot", /kimi|moonshot/i],
  ["microsoft", /phi-?\d/i],
];

/**
 * The family a model belongs to, from its id or name ("openai:gpt-4.1-mini" → openai, "claude-opus-4.5" →
 * anthropic), or undefined when unknown. The model part is checked before the provider prefix, so a Llama served
 * by an OpenAI-compatible endpoint counts as meta.
 */
export function modelFamily(id: string): string | undefined {
  const model = id.includes("#") ? id.slice(id.indexOf("#") + 1) : id.replace(/^[a-z]+:/i, "");
  for (const [family, pattern] of FAMILIES) if (pattern.test(model)) return family;
  for (const [family, pattern] of FAMILIES) if (pattern.test(id)) return family;
  return undefined;
}

/** A warning for each judge from the same family as a tested model (self-preference bias), or none. */
export function judgeFamilyWarnings(judges: readonly string[], testedModels: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const judge of judges) {
    const family = modelFamily(judge);
    if (!family) continue;
    for (const model of testedModels) {
      if (modelFamily(model) === family)
        warnings.push(
          `judge ${judge} is from the same family (${family}) as the tested model ${model}: judges tend to favour their own family; add or switch to a judge from another family.`,
        );
    }
  }
  return warnings;
}
