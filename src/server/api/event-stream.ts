import type { FastifyReply, FastifyRequest } from "fastify";
import { classifyFailure } from "../request-failure.ts";
import { openSse } from "../sse.ts";

/** How a generation's events become an SSE response. */
export interface EventStreamOptions<E extends { type: string }> {
  /** Events up to and including the first one this accepts are read before any header is written. */
  opensStream(event: E): boolean;
  /** The HTTP-shaped error of a failure (domain errors become 404/400/409…). */
  toHttpError(error: unknown): unknown;
  pingMs?: number | undefined;
  /** The SSE writer (src/server/sse.ts unless a test gives its own). */
  openSse?: typeof openSse | undefined;
}

/**
 * Stream a generation's events as SSE, each event's `type` as the SSE event name and the rest as its JSON. Events
 * are read until the first one that opens the stream before any header is written, so a failure before it still
 * gets its status code (the error is thrown); a later failure is sent in-stream as an `error` event. Returns when
 * the events end or the client leaves.
 */
export async function streamEvents<E extends { type: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncGenerator<E>,
  options: EventStreamOptions<E>,
): Promise<void> {
  const buffered: E[] = [];
  let finished = false;
  for (;;) {
    const next = await events.next();
    if (next.done) {
      finished = true;
      break;
    }
    buffered.push(next.value);
    if (options.opensStream(next.value)) break;
  }
  const sse = (options.openSse ?? openSse)(
    request,
    reply,
    options.pingMs === undefined ? {} : { pingMs: options.pingMs },
  );
  const send = (event: E) => {
    const { type, ...data } = event;
    return sse.send(JSON.stringify(data), type);
  };
  try {
    for (const event of buffered) if (!(await send(event))) return;
    while (!finished) {
      const next = await events.next();
      if (next.done) break;
      if (!(await send(next.value))) return;
    }
  } catch (error) {
    if (sse.signal.aborted) return;
    const failure = classifyFailure(options.toHttpError(error), request);
    if (failure.log === "error") request.log.error({ err: error, code: failure.code }, "generation failed");
    else if (failure.log === "warn") request.log.warn({ err: error, code: failure.code }, "upstream failed");
    await sse.send(JSON.stringify({ error: { code: failure.code, message: failure.message } }), "error");
  } finally {
    sse.end();
  }
}

/**
 * Answer a generation: as SSE (`streamEvents`) or, when not streaming, as one JSON body `collect` builds once every
 * event is in. Failures leave as the route's HTTP errors; the events are released however it ends (their generator's
 * `finally` keeps partial replies).
 */
export async function answerEvents<E extends { type: string }, B>(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncGenerator<E>,
  options: EventStreamOptions<E> & { stream: boolean; collect(events: AsyncGenerator<E>): Promise<B> },
): Promise<B | undefined> {
  try {
    if (!options.stream) return await options.collect(events);
    await streamEvents(request, reply, events, options);
    return undefined;
  } catch (error) {
    throw options.toHttpError(error);
  } finally {
    await events.return(undefined).catch(() => {});
  }
}
