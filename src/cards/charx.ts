import { crc32 } from "node:zlib";
import { unzipSync, type Zippable, zipSync } from "fflate";
import { CardError } from "./card-error.ts";
import { decodeUtf8, parseJsonText } from "./json-guard.ts";
import type { ReadLimits } from "./read-limits.ts";
import { readZipDirectory } from "./zip-directory.ts";

/** True when the bytes start like a zip archive. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** What a CharX archive holds: the parsed `card.json` and every other member by path. */
export interface CharxContents {
  json: unknown;
  files: Record<string, Uint8Array>;
}

/**
 * Unpack a CharX archive safely. The central directory is vetted first (count, declared sizes, ratio, encryption,
 * unsafe paths); fflate then inflates each member into a buffer of its declared size, and each result is checked
 * against its declared size and CRC, so a member that lies about its size is caught instead of trusted.
 */
export function readCharx(bytes: Uint8Array, limits: ReadLimits): CharxContents {
  const members = readZipDirectory(bytes, limits);
  const byName = new Map(members.map((m) => [m.name, m]));
  if (!byName.has("card.json")) {
    throw new CardError("card.charx.no_card", "CharX archive has no card.json at its root", {
      hint: "A CharX file must hold the card as card.json at the top level of the zip.",
    });
  }
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(bytes, { filter: (f) => byName.get(f.name)?.isDirectory === false });
  } catch (cause) {
    throw new CardError("card.charx.corrupt", `CharX archive cannot be unpacked: ${(cause as Error).message}`, {
      hint: "The zip is corrupted or truncated.",
      cause,
    });
  }
  const files: Record<string, Uint8Array> = {};
  for (const member of members) {
    if (member.isDirectory) continue;
    const data = unpacked[member.name];
    if (!data || data.length !== member.size || crc32(data) >>> 0 !== member.crc) {
      throw new CardError(
        "card.charx.corrupt",
        `CharX member "${member.name}" does not match its declared size and CRC`,
        {
          hint: "The archive is corrupted, or lies about its contents (a zip-bomb trick); it was not used.",
        },
      );
    }
    files[member.name] = data;
  }
  const cardBytes = files["card.json"] as Uint8Array;
  delete files["card.json"];
  const json = parseJsonText(decodeUtf8(cardBytes, "card.json"), limits, "card.json");
  return { json, files };
}

// Media is already compressed; deflating it again only costs time.
const STORED = /\.(png|apng|jpe?g|webp|avif|gif|mp3|ogg|opus|m4a|mp4|webm|zip|woff2?)$/i;

/** Build a CharX archive: `card.json` first, then the other members (media stored, the rest deflated). */
export function writeCharx(json: unknown, files: Record<string, Uint8Array>): Uint8Array {
  const entries: Zippable = {
    "card.json": [Buffer.from(JSON.stringify(json, null, 2), "utf8"), { level: 6 }],
  };
  for (const [name, data] of Object.entries(files)) {
    if (name === "card.json") continue;
    entries[name] = [data, { level: STORED.test(name) ? 0 : 6 }];
  }
  return zipSync(entries, { mtime: new Date("2000-01-01T00:00:00Z") });
}
