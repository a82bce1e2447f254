// Builds the web app (web/) into web/dist with Vite; `troupe serve` serves it at /. Plain JavaScript: it runs
// during `npm ci` (the prepare script), before anything is compiled. Type checking is separate (tsc -p web).
import { build } from "vite";

const root = new URL("../web/", import.meta.url).pathname;
// `node scripts/build-web.mjs [outdir]`: perf and tests may build into a folder of their own.
const outDir = process.argv[2];

await build({
  configFile: `${root}vite.config.ts`,
  logLevel: "warn",
  ...(outDir ? { build: { outDir } } : {}),
});
