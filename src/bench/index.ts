// Public surface of src/bench. Other folders (cli, server, world, learn) import only from here. Exports are kept
// sorted by module (Biome); part 1 is scenarios, loaders, simulator, sessions and runs, part 2 judging and reports.

export { BENCH_MIGRATIONS, type BenchTables, benchDb } from "./bench-tables.ts";
export { Budget, BudgetExhaustedError, budgetGuard, type CallGuard, estimateCallCost } from "./budget.ts";
export {
  loadDialoguesFile,
  loadEvaluationsFile,
  loadSeedsFile,
  loadTable,
  readRawRows,
  type TableLoad,
  validateRow,
} from "./data-files.ts";
export {
  type Dialogue,
  type DialogueMeta,
  DialogueMetaSchema,
  DialogueSchema,
  dialogueKey,
  type QaEvent,
  QaEventSchema,
  type RoleTotals,
  type TurnMeta,
  TurnMetaSchema,
} from "./dialogue.ts";
export {
  DEFAULT_REPLY_TOKENS,
  type EstimateInput,
  estimateRun,
  type RoleEstimate,
  type RunEstimate,
  roughTokens,
} from "./estimate.ts";
export { type Evaluation, EvaluationSchema } from "./evaluation.ts";
export { type ExportOptions, type ExportResult, writeRoleplayBenchExport, writeTranscripts } from "./export.ts";
export { DEFAULT_MAX_LINE_BYTES, type RawRow, type ReadRowsOptions, readJsonlRows } from "./jsonl-rows.ts";
export {
  type FetchOfficialOptions,
  fetchOfficialFile,
  type OfficialTable,
  officialFileUrl,
  ROLE_PLAY_BENCH,
} from "./official-dataset.ts";
export { readParquetRows } from "./parquet-rows.ts";
export { PERSONA_IDS, PERSONAS, type Persona, type PersonaId, parsePersonas } from "./persona.ts";
export {
  type PerturbationEvent,
  type PerturbationKind,
  parseTraps,
  scheduleEvents,
  TRAP_IDS,
  type TrapId,
} from "./perturbation.ts";
export {
  buildPlayerMessages,
  chatModelPlayer,
  PLAYER_PROMPT_HASH,
  PLAYER_PROMPT_VERSION,
  type Player,
  type PlayerInput,
  type PlayerTurn,
  type SamplingParams,
} from "./player.ts";
export {
  BENCH_QUEUE,
  checkRedis,
  enqueueSessions,
  openBenchQueue,
  type SessionJobData,
  sessionJobId,
  sessionJobPending,
} from "./queue.ts";
export { BenchDataError, formatRowIssue, type RowIssue } from "./row-issue.ts";
export { type RunConfig, RunConfigSchema } from "./run-config.ts";
export { createRun, type NewRunInput, newRunId, runSeed, sessionSeed } from "./run-setup.ts";
export {
  getRun,
  getSession,
  listRunRecords,
  listSessions,
  loadRunTurns,
  loadSessionTurns,
  type RunRecord,
  type RunStatus,
  runUsage,
  type SessionRecord,
  type SessionStatus,
  type StoredTurn,
  TurnConflictError,
  updateRunStatus,
} from "./run-store.ts";
export { type ExecuteRunDeps, executeRun, type RunOutcome, type RunProgress, readRunProgress } from "./runner.ts";
export {
  inferLang,
  type Lang,
  LangSchema,
  type Scenario,
  ScenarioSchema,
  type SeedRow,
  SeedSchema,
  scenarioFromSeed,
  seedFromScenario,
} from "./scenario.ts";
export { runSession, type SessionDeps, type SessionOutcome } from "./session-runner.ts";
export {
  buildSimulatorMessages,
  SIMULATOR_PROMPT_VERSION,
  simulatorPromptHash,
  simulatorSystemPrompt,
} from "./simulator-prompt.ts";
export { type QaProblem, type QaVerdict, SimulatorQa, similarity } from "./simulator-qa.ts";
export {
  assertSuiteValid,
  BUILTIN_SUITES,
  loadSuiteText,
  type ResolveSuiteOptions,
  resolveSuite,
  type Suite,
  selectScenarios,
} from "./suite.ts";
export { type LoadRunDialoguesOptions, loadRunDialogues, renderTranscript, toDialogue } from "./transcript.ts";
export { isScriptedRound, protocolProblem, roleForRound, type Turn, TurnSchema } from "./turn.ts";
export {
  DEFAULT_SIMULATOR_SETTINGS,
  planSimulator,
  type SimulatedTurn,
  type SimulatorPlan,
  simulateUserTurn,
  type UserSimulatorSettings,
} from "./user-simulator.ts";
export {
  type BenchWorker,
  type BenchWorkerOptions,
  type RunModels,
  settleRunStatus,
  startBenchWorker,
  type WorkerEvent,
} from "./worker.ts";
