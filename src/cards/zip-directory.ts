import { CardError } from "./card-error.ts";
import type { ReadLimits } from "./read-limits.ts";

/** One member as the zip's central directory declares it. */
export interface ZipMember {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  isDirectory: boolean;
}

const MiB = 1024 * 1024;

function fail(code: string, message: string, hint: string): never {
  throw new CardError(`card.charx.${code}`, message, { hint });
}

/**
 * Why a member path is unsafe to extract, or undefined when it is safe: absolute paths, `..` segments, backslashes
 * (Windows separators would escape on Windows), drive letters and control characters are all refused.
 */
export function unsafeZipPath(name: string): string | undefined {
  if (name === "") return "empty name";
  if (/[\u0000-\u001f]/.test(name)) return "control character in name";
  if (name.includes("\\")) return "backslash in name";
  if (name.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(name)) return "drive letter";
  if (name.split("/").some((seg) => seg === ".." || seg === ".")) return "relative segment (. or ..)";
  return undefined;
}

/**
 * Read and vet a zip's central directory before anything is inflated: member count, declared sizes (each and in
 * total), compression ratio, encryption, unsupported methods, zip64, duplicate and unsafe paths. Everything that
 * is decompressed later is bounded by these declared sizes, and checked against the declared CRC afterwards.
 */
export function readZipDirectory(bytes: Uint8Array, limits: ReadLimits): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    fail(
      "not_zip",
      "CharX file is not a zip archive (no end of central directory)",
      "The file is corrupted or truncated.",
    );
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff || dirSize === 0xffffffff) {
    fail(
      "zip64",
      "CharX uses zip64, which troupe does not read",
      "Cards never need zip64 (> 4 GB); re-zip it normally.",
    );
  }
  if (count > limits.maxZipEntries) {
    fail(
      "too_many_entries",
      `CharX has ${count} members, over the ${limits.maxZipEntries} limit`,
      "This is not a normal card archive.",
    );
  }
  if (dirOffset + dirSize > eocd)
    fail("corrupt", "CharX central directory lies outside the file", "The file is corrupted.");
  const members: ZipMember[] = [];
  const seen = new Set<string>();
  let total = 0;
  let at = dirOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== 0x02014b50) {
      fail("corrupt", `CharX central directory entry ${n} is malformed`, "The file is corrupted.");
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const next = at + 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (next > eocd)
      fail("corrupt", `CharX central directory entry ${n} runs past the directory`, "The file is corrupted.");
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(rawName);
    at = next;
    const unsafe = unsafeZipPath(name);
    if (unsafe) {
      fail(
        "path_traversal",
        `CharX member "${name}" has an unsafe path (${unsafe})`,
        "A card archive must only hold paths inside itself; this one is hostile or broken.",
      );
    }
    if (seen.has(name)) fail("duplicate_entry", `CharX holds "${name}" twice`, "The archive is ambiguous; re-zip it.");
    seen.add(name);
    const isDirectory = name.endsWith("/");
    if (flags & 0x1)
      fail(
        "encrypted",
        `CharX member "${name}" is encrypted`,
        "The CharX spec says card archives are not encrypted; re-export it.",
      );
    if (!isDirectory && method !== 0 && method !== 8) {
      fail(
        "unsupported_method",
        `CharX member "${name}" uses compression method ${method}`,
        "Only stored and deflated members are supported; re-zip with standard deflate.",
      );
    }
    if (size > limits.maxZipEntryBytes) {
      fail(
        "entry_too_large",
        `CharX member "${name}" declares ${size} bytes, over the ${limits.maxZipEntryBytes} limit`,
        "The archive is too large to be a normal card.",
      );
    }
    if (size > MiB && size / Math.max(compressedSize, 1) > limits.maxZipRatio) {
      fail(
        "zip_bomb",
        `CharX member "${name}" would expand ${Math.round(size / Math.max(compressedSize, 1))}× (${size} bytes)`,
        "This looks like a zip bomb; it was not unpacked.",
      );
    }
    total += size;
    if (total > limits.maxZipTotalBytes) {
      fail(
        "too_large",
        `CharX would unpack to more than ${limits.maxZipTotalBytes} bytes`,
        "The archive is too large to be a normal card.",
      );
    }
    members.push({ name, method, crc, compressedSize, size, isDirectory });
  }
  return members;
}
