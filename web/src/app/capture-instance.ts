import { currentCsrfToken } from "../api/client.ts";
import { browserClock, type Clock, httpTransport, SignalCapture } from "../signals/index.ts";

let capture: SignalCapture | undefined;

/** Start capturing for a signed-in user (one queue per user in this browser). */
export function startCapture(userId: string, role: "admin" | "user"): SignalCapture {
  capture = new SignalCapture({
    transport: httpTransport("/api/events", currentCsrfToken),
    storage: localStorage,
    queueKey: `troupe.events.v1.${userId}`,
    // End-to-end tests inject a clock they move by hand (the one-second and idle rules without waiting).
    clock: (window as { __troupeClock?: Clock }).__troupeClock ?? browserClock,
  });
  capture.start(role);
  return capture;
}

/** The running capture (undefined before sign-in). */
export function getCapture(): SignalCapture | undefined {
  return capture;
}

/** End the session's capture (sign-out). */
export async function stopCapture(): Promise<void> {
  const running = capture;
  capture = undefined;
  await running?.end("logout");
}
