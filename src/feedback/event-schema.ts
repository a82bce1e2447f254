import * as z from "zod";

/**
 * The feedback event schema, version 1: what the web app's capture, `POST /api/events`, log importers and the
 * simulator all produce. Wire names are snake_case because browsers and other apps write them. Times are
 * milliseconds since the Unix epoch on the *client's* clock; the server adds `received_at` and a derived time
 * (see clock-skew.ts). Events never carry message text: the server (or an importer's text table) has it.
 * Documented field by field in docs/events.md; a change that breaks a v1 reader needs `schema_version: 2`.
 */
export const FEEDBACK_SCHEMA_VERSION = 1;

/** Every event type, in the order docs/events.md describes them. */
export const FEEDBACK_EVENT_TYPES = [
  "exposure",
  "dwell",
  "swipe",
  "regenerate",
  "edit",
  "copy",
  "continue",
  "rate",
  "reply",
  "leave",
  "session_start",
  "session_end",
] as const;

export type FeedbackEventType = (typeof FEEDBACK_EVENT_TYPES)[number];

/** Client-minted ids (UUIDs from crypto.randomUUID in the browser; deterministic hashes from importers). */
const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@/-]+$/, "ids may hold letters, digits and . _ : @ / - only");

/** Epoch milliseconds (client clock). */
const EpochMs = z.number().int().nonnegative().max(8_640_000_000_000_000);
const Ms = z.number().nonnegative().max(1e10);
const Fraction = z.number().min(0).max(1);
const Count = z.number().int().nonnegative().max(1e9);

/** Fields every event carries, whatever its type. */
const EventBase = z.object({
  /** Schema version; absent means 1. */
  schema_version: z.literal(FEEDBACK_SCHEMA_VERSION).optional(),
  /** Minted once by the client and reused on every retry: the idempotency key. */
  event_id: Id,
  /** When the action happened, client clock. */
  created_at_client: EpochMs,
  /** When the batch holding it left the client (client clock); lets the server cancel a constant clock offset. */
  sent_at_client: EpochMs.optional(),
  /** performance.now() at the action: orders events of one page load even when the wall clock jumps. */
  mono_ms: Ms.optional(),
  /** A pseudonymous user id. Only importers may set it; live events take the authenticated owner. */
  user: Id.optional(),
  /** One visit of the app (from session_start to session_end or leave). */
  session_id: Id.optional(),
  /** The chat (conversation); null for stateless /v1 traffic. */
  chat_id: Id.nullable().optional(),
  character_id: Id.optional(),
  /** The message the action concerns (for an assistant reply: the shown candidate's message). */
  message_id: Id.optional(),
  /** The message the candidates answer (the user turn before them). */
  parent_message_id: Id.optional(),
  /** The one candidate the action concerns, when there is one (the candidate log's id). */
  candidate_id: Id.optional(),
  /** The candidate group shown at this point (siblings under one parent), in candidate-log ids. */
  candidate_ids: z.array(Id).max(64).optional(),
  /** Displayed positions (0 = shown first) of `candidate_ids`, index for index. */
  positions: z.array(z.number().int().nonnegative().max(1000)).max(64).optional(),
  /** P(this candidate was produced by the serving policy) for `candidate_id`, from the candidate log. */
  propensity: z.number().gt(0).max(1).optional(),
  /** P(the displayed order) when the order of `candidate_ids` was randomized; 1 when it was fixed. */
  order_propensity: z.number().gt(0).max(1).optional(),
  /** Serving policy (model version + sampling + prompt) that produced `candidate_id`. */
  policy_id: Id.optional(),
  /** How sure the source is of this event: 1 for live capture, lower for reconstructions (imports). */
  confidence: Fraction.optional(),
  /** Where the event came from ("web", "api", "import:sillytavern", "import:jsonl", "simulate"). */
  source: z.string().min(1).max(64).optional(),
});

/** The reply became viewable (≥ 50% visible in a visible, focused tab for ≥ 1 s); sent once per reply view. */
const ExposurePayload = z.object({
  /** Continuous visible time when the event was cut (≥ 1000 to count as viewable). */
  visible_ms: Ms,
  max_visible_fraction: Fraction,
  /** Words in the reply (client count), for expected reading time. */
  words: Count.optional(),
  /** Whether the reply was still streaming when it became viewable. */
  while_streaming: z.boolean().optional(),
});

/** Time spent on a reply. `visible_ms` counts only visible, focused, non-idle time; `wall_ms` counts everything. */
const DwellPayload = z.object({
  visible_ms: Ms,
  wall_ms: Ms,
  /** Part of `visible_ms` spent watching the stream. */
  stream_ms: Ms.optional(),
  /** Part of `visible_ms` after the stream finished. */
  read_ms: Ms.optional(),
  words: Count.optional(),
  max_visible_fraction: Fraction.optional(),
});

/** The user moved between sibling candidates (or generated a new one by swiping past the last). */
const SwipePayload = z.object({
  from_candidate_id: Id.optional(),
  to_candidate_id: Id.optional(),
  from_position: z.number().int().nonnegative().max(1000).optional(),
  to_position: z.number().int().nonnegative().max(1000),
  direction: z.enum(["left", "right"]).optional(),
  /** True when the swipe asked for a new generation rather than showing a stored one. */
  generated: z.boolean().optional(),
  /** Visible time on the candidate being left (ms), so an unexamined sibling is not counted a loser. */
  from_visible_ms: Ms.optional(),
});

/** The user asked for a new reply in place of `candidate_id` (which stays as a sibling in troupe). */
const RegeneratePayload = z.object({
  replaced_candidate_id: Id.optional(),
  /** Time the replaced reply was visible before the request. */
  visible_ms: Ms.optional(),
  /** True when the regenerate came before the stream finished (impatience, not a verdict). */
  during_stream: z.boolean().optional(),
});

/** The user edited an assistant reply; the original is kept and `message_id` is the edited copy. */
const EditPayload = z.object({
  original_candidate_id: Id.optional(),
  original_chars: Count,
  edited_chars: Count,
  /** Character-level Levenshtein distance between original and edited text. */
  edit_distance: Count,
});

/** The user copied (part of) a reply. */
const CopyPayload = z.object({
  chars: Count.optional(),
});

/** The user asked the model to continue (extend) the reply in place, i.e. wanted more of it. */
const ContinuePayload = z.object({
  added_chars: Count.optional(),
});

/** An explicit rating: thumbs (-1 or 1) or stars (1..scale). */
const RatePayload = z
  .object({
    scale: z.enum(["thumbs", "stars4", "stars5"]),
    value: z.number().int().min(-1).max(5),
  })
  .refine(
    (p) =>
      p.scale === "thumbs" ? p.value === 1 || p.value === -1 : p.value >= 1 && p.value <= Number(p.scale.slice(5)),
    {
      message: "thumbs take -1 or 1; stars take 1..4 or 1..5",
      path: ["value"],
    },
  );

/** The user sent a message after the reply: the reply shown then (`chosen_candidate_id`) was the one kept. */
const ReplyPayload = z.object({
  chosen_candidate_id: Id.optional(),
  chars: Count.optional(),
  words: Count.optional(),
  /** From the reply being shown (stream end) to the user's message. */
  latency_ms: Ms.optional(),
  /** From the reply being shown to the first keystroke of the user's message (reading time, before writing). */
  first_key_ms: Ms.optional(),
});

/** The user left the chat after this reply: tab hidden and not back within the idle window, or closed. */
const LeavePayload = z.object({
  reason: z.enum(["hidden", "closed", "idle", "navigated"]).optional(),
  /** Idle time before the leave was decided. */
  idle_ms: Ms.optional(),
  /** The app went to the background before the reply finished streaming: not a verdict on the reply. */
  before_stream_end: z.boolean().optional(),
});

const SessionStartPayload = z.object({
  client: z.string().max(64).optional(),
  user_agent: z.string().max(512).optional(),
  /** Declared account kind, for the test/admin filter. */
  account: z.enum(["user", "test", "admin", "bot"]).optional(),
});

const SessionEndPayload = z.object({
  duration_ms: Ms.optional(),
  /** Visible, focused time in the session. */
  active_ms: Ms.optional(),
  reason: z.enum(["closed", "idle", "logout", "timeout"]).optional(),
});

function eventOf<T extends FeedbackEventType, P extends z.ZodType>(type: T, payload: P) {
  return EventBase.extend({ type: z.literal(type), payload });
}

/** One feedback event as a client sends it (v1). Unknown top-level keys are dropped. */
export const FeedbackEventSchema = z.discriminatedUnion("type", [
  eventOf("exposure", ExposurePayload),
  eventOf("dwell", DwellPayload),
  eventOf("swipe", SwipePayload),
  eventOf("regenerate", RegeneratePayload),
  eventOf("edit", EditPayload),
  eventOf("copy", CopyPayload),
  eventOf("continue", ContinuePayload),
  eventOf("rate", RatePayload),
  eventOf("reply", ReplyPayload),
  eventOf("leave", LeavePayload),
  eventOf("session_start", SessionStartPayload),
  eventOf("session_end", SessionEndPayload),
]);

export type FeedbackEvent = z.infer<typeof FeedbackEventSchema>;
/** The event of one type. */
export type FeedbackEventOf<T extends FeedbackEventType> = Extract<FeedbackEvent, { type: T }>;

/**
 * The body of `POST /api/events`. Events are validated one by one inside ingestEvents, so one bad event is
 * rejected with its index while the rest are stored; hence `unknown` here.
 */
export const FeedbackBatchSchema = z.object({
  /** When the batch left the client (client clock); applies to events without their own `sent_at_client`. */
  sent_at_client: EpochMs.optional(),
  events: z.array(z.unknown()).min(1).max(500),
});

export type FeedbackBatch = z.infer<typeof FeedbackBatchSchema>;

/** Why a stored event's derived time is suspect. */
export type TimeFlag = "ts_future" | "ts_old" | "ts_inconsistent" | "ts_uncorrected";

/** An event as stored: the client's event plus what the server decided. */
export type StoredFeedbackEvent = FeedbackEvent & {
  /** The account that sent (or imported) it. */
  owner_id: string;
  /** The user the event is about: `user` for imports, else the owner. */
  user_id: string;
  /** Server clock at ingest. */
  received_at: number;
  /** Best estimate of when it happened, on the server's clock. */
  ts: number;
  /** received_at − sent_at_client: client clock offset plus transit, when known. */
  skew_ms: number | null;
  time_flags: TimeFlag[];
};

/** Validate one raw event; returns the parsed event or a one-line message naming the bad field. */
export function parseFeedbackEvent(raw: unknown): { ok: true; event: FeedbackEvent } | { ok: false; message: string } {
  const result = FeedbackEventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : "event";
  return { ok: false, message: `${path}: ${issue?.message ?? "invalid"}` };
}
