// No module of src/ imports itself back through others (issue 12.23: world/projection ↔ world/fact-knowledge and
// the CLI's world commands had). Type-only imports count too: they tie the files together all the same.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** The .ts files under a folder, sorted (a directory's own order differs between file systems). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => {
      const path = join(dir, d.name);
      if (d.isDirectory()) return sourceFiles(path);
      return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [path] : [];
    })
    .sort();
}

/** Relative imports and re-exports of one file, resolved to paths (static and dynamic `import("…")`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(/\b(?:import|export)\b[^"'`;]*?\bfrom\s*["'](\.[^"']+)["']/g),
    ...text.matchAll(/\bimport\s*\(\s*["'](\.[^"']+)["']\s*\)/g),
    ...text.matchAll(/^\s*import\s*["'](\.[^"']+)["']/gm),
  ].map((m) => m[1] as string);
  return specifiers.map((s) => resolve(dirname(file), s.endsWith(".js") ? s.replace(/\.js$/, ".ts") : s));
}

/** Every cycle's files (relative to `root`), found by depth-first search over the import graph. */
function cycles(files: string[], root = SRC): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => files.includes(to))]));
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (state.get(to) === "open") found.push(stack.slice(stack.indexOf(to)).map((p) => relative(root, p)));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe("import graph of src/", () => {
  it("has no cycles", () => {
    expect(cycles(sourceFiles(SRC))).toEqual([]);
  });

  it("finds a cycle when there is one, type-only imports included (the check itself works)", () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-cycles-"));
    try {
      writeFileSync(join(dir, "projection.ts"), 'import { knowersOf } from "./fact-knowledge.ts";\n');
      writeFileSync(join(dir, "fact-knowledge.ts"), 'import type { Projection } from "./projection.ts";\n');
      writeFileSync(join(dir, "leaf.ts"), 'export { knowersOf } from "./fact-knowledge.ts";\n');
      expect(cycles(sourceFiles(dir), dir)).toEqual([["fact-knowledge.ts", "projection.ts"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
