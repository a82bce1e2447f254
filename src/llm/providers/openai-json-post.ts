import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import type { AttemptDeadline } from "../attempt-deadline.ts";
import { http1Post, http1Target } from "../http1-post.ts";

/**
 * One non-streaming /chat/completions call, posted straight over the HTTP transport the `openai` client is given,
 * with the URL and headers the client would send. Per call, the client's request pipeline validates a dozen headers
 * through WHATWG Headers twice, copies the request for a debug log that is off, and starts an AbortController and a
 * timer of its own: about 0.12 ms of CPU, the largest single cost of a bench turn on the one JavaScript thread
 * (perf/bench-run.perf.ts measured 0.60 against 0.48 ms per call, and the efficiency with it). A JSON answer needs
 * none of it. Failures stay the client's: an HTTP error becomes the client's own `APIError` (through
 * `APIError.generate`, exactly as the client builds it), so one mapping (openai-error.ts) serves both paths.
 * Streams keep using the client, which parses server-sent events.
 *
 * With no `fetchImpl` of the caller's, the bytes go over troupe's own keep-alive HTTP/1.1 connections
 * (http1-post.ts says why); a given `fetchImpl` (a test double, a proxy-aware fetch) is used as it is.
 */
export function createJsonPost(client: OpenAI, fetchImpl: typeof fetch | undefined) {
  const url = client.buildURL("/chat/completions", undefined);
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/json",
    "user-agent": "troupe",
    authorization: `Bearer ${client.apiKey}`,
  };
  if (client.organization) headers["openai-organization"] = client.organization;
  if (client.project) headers["openai-project"] = client.project;

  const target = fetchImpl ? undefined : http1Target(url, headers);

  return async function post(body: object, deadline: AttemptDeadline): Promise<ChatCompletion> {
    // Bytes, not a string: the call holds its body until the answer arrives, and bytes live off the heap.
    const bytes = Buffer.from(JSON.stringify(body));
    const response = target
      ? // The reading half of Response, which is all that is read below (as with nodeHttpFetch's answers).
        ((await http1Post(target, bytes, deadline)) as unknown as Response)
      : await (fetchImpl as typeof fetch)(url, { method: "POST", headers, body: bytes, signal: deadline.signal });
    if (!response.ok) {
      const text = await response.text().catch((error: unknown) => String((error as Error)?.message ?? error));
      const json = parseJson(text);
      throw OpenAI.APIError.generate(response.status, json, json === undefined ? text : undefined, response.headers);
    }
    return (await response.json()) as ChatCompletion;
  };
}

function parseJson(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}
