import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.ts";

const ROOT = resolve(import.meta.dirname, "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The `troupe …` command lines in the README's shell blocks, without comments and continuations. */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const raw of (block[1] as string).split("\n")) {
      const line = raw.replace(/\s+#\s.*$/, "").trim();
      const at = line.indexOf("troupe ");
      if (at >= 0 && !line.startsWith("npm ci && npm test")) lines.push(line.slice(at + "troupe ".length));
    }
  return lines;
}

function find(parent: Command, name: string): Command | undefined {
  return parent.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

describe("README", () => {
  it("stays a short user's guide (under 15 KB)", () => {
    expect(Buffer.byteLength(README)).toBeLessThan(15 * 1024);
  });

  it("points only at example files that ship with troupe", () => {
    const paths = [...README.matchAll(/\bexamples\/[\w./-]+\.\w+/g)].map((m) => m[0]);
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  it("shows only commands and flags that exist", async () => {
    const program = await buildProgram("all");
    const lines = commandLines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const words = line.split(/\s+/);
      let command: Command = program;
      for (const word of words) {
        if (word.startsWith("-")) break;
        const sub = find(command, word);
        if (!sub) break;
        command = sub;
      }
      expect(command, line).not.toBe(program);
      const known = new Set([...command.options, ...program.options].flatMap((o) => [o.long, o.short]));
      for (const flag of words.filter((w) => /^--?[a-z]/.test(w)).map((w) => w.split("=")[0] as string))
        expect(known.has(flag), `${flag} in: troupe ${line}`).toBe(true);
    }
  });

  it("links only to docs that exist", () => {
    for (const link of README.matchAll(/\]\((docs\/[\w./-]+)\)/g))
      expect(existsSync(join(ROOT, link[1] as string)), link[1]).toBe(true);
  });
});
