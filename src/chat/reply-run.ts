import type { Kysely } from "kysely";
import type { ChatMessage, ChatResult } from "../llm/index.ts";
import type { ChatTables, MessageRow } from "./chat-tables.ts";
import type { MessageView } from "./chat-views.ts";
import { type ReplyPolicy, replyRequest } from "./reply-policy.ts";

/** What a reply stream emits, in order: the stored user message (on send), the start, deltas, one done per reply. */
export type ReplyEvent =
  | { type: "message"; message: MessageView }
  | {
      type: "start";
      replies: Array<{ messageId: string; candidateId: string; displayedPosition: number; siblingPosition: number }>;
    }
  | { type: "delta"; messageId: string; text: string }
  | {
      type: "done";
      message: MessageView;
      candidateId: string | null;
      /** Set when this reply failed while others of its batch went on (a failure of every reply is thrown). */
      error?: { code: string; message: string };
    };

/** One reply being generated into an existing `streaming` row. */
export interface ReplyTarget {
  messageId: string;
  candidateId: string;
  generationIndex: number;
  /** Text the reply continues (a continuation's original text); stored text = prefix + generated. */
  prefix: string;
  /** The view of the row as inserted; updated fields are filled in on done. */
  view: MessageView;
}

/** Everything a run needs. */
export interface ReplyRun {
  db: Kysely<ChatTables>;
  now: () => number;
  ownerId: string;
  policy: ReplyPolicy;
  messages: ChatMessage[];
  targets: ReplyTarget[];
  leaseMs: number;
  /** Partial text and the lease are saved at most this often while streaming. */
  saveEveryMs: number;
  signal?: AbortSignal | undefined;
}

type Settled = { ok: true } | { ok: false; error: unknown };

/** A code and a generic message for a failed reply: upstream messages may carry internals, so none is passed on. */
function errorInfo(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  return {
    code: typeof code === "string" && code.startsWith("llm.") ? code : "reply.failed",
    message: "This reply failed; regenerate to try again.",
  };
}

/**
 * Generate every target in parallel and yield their events merged. Each row is already `streaming`; its text
 * and lease are saved now and then, and at the end it becomes `complete` only after the model's finish — an
 * abort (the caller's signal, or the consumer leaving the loop) or a failure leaves the partial text `incomplete`.
 * When every reply failed, the first error is thrown after the rows are saved.
 */
export async function* runReplies(run: ReplyRun): AsyncGenerator<ReplyEvent> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal?.reason);
  if (run.signal?.aborted) controller.abort(run.signal.reason);
  else run.signal?.addEventListener("abort", onAbort, { once: true });

  // The lease is renewed on a timer too: a model silent for longer than the lease is slow, not dead.
  const heartbeat = setInterval(
    () => {
      run.db
        .updateTable("chat_messages")
        .set({ lease_until: run.now() + run.leaseMs })
        .where(
          "id",
          "in",
          run.targets.map((t) => t.messageId),
        )
        .where("owner_id", "=", run.ownerId)
        .where("status", "=", "streaming")
        .execute()
        .catch(() => {});
    },
    Math.max(1_000, Math.floor(run.leaseMs / 3)),
  );
  heartbeat.unref();

  const queue: ReplyEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (event: ReplyEvent) => {
    queue.push(event);
    wake?.();
  };
  const results: Settled[] = [];
  const batch = { alive: run.targets.length, succeeded: 0 };
  const tasks = run.targets.map((t) =>
    generate(run, t, controller.signal, push, batch).then(
      (settled) => {
        results.push(settled);
        wake?.();
      },
      (error: unknown) => {
        results.push({ ok: false, error });
        wake?.();
      },
    ),
  );
  try {
    while (queue.length > 0 || results.length < tasks.length) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    const failed = results.filter((r): r is { ok: false; error: unknown } => !r.ok);
    if (failed.length === results.length && failed[0]) throw failed[0].error;
  } finally {
    clearInterval(heartbeat);
    if (results.length < tasks.length) controller.abort(new Error("the reply stream was closed"));
    await Promise.allSettled(tasks);
    run.signal?.removeEventListener("abort", onAbort);
  }
}

async function generate(
  run: ReplyRun,
  target: ReplyTarget,
  signal: AbortSignal,
  push: (event: ReplyEvent) => void,
  batch: { alive: number; succeeded: number },
): Promise<Settled> {
  const { db, now, policy } = run;
  const started = now();
  let generated = "";
  let lastSave = started;
  let result: ChatResult | undefined;
  const save = async (fields: Partial<MessageRow>) => {
    await db
      .updateTable("chat_messages")
      .set({ ...fields, updated_at: now() })
      .where("id", "=", target.messageId)
      .where("owner_id", "=", run.ownerId)
      .execute();
  };
  try {
    const seed = policy.sampling.seed === undefined ? undefined : policy.sampling.seed + target.generationIndex;
    const stream = policy.model.stream(replyRequest(run.messages, policy.sampling), {
      role: "serve",
      signal,
      noCache: true,
      ...(seed === undefined ? {} : { seed }),
    });
    for await (const chunk of stream) {
      if (chunk.type === "delta") {
        if (chunk.text === "") continue;
        generated += chunk.text;
        push({ type: "delta", messageId: target.messageId, text: chunk.text });
        const t = now();
        if (t - lastSave >= run.saveEveryMs) {
          lastSave = t;
          await save({ text: target.prefix + generated, lease_until: t + run.leaseMs });
        }
      } else result = chunk.result;
    }
    if (!result) throw new Error("the model's stream ended without a finish");
  } catch (error) {
    const reason = signal.aborted ? "aborted" : "error";
    const text = target.prefix + generated;
    await save({ text, status: "incomplete", finish_reason: reason, lease_until: null });
    await finishCandidate(run, target, { status: "incomplete", finishReason: reason, text, started });
    batch.alive--;
    // Reported in-stream only while another reply of the batch lives on or succeeded; else the caller gets the error.
    if (!signal.aborted && (batch.alive > 0 || batch.succeeded > 0)) {
      const failedView: MessageView = {
        ...target.view,
        text,
        status: "incomplete",
        finishReason: reason,
        updatedAt: now(),
      };
      push({ type: "done", message: failedView, candidateId: target.candidateId, error: errorInfo(error) });
    }
    return { ok: false, error };
  }
  const text = target.prefix + (result.text || generated);
  const status = result.finishReason === "error" ? "incomplete" : "complete";
  await save({ text, status, finish_reason: result.finishReason, lease_until: null });
  await finishCandidate(run, target, { status, finishReason: result.finishReason, text, started, result });
  batch.succeeded++;
  push({
    type: "done",
    message: { ...target.view, text, status, finishReason: result.finishReason, updatedAt: now() },
    candidateId: target.candidateId,
  });
  return { ok: true };
}

async function finishCandidate(
  run: ReplyRun,
  target: ReplyTarget,
  end: { status: "complete" | "incomplete"; finishReason: string; text: string; started: number; result?: ChatResult },
): Promise<void> {
  await run.db
    .updateTable("chat_candidates")
    .set({
      status: end.status,
      finish_reason: end.finishReason,
      text: end.text,
      prompt_tokens: end.result?.usage.promptTokens ?? null,
      completion_tokens: end.result?.usage.completionTokens ?? null,
      latency_ms: Math.round(end.result?.latencyMs || run.now() - end.started),
      updated_at: run.now(),
    })
    .where("id", "=", target.candidateId)
    .where("owner_id", "=", run.ownerId)
    .execute();
}
