import * as z from "zod";
import type { PreferenceRecord, PromptMessage } from "./preference-record.ts";

const Message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
const AssistantTurn = z.array(z.object({ role: z.literal("assistant"), content: z.string() })).length(1);

/** TRL DPO, conversational preference type with an explicit prompt (trl docs/source/dataset_formats.md). */
export const TrlDpoRowSchema = z.strictObject({
  prompt: z.array(Message).min(1),
  chosen: AssistantTurn,
  rejected: AssistantTurn,
});

/** TRL KTO, conversational unpaired preference type: prompt, completion, boolean label. */
export const TrlKtoRowSchema = z.strictObject({
  prompt: z.array(Message).min(1),
  completion: AssistantTurn,
  label: z.boolean(),
});

/** OpenAI preference fine-tuning (DPO) JSONL: exactly one assistant message per output. */
export const OpenAiPreferenceRowSchema = z.strictObject({
  input: z.strictObject({ messages: z.array(Message).min(1) }),
  preferred_output: AssistantTurn,
  non_preferred_output: AssistantTurn,
});

/** Keys of an OpenRLHF preference row (`--data.prompt_key`, `--data.chosen_key`, `--data.rejected_key`). */
export interface OpenRlhfKeys {
  prompt: string;
  chosen: string;
  rejected: string;
  /** Column for the margin loss, or null to leave it out. */
  margin: string | null;
}

export const DEFAULT_OPENRLHF_KEYS: OpenRlhfKeys = {
  prompt: "prompt",
  chosen: "chosen",
  rejected: "rejected",
  margin: "margin",
};

/** verl RL prompt row (docs/preparation/prepare_data.rst): one prompt per row, reward decided by verl. */
export const VerlRowSchema = z.strictObject({
  data_source: z.string(),
  prompt: z.array(Message).min(1),
  ability: z.string(),
  reward_model: z.strictObject({ style: z.string(), ground_truth: z.string() }),
  extra_info: z.record(z.string(), z.unknown()),
});

const assistant = (content: string) => [{ role: "assistant" as const, content }];
const prompt = (context: PromptMessage[]) => context.map((m) => ({ role: m.role, content: m.content }));

/** A pair as a TRL DPO row. */
export function trlDpoRow(r: PreferenceRecord) {
  return { prompt: prompt(r.context), chosen: assistant(r.chosen ?? ""), rejected: assistant(r.rejected ?? "") };
}

/** KTO rows: a unary record as one row; a pair split into a desirable and an undesirable row. */
export function trlKtoRows(r: PreferenceRecord) {
  if (r.kind === "unary")
    return [{ prompt: prompt(r.context), completion: assistant(r.completion ?? ""), label: r.label === true }];
  return [
    { prompt: prompt(r.context), completion: assistant(r.chosen ?? ""), label: true },
    { prompt: prompt(r.context), completion: assistant(r.rejected ?? ""), label: false },
  ];
}

/** A pair as an OpenRLHF row under the given keys; the margin is the record's confidence-scaled weight. */
export function openRlhfRow(r: PreferenceRecord, keys: OpenRlhfKeys = DEFAULT_OPENRLHF_KEYS) {
  const row: Record<string, unknown> = {
    [keys.prompt]: prompt(r.context),
    [keys.chosen]: assistant(r.chosen ?? ""),
    [keys.rejected]: assistant(r.rejected ?? ""),
  };
  if (keys.margin) row[keys.margin] = Number((r.weight * r.confidence).toFixed(6));
  return row;
}

/** A pair as an OpenAI preference fine-tuning row. */
export function openAiPreferenceRow(r: PreferenceRecord) {
  return {
    input: { messages: prompt(r.context) },
    preferred_output: assistant(r.chosen ?? ""),
    non_preferred_output: assistant(r.rejected ?? ""),
  };
}

/** A record's prompt as a verl RL row (verl learns from its own rollouts; the reward comes from troupe's RM). */
export function verlRow(r: PreferenceRecord) {
  return {
    data_source: "troupe/roleplay",
    prompt: prompt(r.context),
    ability: "roleplay",
    reward_model: { style: "model", ground_truth: "" },
    extra_info: { record_id: r.id, character_id: r.character_id ?? null, split: r.split },
  };
}
