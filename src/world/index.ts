// Public surface of src/world: the ledger, projections and queries, the turn pipeline, the director, off-screen
// simulation and lorebook export.
export * from "./event.ts";
export * from "./fact.ts";
export { IntervalIndex } from "./interval-index.ts";
export { Ledger, moveProjection } from "./ledger.ts";
export { buildNode, type CommitInput, type EventDraft } from "./node-builder.ts";
export {
  EVERYONE,
  type HookRecord,
  type Knowledge,
  Projection,
  type SummaryRecord,
} from "./projection.ts";
export * from "./queries.ts";
export { projectionSnapshot, replay } from "./replay.ts";
export * from "./story-time.ts";
export { MAIN_BRANCH, World, type WorldDeps } from "./world.ts";
export { WorldError } from "./world-error.ts";
export {
  type CastMember,
  CastMemberSchema,
  type WorldSetup,
  type WorldSetupInput,
  WorldSetupSchema,
} from "./world-setup.ts";
export { bulkInsertNodes, ensureWorldTables, findWorld, listWorlds, type WorldRecord } from "./world-store.ts";
