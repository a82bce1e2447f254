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

/** A model the judged dialogues came from: the tested model (the player) or the user simulator. */
export interface DialogueModel {
  role: "tested model" | "user simulator";
  /** The name shown (model_name for the tested model). */
  name: string;
  /** Resolved ids and specs it was run with (e.g. `local:/models/x.gguf`), when known. */
  ids: readonly string[];
}

/**
 * Warnings about judges that may be biased towards the dialogues: a judge that *is* the tested model or the user
 * simulator (the same spec or id: whatever its family, even an unknown one), or a judge from the same family as a
 * tested model (self-preference bias). Plain strings are tested model names.
 */
export function judgeFamilyWarnings(
  judges: readonly string[],
  models: ReadonlyArray<string | DialogueModel>,
): string[] {
  const warnings = new Set<string>();
  const list = models.map(
    (m): DialogueModel => (typeof m === "string" ? { role: "tested model", name: m, ids: [m] } : m),
  );
  for (const judge of judges) {
    const family = modelFamily(judge);
    for (const model of list) {
      const ids = new Set([...(model.role === "tested model" ? [model.name] : []), ...model.ids].map(normalizeId));
      if (ids.has(normalizeId(judge))) {
        warnings.add(
          model.role === "tested model"
            ? `judge ${judge} is the tested model ${model.name} itself: a model judging its own replies favours them; use a judge from another family.`
            : `judge ${judge} is also the user simulator of the ${model.name} dialogues: it judges replies to turns it wrote itself; use a judge that played no part in them.`,
        );
        continue;
      }
      if (
        model.role === "tested model" &&
        family &&
        [model.name, ...model.ids].some((id) => modelFamily(id) === family)
      )
        warnings.add(
          `judge ${judge} is from the same family (${family}) as the tested model ${model.name}: judges tend to favour their own family; add or switch to a judge from another family.`,
        );
    }
  }
  return [...warnings];
}

function normalizeId(id: string): string {
  return id.trim().replace(/\/+$/, "").toLowerCase();
}
