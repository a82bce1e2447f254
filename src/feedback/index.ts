// Public surface of src/feedback: the event schema, ingestion and the event store.

export { enrichFromCandidates, type LoggedCandidate, readLoggedCandidates } from "./candidate-enrichment.ts";
export { chatStoreTextSource, chatTexts, combinedTextSource } from "./chat-text-source.ts";
export { type ClockPolicy, DEFAULT_CLOCK_POLICY, type DerivedTime, deriveEventTime } from "./clock-skew.ts";
export {
  EXPORT_FORMATS,
  type ExportedFile,
  type ExportFormat,
  type ExportOptions,
  type ExportProvenance,
  writeDataset,
} from "./dataset-export.ts";
export {
  FEEDBACK_EVENT_TYPES,
  FEEDBACK_SCHEMA_VERSION,
  type FeedbackBatch,
  FeedbackBatchSchema,
  type FeedbackEvent,
  type FeedbackEventOf,
  FeedbackEventSchema,
  type FeedbackEventType,
  parseFeedbackEvent,
  type StoredFeedbackEvent,
  type TimeFlag,
} from "./event-schema.ts";
export {
  countEvents,
  type EventQuery,
  ensureFeedbackTables,
  type IngestOptions,
  type IngestResult,
  ingestEvents,
  iterateEvents,
  readEvents,
} from "./event-store.ts";
export {
  DEFAULT_OPENRLHF_KEYS,
  OpenAiPreferenceRowSchema,
  type OpenRlhfKeys,
  openAiPreferenceRow,
  openRlhfRow,
  TrlDpoRowSchema,
  TrlKtoRowSchema,
  trlDpoRow,
  trlKtoRows,
  VerlRowSchema,
  verlRow,
} from "./export-formats.ts";
export {
  DEFAULT_EXPOSURE_RULE,
  type Examination,
  type ExposureRule,
  examinedCandidates,
  expectedReadMs,
} from "./exposure.ts";
export {
  type FieldDashboard,
  type FieldDashboardOptions,
  type FieldRow,
  fieldDashboard,
  fieldDashboardHtml,
} from "./field-metrics.ts";
export {
  detectFormat,
  type FileIngestOptions,
  type FileIngestReport,
  ingestFile,
  type LogFormat,
} from "./file-ingest.ts";
export {
  actionTarget,
  applyFilters,
  buildFilters,
  type EventFilter,
  type FilterConfig,
  FilterConfigSchema,
  type FilterDrop,
  type FilterReport,
} from "./filters.ts";
export {
  deriveLabels,
  type Label,
  type LabelConfig,
  LabelConfigSchema,
  type LabelSource,
  type LabelStats,
  weighSessions,
} from "./labels.ts";
export { type LogMapping, LogMappingSchema, mapLogRow, parseJsonlLog } from "./log-mapping.ts";
export type { LineIssue, ParsedLog } from "./parsed-log.ts";
export { type PipelineOptions, type PipelineResult, runPipeline } from "./pipeline.ts";
export {
  type ChoiceObservation,
  choiceObservations,
  estimatePositionBias,
  type PositionBias,
  positionBiasEm,
  positionBiasFromRandomized,
} from "./position-bias.ts";
export {
  buildRecords,
  type PreferenceRecord,
  type PromptMessage,
  type RecordSkips,
  type SplitOptions,
  splitOf,
} from "./preference-record.ts";
export {
  REPLY_FLAWS,
  type ReplyFlaw,
  type ReplyToCheck,
  readServedReplies,
  replyFlaws,
  type ServedReply,
  type ServedReplyQuery,
} from "./served-quality.ts";
export { parseSillyTavernChat, ST_CONFIDENCE } from "./sillytavern-import.ts";
export {
  type Actor,
  DEFAULT_SIMULATION,
  type SimulatedBatch,
  type Simulation,
  type SimulationOptions,
  type SimulationTruth,
  simulate,
} from "./simulate.ts";
export { ABUSE_FILTERS, type SimulationReport, scoreSimulation } from "./simulation-report.ts";
export { parseStDate, type StDate } from "./st-dates.ts";
export {
  type FeedbackText,
  memoryTextSource,
  putTexts,
  readChatTexts,
  storeTextSource,
  type TextSource,
} from "./text-store.ts";
export { verlParquet } from "./verl-parquet.ts";
export {
  DEFAULT_WEIGHT_OPTIONS,
  effectiveSampleSize,
  type Stratum,
  stratify,
  type WeightedLabel,
  type WeightOptions,
  weighLabels,
} from "./weights.ts";
