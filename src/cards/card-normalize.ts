import { normalizeBookObject } from "./book-normalize.ts";
import { CardError } from "./card-error.ts";
import type { CardContainer, CardSpec, CharacterCardV3, LoadedCard } from "./card-schema.ts";
import { FieldScope, type NormalizeLog } from "./field-coerce.ts";
import { isRecord } from "./json-guard.ts";

/** The six V1 fields, in V1 order (every one defaults to ""). */
export const V1_FIELDS = ["name", "description", "personality", "scenario", "first_mes", "mes_example"] as const;

/** V2 string fields beyond V1 (default ""). */
const V2_STRINGS = ["creator_notes", "system_prompt", "post_history_instructions", "creator", "character_version"];

/** Fields V3 adds to `data`, in spec order. */
export const V3_ONLY_FIELDS = [
  "assets",
  "nickname",
  "creator_notes_multilingual",
  "source",
  "group_only_greetings",
  "creation_date",
  "modification_date",
] as const;

function detectSpec(json: Record<string, unknown>): CardSpec {
  const spec = json["spec"];
  if (spec === "chara_card_v3") return "v3";
  if (spec === "chara_card_v2") return "v2";
  if (typeof spec === "string") {
    if (spec === "lorebook_v3") {
      throw new CardError("card.is_lorebook", "this file is a lorebook (lorebook_v3), not a character card", {
        hint: "Use `troupe lorebook …` for lorebooks.",
      });
    }
    throw new CardError("card.unknown_spec", `unknown card spec "${spec}"`, {
      hint: "troupe reads chara_card_v2 and chara_card_v3 cards, and V1 cards (a plain object with a name).",
    });
  }
  if (spec !== undefined && spec !== null) {
    // A number, object or boolean here is a broken V2/V3 card, not a V1 card with a stray key.
    throw new CardError("card.spec_not_string", `"spec" must be a string; this card has ${JSON.stringify(spec)}`, {
      hint: 'Set "spec" to "chara_card_v2" or "chara_card_v3" (fields under "data"), or remove it for a V1 card.',
    });
  }
  if (isRecord(json["entries"])) {
    throw new CardError("card.is_lorebook", "this file is a SillyTavern World Info lorebook, not a character card", {
      hint: "Use `troupe lorebook …` for lorebooks.",
    });
  }
  if (typeof json["name"] === "string" || V1_FIELDS.some((f) => typeof json[f] === "string")) return "v1";
  throw new CardError("card.unrecognized", "this JSON is not a character card (no spec, no name)", {
    hint: "A card is a V2/V3 object with `spec` and `data`, or a V1 object with `name`, `description`, … .",
  });
}

/** Normalise the `data` object (a copy) to the V3 field set with defaults. */
function normalizeData(raw: Record<string, unknown>, log: NormalizeLog): Record<string, unknown> {
  const d: Record<string, unknown> = { ...raw };
  const f = new FieldScope(d, "data", log);
  f.object("extensions");
  for (const key of [...V1_FIELDS, ...V2_STRINGS]) f.string(key);
  for (const key of ["alternate_greetings", "tags"]) f.stringArray(key);
  const book = d["character_book"];
  if (isRecord(book)) d["character_book"] = normalizeBookObject(book, "data.character_book", log);
  else if (book !== undefined) {
    delete d["character_book"];
    if (book === null) log.warnings.push("data.character_book was null; the card has no lorebook");
    else f.setAside("character_book", book, "a lorebook object");
  }
  f.stringArray("group_only_greetings");
  checkV3Optionals(f);
  return d;
}

function checkV3Optionals(f: FieldScope): void {
  const d = f.obj;
  f.optional("nickname", "string");
  for (const key of ["creation_date", "modification_date"]) f.optional(key, "number");
  if (d["source"] !== undefined && d["source"] !== null) f.stringArray("source");
  const assets = d["assets"];
  if (assets !== undefined && !Array.isArray(assets)) {
    delete d["assets"];
    f.setAside("assets", assets, "an array of assets");
  } else if (Array.isArray(assets)) {
    const valid = assets.filter(isRecord).map((a, i) => {
      const copy = { ...a };
      const af = new FieldScope(copy, `data.assets.${i}`, f.log);
      for (const key of ["type", "uri", "name", "ext"]) af.string(key);
      return copy;
    });
    if (valid.length !== assets.length)
      f.setAside(
        "assets",
        assets.filter((a) => !isRecord(a)),
        "an array of asset objects",
      );
    d["assets"] = valid;
  }
  const notes = d["creator_notes_multilingual"];
  if (notes !== undefined && !(isRecord(notes) && Object.values(notes).every((v) => typeof v === "string"))) {
    delete d["creator_notes_multilingual"];
    f.setAside("creator_notes_multilingual", notes, "an object of language code → text");
  }
}

/**
 * Normalise a parsed card (V1, V2 or V3) to V3 shape. Key order is kept, defaults the specs require are appended
 * and recorded in `addedDefaults`, wrongly typed values are repaired with a warning, and unknown keys (top level,
 * `data`, `extensions`, lorebook entries) are kept untouched.
 */
export function normalizeCard(json: unknown, container: CardContainer = "json"): LoadedCard {
  if (!isRecord(json)) {
    throw new CardError("card.not_object", "a character card must be a JSON object", {
      hint: "The file parsed as JSON but holds an array or a plain value.",
    });
  }
  const spec = detectSpec(json);
  const log: NormalizeLog = { warnings: [], added: [] };
  let card: Record<string, unknown>;
  let specVersion: string;
  if (spec === "v1") {
    const data: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) {
      if ((V1_FIELDS as readonly string[]).includes(k)) data[k] = v;
      else if (k === "spec" || k === "spec_version" || k === "data")
        // V1 has no such keys; kept, they would replace the normalised card's own.
        log.warnings.push(`${k} is not part of a V1 card; its value ${JSON.stringify(v)?.slice(0, 40)} was ignored`);
      else extra[k] = v;
    }
    // V1 carries only the six fields; the V2/V3 fields added here are all defaults and never written back to V1.
    card = { spec: "chara_card_v3", spec_version: "3.0", data: normalizeData(data, log), ...extra };
    specVersion = "1";
  } else {
    const data = json["data"];
    if (!isRecord(data)) {
      throw new CardError("card.missing_data", `a ${json["spec"]} card must have a \`data\` object`, {
        hint: "The card's fields live under `data`; this file has none.",
      });
    }
    const version = json["spec_version"];
    specVersion = typeof version === "string" ? version : spec === "v3" ? "3.0" : "2.0";
    if (typeof version !== "string") {
      if (version === undefined) log.added.push("spec_version");
      else log.warnings.push(`spec_version should be a string; ${JSON.stringify(version)} was replaced`);
    }
    if (spec === "v3" && Number.parseFloat(specVersion) > 3) {
      log.warnings.push(
        `spec_version ${specVersion} is newer than 3.0; fields troupe does not know are kept as they are`,
      );
    }
    card = {};
    for (const [k, v] of Object.entries(json)) {
      if (k === "spec") card[k] = "chara_card_v3";
      else if (k === "spec_version") card[k] = spec === "v3" ? specVersion : "3.0";
      else if (k === "data") card[k] = normalizeData(data, log);
      else card[k] = v;
    }
    if (!("spec_version" in card)) card["spec_version"] = spec === "v3" ? specVersion : "3.0";
  }
  return {
    card: card as CharacterCardV3,
    source: { spec, specVersion, container },
    files: {},
    warnings: log.warnings,
    addedDefaults: log.added,
    original: json,
  };
}
