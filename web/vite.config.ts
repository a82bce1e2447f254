import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

// The web app: Preact through esbuild's automatic JSX runtime (no plugin needed), served by `troupe serve` under a
// strict CSP (script-src 'self'; style-src 'self'), so nothing may be inlined into index.html.
export default defineConfig({
  root: here,
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  resolve: {
    alias: { react: "preact/compat", "react-dom": "preact/compat" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Vite's preload polyfill is an inline-free module, but modern browsers need none; keep the entry minimal.
    modulePreload: { polyfill: false },
    // Small assets stay files: the CSP allows data: images, but files keep the policy simple to reason about.
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development: the API comes from a `troupe serve` on port 8787.
    proxy: { "/api": "http://127.0.0.1:8787" },
  },
});
