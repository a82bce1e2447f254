import type { FastifyReply, FastifyRequest } from "fastify";
import type { MessageView, ReplyEvent } from "../../chat/index.ts";
import { classifyFailure } from "../request-failure.ts";
import { clientGoneSignal, openSse } from "../sse.ts";
import { chatHttpError } from "./chat-http-error.ts";

/** How a generation is answered. */
export interface ReplyAnswerOptions {
  /** Server-Sent Events (default) or one JSON body. */
  stream: boolean;
  pingMs?: number | undefined;
  /** The SSE writer (src/server/sse.ts unless a test gives its own). */
  openSse?: typeof openSse | undefined;
}

/** A generation as one JSON body (`?stream=false`). */
export interface GenerationBody {
  message: MessageView | null;
  replies: Array<{ message: MessageView; candidateId: string | null; error?: { code: string; message: string } }>;
}

/** The JSON of one SSE event: `message`, `start`, `delta` and `done` carry their payload without the type. */
function eventData(event: ReplyEvent): unknown {
  const { type: _type, ...rest } = event;
  return rest;
}

/**
 * Answer a generation. Streaming: events are read until the first delta (or done) before any header is written,
 * so a failure before the first token still gets its status code; then `message`, `start`, `delta`, `done`
 * events follow as SSE, and a later failure is sent in-stream as an `error` event. A client that leaves aborts
 * the generation (its partial reply is kept as incomplete). Not streaming: one JSON body once every reply ended.
 */
export async function answerGeneration(
  request: FastifyRequest,
  reply: FastifyReply,
  start: (signal: AbortSignal) => AsyncGenerator<ReplyEvent>,
  options: ReplyAnswerOptions,
): Promise<GenerationBody | undefined> {
  const signal = clientGoneSignal(reply.raw);
  const events = start(signal);
  try {
    if (!options.stream) return await collectGeneration(events);
    await streamGeneration(request, reply, events, options);
    return undefined;
  } catch (error) {
    throw chatHttpError(error);
  } finally {
    // Release the generator whether it finished, failed or the client left: its finally saves partial replies.
    await events.return(undefined).catch(() => {});
  }
}

async function collectGeneration(events: AsyncGenerator<ReplyEvent>): Promise<GenerationBody> {
  const body: GenerationBody = { message: null, replies: [] };
  for await (const event of events) {
    if (event.type === "message") body.message = event.message;
    else if (event.type === "done")
      body.replies.push({
        message: event.message,
        candidateId: event.candidateId,
        ...(event.error ? { error: event.error } : {}),
      });
  }
  return body;
}

async function streamGeneration(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncGenerator<ReplyEvent>,
  options: ReplyAnswerOptions,
): Promise<void> {
  const buffered: ReplyEvent[] = [];
  let finished = false;
  for (;;) {
    const next = await events.next();
    if (next.done) {
      finished = true;
      break;
    }
    buffered.push(next.value);
    if (next.value.type === "delta" || next.value.type === "done") break;
  }
  const sse = (options.openSse ?? openSse)(
    request,
    reply,
    options.pingMs === undefined ? {} : { pingMs: options.pingMs },
  );
  const send = (event: ReplyEvent) => sse.send(JSON.stringify(eventData(event)), event.type);
  try {
    for (const event of buffered) if (!(await send(event))) return;
    while (!finished) {
      const next = await events.next();
      if (next.done) break;
      if (!(await send(next.value))) return;
    }
  } catch (error) {
    if (sse.signal.aborted) return;
    const failure = classifyFailure(chatHttpError(error), request);
    if (failure.log === "error") request.log.error({ err: error, code: failure.code }, "generation failed");
    else if (failure.log === "warn") request.log.warn({ err: error, code: failure.code }, "upstream failed");
    await sse.send(JSON.stringify({ error: { code: failure.code, message: failure.message } }), "error");
  } finally {
    sse.end();
  }
}
