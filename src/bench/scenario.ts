import * as z from "zod";
import { expandMacros } from "../cards/index.ts";

/** Languages the bench knows how to simulate a user in. */
export const LangSchema = z.enum(["en", "zh"]);
export type Lang = z.infer<typeof LangSchema>;

/** A required text field of a seed: present, a string, and not only whitespace (the official loaders check this). */
const requiredText = z
  .string({
    error: (issue) =>
      issue.input === undefined || issue.input === null ? "is missing" : `must be a string, got ${typeOf(issue.input)}`,
  })
  .refine((s) => s.trim().length > 0, { message: "is empty" });

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/**
 * One scenario as stored in files: exactly the official role-play-bench seed row (`id, ai_name, ai_setting,
 * user_name, user_setting, ai_prologue, initial_user_input`), plus troupe's optional `lang`, `tags`, `stresses`
 * (one line on what the scenario tests) and `world` (a world seed for world-aware players). Unknown keys are
 * tolerated and dropped.
 */
export const SeedSchema = z.object({
  id: requiredText,
  ai_name: requiredText,
  ai_setting: requiredText,
  user_name: requiredText,
  user_setting: requiredText,
  ai_prologue: requiredText,
  initial_user_input: requiredText,
  lang: LangSchema.optional(),
  tags: z.array(z.string()).optional(),
  stresses: z.string().optional(),
  world: z.record(z.string(), z.unknown()).optional(),
});
export type SeedRow = z.infer<typeof SeedSchema>;

/** A scenario in memory: the seed's fields in camelCase, with the language always resolved. */
export const ScenarioSchema = z.object({
  id: z.string().min(1),
  lang: LangSchema,
  aiName: z.string().min(1),
  aiSetting: z.string().min(1),
  userName: z.string().min(1),
  userSetting: z.string().min(1),
  aiPrologue: z.string().min(1),
  initialUserInput: z.string().min(1),
  tags: z.array(z.string()),
  stresses: z.string().optional(),
  world: z.record(z.string(), z.unknown()).optional(),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;

/**
 * The language of a seed: its `lang` field, else the `en_`/`zh_` prefix of official ids, else the script the
 * character text is written in, else the fallback.
 */
export function inferLang(row: Pick<SeedRow, "id" | "ai_setting" | "ai_prologue" | "lang">, fallback?: Lang): Lang {
  if (row.lang) return row.lang;
  const prefix = /^(en|zh)[_-]/i.exec(row.id)?.[1]?.toLowerCase();
  if (prefix === "en" || prefix === "zh") return prefix;
  const sample = `${row.ai_setting}${row.ai_prologue}`.slice(0, 2000);
  const cjk = sample.match(CJK)?.length ?? 0;
  if (cjk > 0 && cjk / Math.max(1, sample.replace(/\s/g, "").length) > 0.2) return "zh";
  return fallback ?? "en";
}

/**
 * Expand card macros in a scenario's texts with its own names: `{{char}}`/`<BOT>`/`<CHAR>` become the NPC's name,
 * `{{user}}`/`<USER>` the user's, and the other card macros (`{{random:…}}`, `{{// …}}`) what the cards module makes
 * of them, seeded by the scenario id so every session and every reader sees the same text. Idempotent.
 */
export function expandScenarioMacros(s: Scenario): Scenario {
  const ctx = { char: s.aiName, user: s.userName, seed: s.id };
  const expand = (text: string) => (/\{\{|</.test(text) ? expandMacros(text, ctx) : text);
  return {
    ...s,
    aiSetting: expand(s.aiSetting),
    userSetting: expand(s.userSetting),
    aiPrologue: expand(s.aiPrologue),
    initialUserInput: expand(s.initialUserInput),
  };
}

/** Turn a validated seed row into a scenario, its card macros expanded (see `expandScenarioMacros`). */
export function scenarioFromSeed(row: SeedRow, fallbackLang?: Lang): Scenario {
  return expandScenarioMacros({
    id: row.id,
    lang: inferLang(row, fallbackLang),
    aiName: row.ai_name,
    aiSetting: row.ai_setting,
    userName: row.user_name,
    userSetting: row.user_setting,
    aiPrologue: row.ai_prologue,
    initialUserInput: row.initial_user_input,
    tags: row.tags ?? [],
    ...(row.stresses === undefined ? {} : { stresses: row.stresses }),
    ...(row.world === undefined ? {} : { world: row.world }),
  });
}

/** Turn a scenario back into the official seed row (plus troupe's optional fields), for export. */
export function seedFromScenario(s: Scenario): SeedRow {
  return {
    id: s.id,
    ai_name: s.aiName,
    ai_setting: s.aiSetting,
    user_name: s.userName,
    user_setting: s.userSetting,
    ai_prologue: s.aiPrologue,
    initial_user_input: s.initialUserInput,
    lang: s.lang,
    ...(s.tags.length > 0 ? { tags: s.tags } : {}),
    ...(s.stresses === undefined ? {} : { stresses: s.stresses }),
    ...(s.world === undefined ? {} : { world: s.world }),
  };
}
