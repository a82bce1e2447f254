import { randomBytes } from "node:crypto";
import { sha256 } from "../../core/index.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Every troupe key starts with this, so leaked keys can be found by a scanner and told apart from others'. */
export const API_KEY_PREFIX = "tr_live_";
const RANDOM_CHARS = 30;
const CHECK_CHARS = 6;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, "utf8")) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let out = "";
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** A new API key: prefix, 30 random base62 characters (≈178 bits) and a CRC32 checksum, as GitHub's tokens. */
export function mintApiKey(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(RANDOM_CHARS);
  let body = "";
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every character equally likely.
  let i = 0;
  let pool = bytes;
  while (body.length < RANDOM_CHARS) {
    if (i >= pool.length) {
      pool = random(RANDOM_CHARS);
      i = 0;
    }
    const b = pool[i++] as number;
    if (b < 248) body += BASE62[b % 62];
  }
  return `${API_KEY_PREFIX}${body}${base62(crc32(body), CHECK_CHARS)}`;
}

/** True when the text has the shape and checksum of a troupe key: garbage is refused without a database call. */
export function isWellFormedApiKey(key: string): boolean {
  if (!key.startsWith(API_KEY_PREFIX) || key.length !== API_KEY_PREFIX.length + RANDOM_CHARS + CHECK_CHARS)
    return false;
  const body = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_CHARS);
  if (![...body].every((c) => BASE62.includes(c))) return false;
  return key.slice(-CHECK_CHARS) === base62(crc32(body), CHECK_CHARS);
}

/** What is stored for a key: its SHA-256 (a 178-bit random secret needs no slow hash; OWASP ASVS 6.5.2). */
export function hashApiKey(key: string): string {
  return sha256(key);
}

/** The part of a key safe to show again after creation: prefix plus the first four random characters. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 4)}…`;
}
