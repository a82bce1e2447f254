// A second, light entry to bench's public API: stored runs, their sessions and leases, and the settings flags that
// parse without the engine. index.ts exports all of it too; this file exists so that `troupe bench ls` and shared
// CLI flag parsers can load run storage without the runner, the judge, the detectors and the cards module behind
// index.ts (the bundle splits by what a command imports, and a barrel imports everything).
export { type ContextStrategy, isContextStrategy } from "./context-strategy.ts";
export { effectiveRunStatus, listRunLeases } from "./run-lease.ts";
export { listRunRecords, listSessions, type RunRecord, type RunStatus, runUsage } from "./run-store.ts";
