import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * troupe's version from its package.json, found by walking up from this module: the sources (src/cli) and the
 * bundle (dist/) sit at different depths below the package root.
 */
export function troupeVersion(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "troupe" && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}
