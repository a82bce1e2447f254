// Public surface of src/bench. Other folders (cli, server, world, learn) import only from here. Exports are kept
// sorted by module (Biome); part 1 is scenarios, loaders, simulator, sessions and runs, part 2 judging and reports.

export {
  type ComparedSettings,
  comparedSettings,
  comparisonWarnings,
  SMALL_SAMPLE_SCENARIOS,
} from "./analysis/comparability.ts";
export { DEFAULT_GATE, type GateOptions, type GateVerdict, gateVerdict } from "./analysis/gate.ts";
export { type HorizonBucket, longHorizonCurve } from "./analysis/long-horizon.ts";
export { METRICS, type Metric, metricLabel } from "./analysis/metrics.ts";
export { type PairedDifference, pairedComparison } from "./analysis/paired-comparison.ts";
export {
  DEFAULT_INTERVALS,
  type IntervalOptions,
  type ScoreInterval,
  scoreIntervals,
} from "./analysis/score-intervals.ts";
export { detectorFlagsFor, detectorFlagsOf, loadScoredSource, type ScoredSource } from "./analysis/scored-source.ts";
export { type VarianceBreakdown, varianceBreakdown } from "./analysis/variance-breakdown.ts";
export { BENCH_MIGRATIONS, type BenchTables, benchDb } from "./bench-tables.ts";
export { Budget, BudgetExhaustedError, budgetGuard, type CallGuard, estimateCallCost } from "./budget.ts";
export {
  type CategoryFit,
  fitCategoryWeights,
  type ModelDimensions,
  modelDimensionMeans,
  type WeightFit,
} from "./calibration/fit-weights.ts";
export {
  type JudgeCalibrationCondition,
  type JudgeCalibrationInput,
  type JudgeCalibrationResult,
  type LedgerMode,
  type LedgerWorth,
  runJudgeCalibration,
} from "./calibration/judge-calibration-run.ts";
export {
  type FalseFlagRate,
  flagFindsFlaw,
  type JudgeFlawRecall,
  judgeFlawRecall,
  type RecallCell,
} from "./calibration/judge-flaw-recall.ts";
export {
  FACT_DISTANCES,
  type FactDistance,
  injectJudgeFlaw,
  JUDGE_FLAW_INFO,
  JUDGE_FLAW_KINDS,
  type JudgeFlaw,
  type JudgeFlawKind,
  type JudgeFlawSession,
  judgeFlawSet,
} from "./calibration/judge-flaws.ts";
export { runJudgeRecall } from "./calibration/judge-recall-run.ts";
export { type LeaderboardRow, ROLE_PLAY_BENCH_LEADERBOARD } from "./calibration/leaderboard.ts";
export { loadReferenceScores, type ReferenceSession } from "./calibration/reference-scores.ts";
export { type DimensionCalibration, scoreCorrelation } from "./calibration/score-correlation.ts";
export { type SimulatorSensitivity, simulatorSensitivity } from "./calibration/simulator-sensitivity.ts";
export { type ContextFit, contextFit } from "./context-fit.ts";
export {
  applyContextStrategy,
  type ContextStrategy,
  DEFAULT_CONTEXT_STRATEGY,
  isContextStrategy,
  parseContextStrategy,
  windowTurns,
} from "./context-strategy.ts";
export {
  loadDialoguesFile,
  loadEvaluationsFile,
  loadSeedsFile,
  loadTable,
  readRawRows,
  type TableLoad,
  validateRow,
} from "./data-files.ts";
export type { Detector, DetectorInput } from "./detectors/detector.ts";
export { cleanSession } from "./detectors/injection/clean-transcript.ts";
export {
  flawInjectionSet,
  INJECTABLE_SUBTYPES,
  type InjectedSession,
  injectSession,
} from "./detectors/injection/flaw-injection.ts";
export {
  type JudgeRecall,
  judgeRecall,
  type SubtypeScore,
  scoreDetections,
} from "./detectors/injection/injection-eval.ts";
export { DETECTORS, RULE_DETECTABLE_SUBTYPES, runDetectors } from "./detectors/run-detectors.ts";
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
  type LargestCall,
  type RoleEstimate,
  type RunEstimate,
  roughTokens,
} from "./estimate.ts";
export {
  defineEval,
  type Eval,
  type EvalContext,
  type EvalDefinition,
  type EvalResult,
  type ScoredJudgement,
  scoreJudgement,
} from "./eval.ts";
export { type Evaluation, EvaluationSchema } from "./evaluation.ts";
export { type ExportOptions, type ExportResult, writeRoleplayBenchExport, writeTranscripts } from "./export.ts";
export { GroupCastSchema, type GroupMember, groupCastOf, isCastLabel } from "./group-scene.ts";
export { DEFAULT_MAX_LINE_BYTES, type RawRow, type ReadRowsOptions, readJsonlRows } from "./jsonl-rows.ts";
export { LEDGER_OFF, type LedgerEntry, LedgerEntrySchema, mergeLedger, renderLedger } from "./judge/canon-ledger.ts";
export { type ChunkJudgement, type ChunkJudgementCache, memoryChunkCache } from "./judge/chunk-judgement.ts";
export { type Chunk, type ChunkingOptions, DEFAULT_CHUNKING, planChunks } from "./judge/chunk-plan.ts";
export { type Flag, FlagSchema, type Severity } from "./judge/flag.ts";
export { type DimensionAgreement, judgeAgreement } from "./judge/judge-agreement.ts";
export { structuredJudgeCall } from "./judge/judge-call.ts";
export { judgeFamilyWarnings, modelFamily } from "./judge/judge-family.ts";
export {
  DEFAULT_JUDGE_PROMPT_OPTIONS,
  JUDGE_PROMPT_HASH,
  JUDGE_PROMPT_VERSION,
  type JudgePromptOptions,
  judgePromptHash,
  judgeSystemPrompt,
  type RubricDetail,
  renderJudgeMessages,
} from "./judge/judge-prompt.ts";
export { type JudgeReply, JudgeReplySchema, salvageJudgeReply } from "./judge/judge-reply.ts";
export {
  budgetedJudgeCall,
  type JudgeBudget,
  type JudgeRunResult,
  judgementConfig,
  runJudgement,
} from "./judge/judge-run.ts";
export {
  DEFAULT_JUDGE_SAMPLING,
  DEFAULT_JUDGE_SETTINGS,
  type JudgeableSession,
  type JudgeCall,
  type JudgeProgressEvent,
  type JudgeSampling,
  type JudgeSettings,
  judgeSession,
} from "./judge/judge-session.ts";
export {
  type DialogueSource,
  loadDialogueSource,
  type SourceFilter,
  sessionKeyOf,
  toJudgeableSessions,
} from "./judge/judge-source.ts";
export {
  getJudgement,
  type JudgementRecord,
  listJudgements,
  loadJudgementChunks,
  storeChunkCache,
} from "./judge/judge-store.ts";
export { aggregatePanel, DEFAULT_PANEL, type PanelConfig, PanelConfigSchema, type PanelPolicy } from "./judge/panel.ts";
export { checkQuote, normalizeForQuote, quoteOccursIn } from "./judge/quote-check.ts";
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
export { renderHtmlReport } from "./report/html-report.ts";
export { renderMarkdownReport } from "./report/markdown-report.ts";
export { type BenchReport, buildBenchReport } from "./report/report-data.ts";
export { REPORT_CSS } from "./report/report-style.ts";
export { escapeHtml, type IntervalRow, intervalChart } from "./report/svg-charts.ts";
export { BenchDataError, formatRowIssue, type RowIssue } from "./row-issue.ts";
export { type RunConfig, RunConfigSchema } from "./run-config.ts";
export {
  acquireRunLease,
  DEFAULT_LEASE_MS,
  effectiveRunStatus,
  keepRunLease,
  type LeaseHolder,
  type LeaseKeeper,
  type LivenessCheck,
  leaseIsLive,
  listRunLeases,
  processAlive,
  RunBusyError,
  type RunLease,
  releaseRunLease,
  renewRunLease,
  thisProcess,
} from "./run-lease.ts";
export {
  checkRemovable,
  discardUnstartedRun,
  type RemovedRun,
  type RemoveOptions,
  removeRun,
} from "./run-removal.ts";
export { createRun, type NewRunInput, newRunId, runSeed, sessionSeed } from "./run-setup.ts";
export {
  countRunTurns,
  getRun,
  getSession,
  listRunRecords,
  listSessions,
  loadRunTurns,
  loadSessionTurns,
  type RunRecord,
  type RunStatus,
  runExists,
  runUsage,
  type SessionRecord,
  type SessionStatus,
  type StoredTurn,
  TurnConflictError,
  updateRunStatus,
} from "./run-store.ts";
export {
  assertBudgetPriced,
  type ExecuteRunDeps,
  executeRun,
  type RunOutcome,
  type RunProgress,
  readRunProgress,
} from "./runner.ts";
export {
  expandScenarioMacros,
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
export { combineDimensions, type ScoreCard, scoreChunk, scoreSession } from "./scoring/deduction.ts";
export {
  DEFAULT_SCORING,
  resolveScoringConfig,
  type ScoringConfig,
  ScoringConfigSchema,
  scoringConfigHash,
} from "./scoring/scoring-config.ts";
export { type SessionScore, scoreJudgedSession } from "./scoring/session-score.ts";
export { failureScope, isContextOverflow, type SessionRole, SessionTurnError } from "./session-failure.ts";
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
// Judging, detectors, scores with intervals, calibration and reports (bench part 2).
export {
  CATEGORIES,
  CATEGORY_DIMENSIONS,
  CATEGORY_LABELS,
  CATEGORY_WEIGHTS,
  type Category,
  categoryOf,
  DIMENSION_LABELS,
  DIMENSIONS,
  type Dimension,
  dimensionOf,
  SUBTYPE_NAMES,
  SUBTYPES,
  type Subtype,
} from "./taxonomy.ts";
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
