// Signal capture: the typed feedback events (schema v1) the web app emits, and how they reach the server.
export { BEACON_MAX_BYTES, type CaptureOptions, SignalCapture } from "./capture.ts";
export { browserClock, type Clock } from "./clock.ts";
export { editDistance, wordCount } from "./edit-distance.ts";
export { newEventId } from "./event-id.ts";
export type { EventContext, FeedbackEvent, FeedbackEventType, PayloadOf } from "./event-types.ts";
export { httpTransport, type SendOutcome, type Transport } from "./transport.ts";
export { EXPOSURE_MS, IDLE_MS, type TrackedMessage, ViewTracker } from "./view-tracker.ts";
