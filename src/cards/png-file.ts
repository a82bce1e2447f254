import type { FileHandle } from "node:fs/promises";
import { CardError } from "./card-error.ts";
import { checkChunkCrc, checkChunkHeader, encodePng, isPng, type PngChunk } from "./png-chunks.ts";
import type { ReadLimits } from "./read-limits.ts";

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new CardError("card.png.truncated", `PNG is truncated (ends inside a chunk at byte ${position})`, {
        hint: "The file was cut short (interrupted download?); get a complete copy.",
      });
    }
    done += bytesRead;
  }
  return buffer;
}

/**
 * Read a PNG file chunk by chunk: each chunk's header is checked against the limits before its data is read, so a
 * file declaring a 100 MB text chunk is refused without allocating 100 MB. Returns the verified chunks and the
 * file's bytes (re-encoded from the chunks, identical to the file up to IEND).
 */
export async function readPngFile(
  handle: FileHandle,
  size: number,
  limits: ReadLimits,
): Promise<{
  chunks: PngChunk[];
  bytes: Uint8Array;
}> {
  const signature = await readExactly(handle, Math.min(8, size), 0);
  if (!isPng(signature)) {
    throw new CardError("card.png.not_png", "not a PNG file (bad signature)", {
      hint: "Cards are PNG, JSON or CharX.",
    });
  }
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < size) {
    const header = await readExactly(handle, 8, at);
    const length = new DataView(header.buffer).getUint32(0);
    const type = String.fromCharCode(...header.subarray(4, 8));
    checkChunkHeader(type, length, at, limits);
    const rest = await readExactly(handle, length + 4, at + 8);
    const typeAndData = new Uint8Array(4 + length);
    typeAndData.set(header.subarray(4, 8), 0);
    typeAndData.set(rest.subarray(0, length), 4);
    checkChunkCrc(typeAndData, new DataView(rest.buffer).getUint32(length), type, at);
    chunks.push({ type, data: typeAndData.subarray(4) });
    at += 12 + length;
    if (type === "IEND") break;
  }
  if (chunks.at(-1)?.type !== "IEND") {
    throw new CardError("card.png.truncated", "PNG is truncated (no IEND chunk)", {
      hint: "The file was cut short (interrupted download?); get a complete copy.",
    });
  }
  return { chunks, bytes: encodePng(chunks) };
}
