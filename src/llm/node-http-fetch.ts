import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { BufferedResponse } from "./buffered-response.ts";

// One keep-alive agent per protocol, shared by every provider instance: connections to an endpoint are reused across
// calls and models instead of paying a TCP (and TLS) handshake per call.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
};

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers as Array<[string, string]>);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

function responseHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

/**
 * A `fetch` for the provider clients built on node:http with keep-alive agents. Node's built-in fetch (undici)
 * spends about a millisecond of CPU per call on WHATWG Request/Headers/stream machinery; at a bench's thousand
 * calls a second that alone saturates the one event-loop thread. JSON answers are read whole and handed over as a
 * `BufferedResponse` (the reading half of Response, without its stream machinery); event streams (SSE) stay real
 * streaming Responses. Anything this does not handle (non-HTTP URLs, streamed or form request bodies) goes to the
 * global fetch unchanged.
 */
export const nodeHttpFetch: typeof fetch = async (input, init) => {
  const href = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const url = new URL(href);
  const agent = agents[url.protocol as keyof typeof agents];
  const body = init?.body;
  const plainBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if (!agent || !plainBody || (typeof input === "object" && !(input instanceof URL))) return fetch(input, init);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: init?.method ?? "GET",
        headers: headerRecord(init?.headers),
        agent,
        ...(init?.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 500;
        const statusText = res.statusMessage ?? "";
        if (/^text\/event-stream/i.test(res.headers["content-type"] ?? "") && !NULL_BODY_STATUS.has(status)) {
          const init = { status, statusText, headers: responseHeaders(res.rawHeaders) };
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, init));
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        // Callers type this as a Response; they read only what BufferedResponse provides (tested with both clients).
        res.once("end", () =>
          resolve(
            new BufferedResponse(Buffer.concat(chunks), status, statusText, res.headers, href) as unknown as Response,
          ),
        );
        res.once("error", reject);
        res.once("aborted", () =>
          reject(Object.assign(new Error("terminated: other side closed"), { code: "ECONNRESET" })),
        );
      },
    );
    request.once("error", reject);
    // A string body is handed over as bytes: node would otherwise prepend its header block to the string (copying
    // the whole body on the JavaScript heap, twice once flattened for the socket) to send both in one packet; a
    // buffer goes out beside the header in the same corked write with no copy on the heap.
    request.end(typeof body === "string" ? Buffer.from(body) : (body as Uint8Array | undefined));
  });
};
