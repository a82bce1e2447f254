// Builds the `troupe` command into dist/: one ESM bundle per lazily loaded command group (esbuild code splitting),
// so a command parses only the code it runs. Type checking is separate (`npm run typecheck`). Plain JavaScript: it
// runs during `npm ci`, before anything is compiled.
import { cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
// `node scripts/build.mjs [outdir]`: tests build into a folder of their own to check the bundle itself.
const out = process.argv[2] ?? `${root}dist`;

// Native addons and packages that load their own files at run time (Lua scripts, worker files) stay in
// node_modules and are imported from there. pino is bundled: troupe uses no pino transports, the one part of it
// that loads worker files.
const EXTERNAL = ["better-sqlite3", "node-llama-cpp", "bullmq", "ioredis", "pg", "pg-native", "playwright-core"];

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { troupe: "src/cli/bin.ts" },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  // Bundled CommonJS packages call require() for node's own modules; ESM has no require, so give them one.
  banner: {
    js: 'import { createRequire as __troupeRequire } from "node:module"; const require = __troupeRequire(import.meta.url);',
  },
  logLevel: "warning",
});
// Data files are read from disk next to the module that reads them (import.meta.dirname). In the bundle every
// lazily loaded module sits in dist/chunks, so that is where they go; a test runs the built command on both.
cpSync(`${root}src/bench/suites`, `${out}/chunks/suites`, { recursive: true });
cpSync(`${root}src/text/english-words.txt`, `${out}/chunks/english-words.txt`);
