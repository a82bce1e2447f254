import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native modules (better-sqlite3, node-llama-cpp) are happiest in child processes rather than worker threads.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Slow suites (browser, kill -9 trials, distributed workers) opt in to longer timeouts themselves.
    reporters: process.env["CI"] ? ["default"] : ["default"],
  },
});
