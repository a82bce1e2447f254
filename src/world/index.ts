// Public surface of src/world: the ledger, projections and queries, the turn pipeline, the director, off-screen
// simulation and lorebook export.

export { type AssembledContext, assembleContext, type ContextOptions } from "./context-assembly.ts";
export { castMember, heard, type Line, linesHeard, loreStateAt, memoryText } from "./context-sources.ts";
export { chooseSpeaker, type DirectorMode, type SpeakerChoice, type SpeakerScore } from "./director.ts";
export * from "./event.ts";
export {
  draftsFromExtraction,
  type ExtractedEvent,
  ExtractedEventSchema,
  type Extraction,
  type ExtractionResult,
  ExtractionSchema,
  extractEvents,
  extractionPrompt,
} from "./extraction.ts";
export * from "./fact.ts";
export { chainLines, clip, eventText, factLine } from "./fact-lines.ts";
export { IntervalIndex, type IntervalSpan } from "./interval-index.ts";
export { checkInvariants, type Resolution, type Violation, type ViolationCode } from "./invariants.ts";
export { Ledger, moveProjection } from "./ledger.ts";
export { LlmCheckSchema, llmConsistencyCheck } from "./llm-check.ts";
export { exportWorldLorebook, worldLorebook } from "./lorebook-export.ts";
export {
  BudgetLedger,
  type ContextManifest,
  formatManifest,
  type ManifestItem,
  type ManifestKind,
} from "./manifest.ts";
export { buildNode, type CommitInput, type EventDraft } from "./node-builder.ts";
export {
  acceptProposal,
  type DigestStep,
  discardProposal,
  type OffscreenDigest,
  type OffscreenOptions,
  OffscreenStepSchema,
  simulateOffscreen,
} from "./offscreen.ts";
export { holdLine, type PendingLine, pendingLine, pendingLines, releaseLine } from "./pending-line.ts";
export { isDead, locationOf, presentWith } from "./presence.ts";
export {
  EVERYONE,
  type HookRecord,
  type Knowledge,
  Projection,
  type SummaryRecord,
} from "./projection.ts";
export * from "./queries.ts";
export { projectionSnapshot, replay } from "./replay.ts";
export {
  contentWords,
  cosine,
  DEFAULT_RETRIEVAL_WEIGHTS,
  type MemoryCandidate,
  type RetrievalOptions,
  type RetrievalWeights,
  type ScoredMemory,
  type ScoreParts,
  scoreMemories,
} from "./retrieval.ts";
export { stripSpeaker, visibleLine } from "./speaker-label.ts";
export * from "./story-time.ts";
export {
  checkProposal,
  commitProposal,
  contextFor,
  dropDraft,
  type GenerateOptions,
  type Proposal,
  proposeLine,
  proposeText,
  proposeUserLine,
  resolveViolation,
  type TurnModels,
  type TurnOutcome,
  takeTurn,
} from "./turn-pipeline.ts";
export { foreignSpeakerLines, userAgencyBreaches, userAgencyPatterns } from "./user-agency.ts";
export { MAIN_BRANCH, World, type WorldDeps } from "./world.ts";
export { WorldError } from "./world-error.ts";
export { castFromCard, commitGreeting, setupFromCards } from "./world-from-card.ts";
export {
  createWorldPlayer,
  type WorldPlayerInput,
  type WorldPlayerOptions,
  type WorldPlayerScenario,
  type WorldPlayerTurn,
} from "./world-player.ts";
export {
  type CastMember,
  CastMemberSchema,
  type WorldSetup,
  type WorldSetupInput,
  WorldSetupSchema,
} from "./world-setup.ts";
export {
  branchHeads,
  bulkInsertNodes,
  deleteWorld,
  ensureWorldTables,
  findWorld,
  listWorlds,
  type WorldRecord,
} from "./world-store.ts";
