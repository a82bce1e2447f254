import type { StoredFeedbackEvent } from "../../src/feedback/index.ts";

let counter = 0;

/** A stored event for pure-function tests: defaults for everything the server would have set. */
export function stored(
  type: StoredFeedbackEvent["type"],
  payload: Record<string, unknown>,
  fields: Partial<Record<string, unknown>> = {},
): StoredFeedbackEvent {
  counter++;
  const ts = (fields.ts as number | undefined) ?? 1_700_000_000_000 + counter * 1000;
  return {
    event_id: `e${counter}`,
    type,
    created_at_client: ts,
    owner_id: "o",
    user_id: "u1",
    received_at: ts,
    ts,
    skew_ms: 0,
    time_flags: [],
    chat_id: "chat",
    payload,
    ...fields,
  } as StoredFeedbackEvent;
}
