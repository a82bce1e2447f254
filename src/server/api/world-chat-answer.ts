import type { FastifyReply, FastifyRequest } from "fastify";
import {
  chatMessageView,
  type MessageView,
  type WorldChatDeps,
  type WorldChatEvent,
  type WorldReply,
  type WorldSendResult,
} from "../../chat/index.ts";
import type { Violation } from "../../world/index.ts";
import { HttpError } from "../http-error.ts";
import { clientGoneSignal, type openSse } from "../sse.ts";
import { chatHttpError } from "./chat-http-error.ts";
import { answerEvents } from "./event-stream.ts";
import { worldHttpError } from "./world-http-error.ts";

/** A world chat operation that may generate one reply, reporting its events as it goes. */
export type WorldRun = (
  onEvent: (event: WorldChatEvent) => void,
  signal: AbortSignal,
) => Promise<{ outcome: WorldSendResult | WorldReply | { status: "cancelled" } }>;

/** A violation as the client sees it. */
export interface ViolationView {
  code: string;
  message: string;
  options: string[];
  retcon?: string;
}

/**
 * What a world chat's reply stream emits: the names of plain chats where they mean the same (`message`, `start`,
 * `delta`, `done`), `held` for a reply that broke a rule (stored incomplete until decided), `no_reply` when nobody
 * answers.
 */
export type WorldStreamEvent =
  | { type: "message"; message: MessageView }
  | {
      type: "start";
      replies: Array<{
        messageId: string;
        candidateId: string;
        displayedPosition: number;
        siblingPosition: number;
        speaker: string;
        /** Why this character answers (the director's reason). */
        reason?: string;
      }>;
    }
  | { type: "delta"; messageId: string; text: string }
  | { type: "done"; message: MessageView; candidateId: string | null; nodeId: string; reason?: string }
  | {
      type: "held";
      message: MessageView;
      candidateId: string | null;
      pendingId: string;
      violations: ViolationView[];
      reason?: string;
    }
  | { type: "no_reply"; reason: string };

/** The JSON answer (`?stream=false`): the shape of a plain chat's generation, with the world's additions. */
export interface WorldGenerationBody {
  message: MessageView | null;
  replies: Array<{
    message: MessageView;
    candidateId: string | null;
    reason?: string;
    held?: { pendingId: string; violations: ViolationView[] };
  }>;
  noReply?: string;
}

/** A world or chat refusal as an HTTP error; anything else unchanged. */
export function worldChatHttpError(error: unknown): unknown {
  return worldHttpError(chatHttpError(error));
}

export function violationView(v: Violation): ViolationView {
  return { code: v.code, message: v.message, options: v.options, ...(v.retcon ? { retcon: v.retcon } : {}) };
}

/** The refusal of a user line that breaks a structural rule of the world (nothing was stored). */
function refused(violations: Violation[]): HttpError {
  return new HttpError(
    409,
    "world.line_refused",
    `The world refuses this line: ${violations.map((v) => v.message).join("; ")}. Rephrase it.`,
  );
}

/**
 * The events of a world run, with message views where a plain chat's events carry them. The run goes on in the
 * background; its events are yielded as they come, and its failure is thrown after them.
 */
async function* worldEvents(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  run: WorldRun,
  signal: AbortSignal,
): AsyncGenerator<WorldStreamEvent> {
  const queue: WorldChatEvent[] = [];
  let wake: (() => void) | undefined;
  let settled: { ok: true; outcome: Awaited<ReturnType<WorldRun>>["outcome"] } | { ok: false; error: unknown };
  let reason: string | undefined;
  const running = run((event) => {
    queue.push(event);
    wake?.();
  }, signal).then(
    (r) => {
      settled = { ok: true, outcome: r.outcome };
      wake?.();
    },
    (error: unknown) => {
      settled = { ok: false, error };
      wake?.();
    },
  );
  const view = (id: string) => chatMessageView(deps, ownerId, chatId, id);
  try {
    for (;;) {
      const event = queue.shift();
      if (!event) {
        if (settled!) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if (event.type === "user") yield { type: "message", message: await view(event.messageId) };
      else if (event.type === "start") {
        reason = event.reason;
        yield {
          type: "start",
          replies: [
            {
              messageId: event.messageId,
              candidateId: event.candidateId,
              displayedPosition: event.position,
              siblingPosition: event.position,
              speaker: event.speaker,
              ...(event.reason === undefined ? {} : { reason: event.reason }),
            },
          ],
        };
      } else if (event.type === "delta") yield { type: "delta", messageId: event.messageId, text: event.text };
      else if (event.type === "done")
        yield {
          type: "done",
          message: await view(event.messageId),
          candidateId: event.candidateId,
          nodeId: event.nodeId,
          ...(reason === undefined ? {} : { reason }),
        };
      else
        yield {
          type: "held",
          message: await view(event.messageId),
          candidateId: event.candidateId,
          pendingId: event.pendingId,
          violations: event.violations.map(violationView),
          ...(reason === undefined ? {} : { reason }),
        };
    }
    const end = settled!;
    if (!end.ok) throw end.error;
    const outcome = end.outcome;
    if (outcome.status === "refused") throw refused(outcome.violations);
    const reply = "reply" in outcome ? outcome.reply : outcome;
    if (reply.status === "no_speaker") yield { type: "no_reply", reason: reply.reason };
  } finally {
    // The consumer left early (client gone): the run was aborted by the same signal; let it store what it has.
    await running;
  }
}

/**
 * Answer a world chat generation like a plain chat's: streamed, events are read until the first delta (or the
 * end of the reply) before any header is written, so a refusal or an upstream failure before the first token
 * still gets its status; later failures go in-stream as `error`. A client that leaves aborts the run (its reply
 * row stays incomplete). With `stream: false`, one JSON body once the reply ended.
 */
export async function answerWorldGeneration(
  request: FastifyRequest,
  reply: FastifyReply,
  target: { deps: WorldChatDeps; ownerId: string; chatId: string },
  run: WorldRun,
  options: { stream: boolean; pingMs?: number | undefined; openSse?: typeof openSse | undefined },
  tap?: (event: WorldStreamEvent) => void,
): Promise<WorldGenerationBody | undefined> {
  const signal = clientGoneSignal(reply.raw);
  const events = tapped(worldEvents(target.deps, target.ownerId, target.chatId, run, signal), tap);
  return answerEvents(request, reply, events, {
    stream: options.stream,
    collect,
    // The user's line and the reply's start come before the first token; anything else opens the stream.
    opensStream: (event) => event.type !== "message" && event.type !== "start",
    toHttpError: worldChatHttpError,
    pingMs: options.pingMs,
    openSse: options.openSse,
  });
}

/** The events, each also shown to `tap` (a tap's failure never stops the reply). */
async function* tapped(
  events: AsyncGenerator<WorldStreamEvent>,
  tap?: (event: WorldStreamEvent) => void,
): AsyncGenerator<WorldStreamEvent> {
  if (!tap) return yield* events;
  try {
    for await (const event of events) {
      try {
        tap(event);
      } catch {
        // A follower's channel failing is no reason to fail the reply.
      }
      yield event;
    }
  } finally {
    await events.return(undefined);
  }
}

async function collect(events: AsyncGenerator<WorldStreamEvent>): Promise<WorldGenerationBody> {
  const body: WorldGenerationBody = { message: null, replies: [] };
  for await (const event of events) {
    if (event.type === "message") body.message = event.message;
    else if (event.type === "done")
      body.replies.push({
        message: event.message,
        candidateId: event.candidateId,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
      });
    else if (event.type === "held")
      body.replies.push({
        message: event.message,
        candidateId: event.candidateId,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        held: { pendingId: event.pendingId, violations: event.violations },
      });
    else if (event.type === "no_reply") body.noReply = event.reason;
  }
  return body;
}
