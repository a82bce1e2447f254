import * as z from "zod";

/**
 * The six dimensions of MiniMax's Role-play Benchmark, grouped into three categories. Every flag names one
 * dimension and one subtype; subtypes are the concrete failure kinds the issue and the benchmark card list, plus
 * `ai_self_disclosure` and `length_drift`, which troupe's detectors find and which fit an existing dimension.
 * The seed's card and blog also name rushed pacing (Stories: "when to escalate, when to slow down"), plain factual
 * errors (Knowledge: real-world rules the setting shares) and immersion that breaks bit by bit over a long dialogue;
 * those are `rushed_pacing`, `factual_error` and `immersion_erosion`. `impossible_knowledge` (the NPC knows what it
 * could not know) is the Knowledge failure the judge-level flaw injection measures.
 */
export const DIMENSIONS = ["basics", "logic", "knowledge", "diversity", "content_logic", "interaction"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const DimensionSchema = z.enum(DIMENSIONS);

export const CATEGORIES = ["worlds", "stories", "user_preferences"] as const;
export type Category = (typeof CATEGORIES)[number];

/** Which dimensions make up each category. */
export const CATEGORY_DIMENSIONS: Readonly<Record<Category, readonly Dimension[]>> = {
  worlds: ["basics", "logic", "knowledge"],
  stories: ["diversity", "content_logic"],
  user_preferences: ["interaction"],
};

/** Overall = 0.50·Worlds + 0.25·Stories + 0.25·UserPreferences (checked against all 11 leaderboard rows). */
export const CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = {
  worlds: 0.5,
  stories: 0.25,
  user_preferences: 0.25,
};

/** The category a dimension belongs to. */
export function categoryOf(dimension: Dimension): Category {
  for (const category of CATEGORIES) if (CATEGORY_DIMENSIONS[category].includes(dimension)) return category;
  throw new Error(`unknown dimension ${dimension}`);
}

/** One failure kind: its dimension and a one-line definition the judge prompt shows verbatim. */
export interface SubtypeInfo {
  dimension: Dimension;
  definition: string;
}

/** Every subtype, in prompt order. Changing a definition changes the judge prompt hash, as it should. */
export const SUBTYPES = {
  garbled_text: { dimension: "basics", definition: "encoding junk, word salad" },
  mixed_language: { dimension: "basics", definition: "unmotivated language switch" },
  heavy_repetition: { dimension: "basics", definition: "repeats itself within a reply" },
  formatting_glitch: { dimension: "basics", definition: "broken markup, leaked tags" },
  truncation: { dimension: "basics", definition: "cut off mid-sentence" },
  character_confusion: { dimension: "logic", definition: "speaks as someone else" },
  reference_confusion: { dimension: "logic", definition: "deeds given to the wrong character" },
  spatial_physical_error: { dimension: "logic", definition: "impossible position, movement, timing" },
  pronoun_confusion: { dimension: "logic", definition: "wrong pronoun" },
  forgotten_relationship: { dimension: "logic", definition: "contradicts established fact" },
  world_law_violation: { dimension: "knowledge", definition: "breaks the setting's rules" },
  real_world_intrusion: { dimension: "knowledge", definition: "real-world things breaking the setting" },
  factual_error: { dimension: "knowledge", definition: "gets a plain real-world fact wrong" },
  impossible_knowledge: { dimension: "knowledge", definition: "knows what it was never told or shown" },
  single_pattern_phrasing: { dimension: "diversity", definition: "one reply template" },
  repeated_plot_beat: { dimension: "diversity", definition: "same beat replayed" },
  stagnation: { dimension: "diversity", definition: "story does not move" },
  filler: { dimension: "diversity", definition: "empty padding" },
  loop: { dimension: "diversity", definition: "repeats an earlier reply" },
  length_drift: { dimension: "diversity", definition: "replies balloon" },
  incoherence: { dimension: "content_logic", definition: "does not follow" },
  unmotivated_ooc: { dimension: "content_logic", definition: "out of character, unmotivated" },
  ai_self_disclosure: { dimension: "content_logic", definition: "says it is an AI" },
  rushed_pacing: { dimension: "content_logic", definition: "rushes: many plot beats or time skips at once" },
  immersion_erosion: {
    dimension: "content_logic",
    definition: "fiction wears thin over many replies (meta talk, asides)",
  },
  speaks_for_user: { dimension: "interaction", definition: "writes the user's words, acts, feelings" },
  ignores_user: { dimension: "interaction", definition: "ignores the user" },
  silence_no_hook: { dimension: "interaction", definition: "nothing to answer" },
  over_refusal: { dimension: "interaction", definition: "refuses the harmless" },
  boundary: { dimension: "interaction", definition: "unsafe or pressuring" },
} as const satisfies Record<string, SubtypeInfo>;

export type Subtype = keyof typeof SUBTYPES;
export const SUBTYPE_NAMES = Object.keys(SUBTYPES) as Subtype[];
export const SubtypeSchema = z.enum(SUBTYPE_NAMES as [Subtype, ...Subtype[]]);

/** The dimension a subtype belongs to. */
export function dimensionOf(subtype: Subtype): Dimension {
  return SUBTYPES[subtype].dimension;
}

/** Subtypes of one dimension, in prompt order. */
export function subtypesOf(dimension: Dimension): Subtype[] {
  return SUBTYPE_NAMES.filter((s) => SUBTYPES[s].dimension === dimension);
}

/** Human labels for reports. */
export const DIMENSION_LABELS: Readonly<Record<Dimension, string>> = {
  basics: "Basics",
  logic: "Logic",
  knowledge: "Knowledge",
  diversity: "Diversity",
  content_logic: "Content Logic",
  interaction: "Interaction",
};

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  worlds: "Worlds",
  stories: "Stories",
  user_preferences: "User Preferences",
};
