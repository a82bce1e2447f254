import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The CLI's source entry: tests run troupe from src/ through tsx, so they never depend on a stale build. */
export const TROUPE_SOURCE_ENTRY = resolve(import.meta.dirname, "../../src/cli/bin.ts");

/** tsx's loader by absolute URL: the tests run troupe in temporary folders where a bare "tsx" would not resolve. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The arguments after `node` that run `troupe <args>` from source. */
export function troupeNodeArgs(args: readonly string[]): string[] {
  return ["--import", TSX, TROUPE_SOURCE_ENTRY, ...args];
}
