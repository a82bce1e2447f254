import { crc32, inflateSync } from "node:zlib";
import { CardError } from "./card-error.ts";
import type { ReadLimits } from "./read-limits.ts";

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk (type is the 4-letter ASCII name). */
export interface PngChunk {
  type: string;
  data: Uint8Array;
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

const latin1 = new TextDecoder("latin1");
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Check a chunk header (type letters, declared length) before anything is read or allocated for it. */
export function checkChunkHeader(type: string, length: number, offset: number, limits: ReadLimits): void {
  if (!/^[A-Za-z]{4}$/.test(type)) {
    throw new CardError("card.png.bad_chunk", `PNG chunk at byte ${offset} has an invalid type`, {
      hint: "The file is corrupted or not a PNG.",
    });
  }
  if (length > limits.maxPngChunkBytes) {
    throw new CardError(
      "card.png.chunk_too_large",
      `PNG chunk ${type} at byte ${offset} declares ${length} bytes, over the ${limits.maxPngChunkBytes}-byte limit`,
      { hint: "Real card images use chunks far smaller than this; the file is corrupted or hostile." },
    );
  }
}

/** Verify a chunk's CRC (over type and data, as the PNG spec defines it). */
export function checkChunkCrc(typeAndData: Uint8Array, expected: number, type: string, offset: number): void {
  if (crc32(typeAndData) >>> 0 !== expected) {
    throw new CardError("card.png.bad_crc", `PNG chunk ${type} at byte ${offset} fails its CRC check`, {
      hint: "The file was damaged (truncated download, text-mode transfer); get a fresh copy.",
    });
  }
}

/**
 * Split PNG bytes into chunks, verifying the signature, every length against the buffer and the limit, every CRC,
 * and that the image ends with IEND. Chunk data are views into `bytes` (no copies).
 */
export function parsePng(bytes: Uint8Array, limits: ReadLimits): PngChunk[] {
  if (!isPng(bytes)) {
    throw new CardError("card.png.not_png", "not a PNG file (bad signature)", {
      hint: "Cards are PNG, JSON or CharX.",
    });
  }
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw truncated(at);
    const length = u32(bytes, at);
    const type = latin1.decode(bytes.subarray(at + 4, at + 8));
    checkChunkHeader(type, length, at, limits);
    if (at + 12 + length > bytes.length) throw truncated(at);
    checkChunkCrc(bytes.subarray(at + 4, at + 8 + length), u32(bytes, at + 8 + length), type, at);
    chunks.push({ type, data: bytes.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === "IEND") break;
  }
  if (chunks.at(-1)?.type !== "IEND") throw truncated(at);
  if (chunks[0]?.type !== "IHDR") {
    throw new CardError("card.png.bad_chunk", "PNG does not start with an IHDR chunk", {
      hint: "The file is corrupted.",
    });
  }
  return chunks;
}

function truncated(at: number): CardError {
  return new CardError("card.png.truncated", `PNG is truncated (ends inside or before a chunk at byte ${at})`, {
    hint: "The file was cut short (interrupted download?); get a complete copy.",
  });
}

/** Serialise chunks into PNG bytes, computing lengths and CRCs. */
export function encodePng(chunks: readonly PngChunk[]): Uint8Array {
  const size = chunks.reduce((n, c) => n + 12 + c.data.length, 8);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(PNG_SIGNATURE, 0);
  let at = 8;
  for (const c of chunks) {
    view.setUint32(at, c.data.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = c.type.charCodeAt(i);
    out.set(c.data, at + 8);
    view.setUint32(at + 8 + c.data.length, crc32(out.subarray(at + 4, at + 8 + c.data.length)) >>> 0);
    at += 12 + c.data.length;
  }
  return out;
}

/** A tEXt chunk (keyword and text are Latin-1; card payloads are base64, which is ASCII). */
export function textChunk(keyword: string, text: string): PngChunk {
  const data = new Uint8Array(keyword.length + 1 + text.length);
  for (let i = 0; i < keyword.length; i++) data[i] = keyword.charCodeAt(i) & 0xff;
  for (let i = 0; i < text.length; i++) data[keyword.length + 1 + i] = text.charCodeAt(i) & 0xff;
  return { type: "tEXt", data };
}

/** The keyword of a text chunk (tEXt, zTXt, iTXt), or undefined for other chunks. */
export function textKeyword(chunk: PngChunk): string | undefined {
  if (chunk.type !== "tEXt" && chunk.type !== "zTXt" && chunk.type !== "iTXt") return undefined;
  const nul = chunk.data.indexOf(0);
  return nul < 0 ? undefined : latin1.decode(chunk.data.subarray(0, Math.min(nul, 79)));
}

/** The text of a tEXt/zTXt/iTXt chunk (compressed text is inflated with an output cap). */
export function textValue(chunk: PngChunk, limits: ReadLimits): string {
  const d = chunk.data;
  const nul = d.indexOf(0);
  const inflate = (z: Uint8Array) => {
    try {
      return inflateSync(z, { maxOutputLength: limits.maxJsonBytes });
    } catch (cause) {
      throw new CardError("card.png.bad_text", `compressed ${chunk.type} chunk cannot be inflated`, {
        hint: "The chunk is corrupted or inflates past the size limit.",
        cause,
      });
    }
  };
  if (chunk.type === "tEXt") return latin1.decode(d.subarray(nul + 1));
  if (chunk.type === "zTXt") return latin1.decode(inflate(d.subarray(nul + 2)));
  // iTXt: keyword\0 flag method lang\0 translated\0 text (UTF-8)
  const compressed = d[nul + 1] === 1;
  const langEnd = d.indexOf(0, nul + 3);
  const transEnd = langEnd < 0 ? -1 : d.indexOf(0, langEnd + 1);
  if (transEnd < 0) {
    throw new CardError("card.png.bad_text", "iTXt chunk is malformed", { hint: "The file is corrupted." });
  }
  const body = d.subarray(transEnd + 1);
  return new TextDecoder("utf-8").decode(compressed ? inflate(body) : body);
}
