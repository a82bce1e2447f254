import type { EventBatch } from "./event-types.ts";

/** What became of a batch: stored, worth retrying later, refused for good, or waiting for a sign-in. */
export type SendOutcome = { kind: "ok"; rejected: number[] } | { kind: "retry" } | { kind: "drop" } | { kind: "auth" };

/** How batches reach the server. */
export interface Transport {
  send(batch: EventBatch): Promise<SendOutcome>;
  /** Hand a serialized batch to the browser to deliver after the page is gone; false when it refused. */
  beacon(body: string): boolean;
}

/** POST /api/events with the CSRF header; sendBeacon (text/plain, no headers: the route is CSRF-exempt). */
export function httpTransport(url: string, csrfToken: () => string | null): Transport {
  return {
    async send(batch) {
      let response: Response;
      try {
        const headers: Record<string, string> = { "content-type": "application/json" };
        const token = csrfToken();
        if (token) headers["x-csrf-token"] = token;
        response = await fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify(batch),
          credentials: "same-origin",
        });
      } catch {
        return { kind: "retry" };
      }
      if (response.ok) {
        const body = (await response.json().catch(() => ({}))) as { rejected?: Array<{ index: number }> };
        return { kind: "ok", rejected: (body.rejected ?? []).map((r) => r.index) };
      }
      if (response.status === 401 || response.status === 403) return { kind: "auth" };
      if (response.status === 408 || response.status === 429 || response.status >= 500) return { kind: "retry" };
      return { kind: "drop" };
    },
    beacon(body) {
      return typeof navigator.sendBeacon === "function" && navigator.sendBeacon(url, body);
    },
  };
}
