import type { FastifyReply, FastifyRequest } from "fastify";
import type { MessageView, ReplyEvent } from "../../chat/index.ts";
import { clientGoneSignal, type openSse } from "../sse.ts";
import { chatHttpError } from "./chat-http-error.ts";
import { answerEvents } from "./event-stream.ts";

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
  // A client that leaves aborts the generation; its generator keeps the partial reply as incomplete.
  return answerEvents(request, reply, start(clientGoneSignal(reply.raw)), {
    stream: options.stream,
    collect: collectGeneration,
    opensStream: (event) => event.type === "delta" || event.type === "done",
    toHttpError: chatHttpError,
    pingMs: options.pingMs,
    openSse: options.openSse,
  });
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
