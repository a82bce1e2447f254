import { CardError } from "./card-error.ts";
import { cardToJson, isV3Default } from "./card-export.ts";
import { V3_ONLY_FIELDS } from "./card-normalize.ts";
import { embedInPng, placeholderPng } from "./card-png.ts";
import type { CardAsset, CardContainer, CardSpec, CharacterCardV3, LoadedCard } from "./card-schema.ts";
import { writeCharx } from "./charx.ts";
import { isRecord } from "./json-guard.ts";
import { isPng } from "./png-chunks.ts";

/** Options for writing a card. */
export interface WriteCardOptions {
  /** For JSON: the spec to write (default: the spec it was read in, else v3). */
  spec?: CardSpec;
  /** For PNG: the image to embed the card in (default: the image it came in, else a generated placeholder). */
  image?: Uint8Array;
  /** For CharX: extra members (assets) by path, added to those the card came with. */
  files?: Record<string, Uint8Array>;
}

/** The notice the V3 spec asks for in a V2 backfill that cannot carry everything. */
export const BACKFILL_NOTICE =
  "This character card is Character Card V3, but it is loaded as a Character Card V2. Please use a Character Card V3 compatible application to use this character card properly.";

const MAIN_ICON_PATH = "assets/icon/images/main.png";

function asLoaded(card: CharacterCardV3 | LoadedCard): LoadedCard {
  if ("card" in card && "source" in card) return card as LoadedCard;
  return {
    card: card as CharacterCardV3,
    source: { spec: "v3", specVersion: (card as CharacterCardV3).spec_version, container: "json" },
    files: {},
    warnings: [],
    addedDefaults: [],
    original: card,
  };
}

/**
 * The card as `spec` JSON. A PNG's V2 backfill (`backfill`) and any V2/V1 written from a V3 card leave out V3 fields
 * that hold only V3's defaults, so writing troupe's own output again gives the same bytes.
 */
function jsonFor(loaded: LoadedCard, spec: CardSpec, backfill: boolean): Record<string, unknown> {
  return cardToJson(loaded.card, {
    spec,
    addedDefaults: loaded.addedDefaults,
    stripDecorators: backfill,
    omitV3Defaults: backfill || loaded.source.spec === "v3",
    ...(spec === loaded.source.spec && spec !== "v3" ? { specVersion: loaded.source.specVersion } : {}),
  });
}

/** The card as JSON text in the given spec (default: the spec it was read in). */
export function writeCardJson(card: CharacterCardV3 | LoadedCard, options: WriteCardOptions = {}): string {
  const loaded = asLoaded(card);
  return `${JSON.stringify(jsonFor(loaded, options.spec ?? loaded.source.spec, false), null, 2)}\n`;
}

/** The PNG bytes of a CharX card's main icon (and its index in `assets`), when it has one embedded. */
function mainIconFile(loaded: LoadedCard): { bytes: Uint8Array; index: number } | undefined {
  const assets = loaded.card.data.assets ?? [];
  const index = assets.findIndex((a) => a.type === "icon" && a.name === "main");
  const uri = assets[index]?.uri;
  const file = uri?.startsWith("embeded://") ? loaded.files[uri.slice("embeded://".length)] : undefined;
  return file && isPng(file) ? { bytes: file, index } : undefined;
}

/** True when a V2 reader would miss something of the V3 JSON: decorators in the book, or V3-only fields with real values. */
function backfillLoses(ccv3: Record<string, unknown>): boolean {
  const d = ccv3["data"] as Record<string, unknown>;
  const hasV3Data = V3_ONLY_FIELDS.some((f) => d[f] !== undefined && !isV3Default(f, d[f]));
  const book = d["character_book"] as { entries?: Array<{ content?: unknown }> } | undefined;
  return hasV3Data || (book?.entries ?? []).some((e) => typeof e.content === "string" && e.content.startsWith("@@"));
}

/**
 * The card embedded in a PNG/APNG: `ccv3` carries the full V3 card; `chara` carries a V2 backfill with decorators
 * stripped (as the V3 spec requires), plus the spec's notice in `creator_notes` when the backfill loses something.
 */
export function writeCardPng(card: CharacterCardV3 | LoadedCard, options: WriteCardOptions = {}): Uint8Array {
  const loaded = asLoaded(card);
  const icon = (options.image ?? loaded.image) ? undefined : mainIconFile(loaded);
  const image = options.image ?? loaded.image ?? icon?.bytes ?? placeholderPng();
  if (!isPng(image)) {
    throw new CardError("card.png.not_png", "the image to embed the card in is not a PNG", {
      hint: "Cards can only be embedded in PNG or APNG images; convert the image to PNG first.",
    });
  }
  const ccv3 = jsonFor(loaded, "v3", false);
  const chara = jsonFor(loaded, "v2", true);
  if (icon) {
    // The embedded icon became the PNG itself, which is what `ccdefault:` means for a PNG card.
    for (const json of [ccv3, chara]) {
      const data = json["data"] as Record<string, unknown>;
      const assets = data["assets"];
      if (Array.isArray(assets)) assets[icon.index] = { ...assets[icon.index], uri: "ccdefault:", ext: "png" };
      // Only the PNG's own icon is left: V3's default, which a V2 backfill does not carry.
      if (json === chara && isV3Default("assets", assets)) delete data["assets"];
    }
  }
  const data = chara["data"];
  if (backfillLoses(ccv3) && isRecord(data)) {
    const notes = typeof data["creator_notes"] === "string" ? data["creator_notes"] : "";
    data["creator_notes"] = notes === "" ? BACKFILL_NOTICE : `${BACKFILL_NOTICE}\n\n${notes}`;
  }
  return embedInPng(image, { chara, ccv3 });
}

/**
 * The card as a CharX zip: `card.json` (V3) plus every member the card came with. A card that came as a PNG gets
 * its image as the main icon (`embeded://assets/icon/images/main.png`), since a CharX has no image of its own.
 */
export function writeCardCharx(card: CharacterCardV3 | LoadedCard, options: WriteCardOptions = {}): Uint8Array {
  const loaded = asLoaded(card);
  const files = { ...loaded.files, ...options.files };
  const json = jsonFor(loaded, "v3", false);
  const image = options.image ?? loaded.image;
  const data = json["data"] as Record<string, unknown>;
  if (image && isPng(image)) {
    const assets = (
      Array.isArray(data["assets"]) ? data["assets"] : [{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }]
    ) as CardAsset[];
    const main = assets.find((a) => isRecord(a) && a.type === "icon" && a.name === "main");
    if (!main) assets.push({ type: "icon", uri: `embeded://${MAIN_ICON_PATH}`, name: "main", ext: "png" });
    else if (main.uri === "ccdefault:") Object.assign(main, { uri: `embeded://${MAIN_ICON_PATH}`, ext: "png" });
    if (!main || main.uri === `embeded://${MAIN_ICON_PATH}`) {
      files[MAIN_ICON_PATH] = image;
      data["assets"] = assets;
    }
  }
  return writeCharx(json, files);
}

/** Write a card into a container: JSON text (UTF-8), PNG (`ccv3` + backfilled V2 `chara`) or CharX. */
export function writeCard(card: LoadedCard, container: CardContainer, options: WriteCardOptions = {}): Uint8Array {
  if (container === "json") return Buffer.from(writeCardJson(card, options), "utf8");
  if (container === "png") return writeCardPng(card, options);
  return writeCardCharx(card, options);
}
