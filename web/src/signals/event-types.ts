// The event schema v1 of src/feedback, as types only (the schema's zod code never reaches the bundle).
import type { FeedbackEvent, FeedbackEventType } from "../../../src/feedback/event-schema.ts";

export type { FeedbackEvent, FeedbackEventType };

/** The payload of one event type. */
export type PayloadOf<T extends FeedbackEventType> = Extract<FeedbackEvent, { type: T }>["payload"];

/** What an event is about: the chat, message and candidate (never the message's text). */
export interface EventContext {
  chat_id?: string | null;
  character_id?: string;
  message_id?: string;
  parent_message_id?: string;
  candidate_id?: string;
  candidate_ids?: string[];
  positions?: number[];
}

/** A batch as POST /api/events takes it. */
export interface EventBatch {
  sent_at_client: number;
  events: FeedbackEvent[];
}
