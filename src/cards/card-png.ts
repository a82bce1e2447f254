import { deflateSync } from "node:zlib";
import { CardError } from "./card-error.ts";
import { decodeUtf8, parseJsonText } from "./json-guard.ts";
import { encodePng, type PngChunk, parsePng, textChunk, textKeyword, textValue } from "./png-chunks.ts";
import { DEFAULT_READ_LIMITS, type ReadLimits } from "./read-limits.ts";

/** The card JSON found in a PNG, and which chunk it came from. */
export interface PngCardPayload {
  json: unknown;
  chunk: "ccv3" | "chara";
  warnings: string[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode base64 strictly: Node's decoder silently skips garbage, which would turn a corrupt card into wrong data. */
export function decodeBase64Strict(text: string, what: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new CardError("card.png.bad_base64", `${what} is not base64`, {
      hint: "Card chunks hold base64-encoded JSON; this one was written by a broken tool or is corrupted.",
    });
  }
  return Buffer.from(compact, "base64");
}

function decodeChunk(chunk: PngChunk, keyword: string, limits: ReadLimits): unknown {
  const what = `the PNG "${keyword}" chunk`;
  const text = textValue(chunk, limits);
  if (text.length > (limits.maxJsonBytes * 4) / 3 + 4) {
    throw new CardError("card.json.too_large", `${what} is larger than the JSON size limit`, {
      hint: "This is far larger than any real card.",
    });
  }
  return parseJsonText(decodeUtf8(decodeBase64Strict(text, what), what), limits, what);
}

/**
 * Find the card in PNG chunks. `ccv3` wins over `chara` (the V3 spec says readers SHOULD prefer it); if the `ccv3`
 * chunk is broken but `chara` is fine, `chara` is used with a warning rather than failing the whole import.
 */
export function cardFromPngChunks(chunks: readonly PngChunk[], limits: ReadLimits): PngCardPayload {
  const found = new Map<string, PngChunk>();
  for (const c of chunks) {
    const k = textKeyword(c)?.toLowerCase();
    if ((k === "ccv3" || k === "chara") && !found.has(k)) found.set(k, c);
  }
  const ccv3 = found.get("ccv3");
  const chara = found.get("chara");
  if (!ccv3 && !chara) {
    throw new CardError("card.png.no_card", "this PNG has no character card in it (no `chara` or `ccv3` text chunk)", {
      hint: "It is a plain image; export the card from its app as a PNG card, JSON or CharX.",
    });
  }
  if (ccv3) {
    try {
      return { json: decodeChunk(ccv3, "ccv3", limits), chunk: "ccv3", warnings: [] };
    } catch (error) {
      if (!chara) throw error;
      const json = decodeChunk(chara, "chara", limits);
      return {
        json,
        chunk: "chara",
        warnings: [`the ccv3 chunk is unreadable (${(error as Error).message}); the V2 \`chara\` chunk was used`],
      };
    }
  }
  return { json: decodeChunk(chara as PngChunk, "chara", limits), chunk: "chara", warnings: [] };
}

/** Read the card payload from PNG bytes. */
export function readPngCard(bytes: Uint8Array, limits: ReadLimits): PngCardPayload {
  return cardFromPngChunks(parsePng(bytes, limits), limits);
}

const base64Json = (json: unknown) => Buffer.from(JSON.stringify(json), "utf8").toString("base64");

/**
 * Embed card JSON into a PNG/APNG: any old `chara`/`ccv3` text chunks are dropped and the new ones are inserted just
 * before IEND, leaving every other chunk (image data, APNG frames, other metadata) byte-for-byte as it was.
 */
export function embedInPng(image: Uint8Array, payloads: { chara?: unknown; ccv3?: unknown }): Uint8Array {
  const chunks = parsePng(image, DEFAULT_READ_LIMITS).filter((c) => {
    const k = textKeyword(c)?.toLowerCase();
    return k !== "chara" && k !== "ccv3";
  });
  const added: PngChunk[] = [];
  if (payloads.chara !== undefined) added.push(textChunk("chara", base64Json(payloads.chara)));
  if (payloads.ccv3 !== undefined) added.push(textChunk("ccv3", base64Json(payloads.ccv3)));
  chunks.splice(chunks.length - 1, 0, ...added);
  return encodePng(chunks);
}

/** A plain 256×256 grey PNG, used when a card that came without an image is written as PNG. */
export function placeholderPng(): Uint8Array {
  const side = 256;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, side);
  view.setUint32(4, side);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method extras, no interlace
  const raw = new Uint8Array(side * (1 + side * 3));
  for (let y = 0; y < side; y++) raw.fill(0x80, y * (1 + side * 3) + 1, (y + 1) * (1 + side * 3));
  return encodePng([
    { type: "IHDR", data: ihdr },
    { type: "IDAT", data: deflateSync(raw) },
    { type: "IEND", data: new Uint8Array(0) },
  ]);
}
