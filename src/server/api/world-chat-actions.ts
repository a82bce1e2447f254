import type { FastifyReply, FastifyRequest } from "fastify";
import {
  branchWorldChat,
  type ChatSummary,
  type ChatView,
  chatMessageView,
  chooseWorldSwipe,
  decideWorldChatLine,
  heldLineOfMessage,
  type MessageView,
  type ReplyPolicy,
  regenerateWorldChatMessage,
  replyWorldChat,
  sendWorldChatMessage,
  syncWorldChat,
  type WorldChatDeps,
  worldChatView,
  worldNodeOfMessage,
  worldSendReplay,
} from "../../chat/index.ts";
import type { World } from "../../world/index.ts";
import { HttpError } from "../http-error.ts";
import type { openSse } from "../sse.ts";
import {
  answerWorldGeneration,
  type WorldGenerationBody,
  type WorldRun,
  type WorldStreamEvent,
  worldChatHttpError,
} from "./world-chat-answer.ts";

/** What the chat and message routes need to serve world-backed chats (the server owns it). */
export interface WorldChatRouteOptions {
  deps: WorldChatDeps;
  /** The open world of an id (one per process, current with the database). */
  world(worldId: string): Promise<World>;
  /** Keep a world this process just created. */
  keep?(world: World): void;
  /** Drop a world this process holds (its chat was deleted). */
  forget?(worldId: string): void;
  /** Sees every event of a world reply as it is sent (the server's stream bus, so other clients can follow). */
  tap?(event: WorldStreamEvent): void;
}

/** Everything one world chat action works on. */
export interface WorldChatTarget {
  request: FastifyRequest;
  ownerId: string;
  chat: ChatSummary;
  options: WorldChatRouteOptions;
}

const canon = (what: string) =>
  new HttpError(
    409,
    "world.line_canon",
    `A world chat cannot ${what} a line the world has committed: it is canon. Regenerate a reply, choose another ` +
      "swipe, or branch at the line before it.",
  );

async function worldOf(t: WorldChatTarget): Promise<World> {
  return t.options.world(t.chat.worldId as string);
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw worldChatHttpError(error);
  }
}

/** Send the user's line; the director (or the world's mode) picks who answers, streamed like a plain reply. */
export async function sendWorld(
  t: WorldChatTarget,
  reply: FastifyReply,
  policy: ReplyPolicy,
  body: { text: string; candidates?: number | undefined; clientMessageId?: string | undefined },
  answer: { stream: boolean; pingMs?: number | undefined; openSse?: typeof openSse | undefined },
): Promise<WorldGenerationBody | undefined> {
  if ((body.candidates ?? 1) > 1)
    throw new HttpError(
      400,
      "world.one_candidate",
      "A world chat generates one reply at a time: leave out candidates.",
      {
        param: "candidates",
      },
    );
  const world = await worldOf(t);
  const { clientMessageId } = body;
  // A retried send (same client id) answers with what the first one stored, and sends nothing again.
  const replay = clientMessageId
    ? await run(() => worldSendReplay(t.options.deps, t.ownerId, t.chat.id, world, clientMessageId))
    : undefined;
  const go: WorldRun = replay
    ? async (onEvent) => {
        for (const event of replay) onEvent(event);
        return { outcome: { status: "cancelled" } };
      }
    : (onEvent, signal) =>
        sendWorldChatMessage(t.options.deps, t.ownerId, t.chat.id, world, policy, body.text, {
          signal,
          onEvent,
          ...(clientMessageId ? { clientMessageId } : {}),
        });
  return answerWorldGeneration(t.request, reply, target(t), go, answer, t.options.tap);
}

/**
 * Regenerate a reply: a character's committed line gets a new sibling; a held reply is generated again (the
 * held one is released); a reply that failed before the world committed it is answered again.
 */
export async function regenerateWorld(
  t: WorldChatTarget,
  reply: FastifyReply,
  policy: ReplyPolicy,
  messageId: string,
  candidates: number | undefined,
  answer: { stream: boolean; pingMs?: number | undefined; openSse?: typeof openSse | undefined },
): Promise<WorldGenerationBody | undefined> {
  if ((candidates ?? 1) > 1)
    throw new HttpError(
      400,
      "world.one_candidate",
      "A world chat generates one reply at a time: leave out candidates.",
      {
        param: "candidates",
      },
    );
  const { deps } = t.options;
  const world = await worldOf(t);
  const view = await run(() => chatMessageView(deps, t.ownerId, t.chat.id, messageId));
  let go: WorldRun;
  if (view.worldNodeId)
    go = (onEvent, signal) =>
      regenerateWorldChatMessage(deps, t.ownerId, t.chat.id, world, policy, messageId, { signal, onEvent });
  else {
    const pendingId = await heldLineOfMessage(deps, t.ownerId, t.chat.id, world, messageId);
    if (pendingId)
      go = (onEvent, signal) =>
        decideWorldChatLine(
          deps,
          t.ownerId,
          t.chat.id,
          world,
          policy,
          pendingId,
          { action: "regenerate" },
          {
            signal,
            onEvent,
          },
        );
    else {
      if (view.role !== "assistant" || view.status === "streaming")
        throw new HttpError(409, "world.no_regenerate", `Message ${messageId} is not a reply that can be regenerated.`);
      const parentNode = view.parentId
        ? await worldNodeOfMessage(deps.store, t.ownerId, t.chat.id, view.parentId)
        : undefined;
      if (parentNode !== world.head().id)
        throw new HttpError(
          409,
          "world.no_regenerate",
          "This reply was never committed and the chat has moved on since: regenerate a later reply instead.",
        );
      go = (onEvent, signal) => replyWorldChat(deps, t.ownerId, t.chat.id, world, policy, { signal, onEvent });
    }
  }
  return answerWorldGeneration(t.request, reply, target(t), go, answer, t.options.tap);
}

/** Choose a swipe: the world's branch moves to that alternative (and what followed it); the rows follow. */
export async function selectWorld(t: WorldChatTarget, messageId: string): Promise<ChatView> {
  const { deps } = t.options;
  const world = await worldOf(t);
  const node = await worldNodeOfMessage(deps.store, t.ownerId, t.chat.id, messageId);
  if (!node) {
    await run(() => chatMessageView(deps, t.ownerId, t.chat.id, messageId));
    throw new HttpError(
      409,
      "world.not_a_line",
      `Message ${messageId} is not a line of the world (a held or interrupted reply): decide about a held reply at ` +
        "/world/pending, or regenerate it.",
    );
  }
  return run(async () => {
    await chooseWorldSwipe(world, node);
    await syncWorldChat(deps, t.ownerId, t.chat.id, world);
    return worldChatView(deps, t.ownerId, t.chat.id, world);
  });
}

/** Edit: only a held reply can be rewritten (it is committed with the user's text); committed lines are canon. */
export async function editWorld(
  t: WorldChatTarget,
  policy: () => Promise<ReplyPolicy>,
  messageId: string,
  text: string,
): Promise<MessageView> {
  const { deps } = t.options;
  const world = await worldOf(t);
  await run(() => chatMessageView(deps, t.ownerId, t.chat.id, messageId));
  const pendingId = await heldLineOfMessage(deps, t.ownerId, t.chat.id, world, messageId);
  if (!pendingId) throw canon("edit");
  const decided = await run(async () =>
    decideWorldChatLine(deps, t.ownerId, t.chat.id, world, await policy(), pendingId, { action: "edit", text }),
  );
  if (decided.outcome.status === "pending")
    throw new HttpError(
      409,
      "world.still_held",
      `The edited line breaks a rule too: ${decided.outcome.pending.violations.map((v) => v.message).join("; ")}.`,
    );
  return run(() => chatMessageView(deps, t.ownerId, t.chat.id, decided.messageId ?? messageId));
}

/** Delete: a held reply is cancelled (nothing of it reaches the world); committed lines are canon. */
export async function deleteWorld(t: WorldChatTarget, policy: () => Promise<ReplyPolicy>, messageId: string) {
  const { deps } = t.options;
  const world = await worldOf(t);
  await run(() => chatMessageView(deps, t.ownerId, t.chat.id, messageId));
  const pendingId = await heldLineOfMessage(deps, t.ownerId, t.chat.id, world, messageId);
  if (!pendingId) throw canon("delete");
  await run(async () =>
    decideWorldChatLine(deps, t.ownerId, t.chat.id, world, await policy(), pendingId, { action: "cancel" }),
  );
}

/** Continue: a world line is whole once committed. */
export async function continueWorld(t: WorldChatTarget, messageId: string): Promise<never> {
  await run(() => chatMessageView(t.options.deps, t.ownerId, t.chat.id, messageId));
  throw new HttpError(409, "world.no_continue", "A world chat cannot continue a line; regenerate the reply instead.");
}

/**
 * Branch at a message: a new branch of the chat's world at that line (named after the title, or "branch-<n>"),
 * which the chat continues on; the same chat, on its new branch, is returned.
 */
export async function branchWorld(t: WorldChatTarget, messageId: string, title?: string): Promise<ChatView> {
  const { deps } = t.options;
  const world = await worldOf(t);
  const node = await worldNodeOfMessage(deps.store, t.ownerId, t.chat.id, messageId);
  if (!node) {
    await run(() => chatMessageView(deps, t.ownerId, t.chat.id, messageId));
    throw new HttpError(409, "world.not_a_line", `Message ${messageId} is not a line of the world; branch at a line.`);
  }
  const name = branchName(world, title);
  return run(async () => {
    await branchWorldChat(world, name, node);
    await syncWorldChat(deps, t.ownerId, t.chat.id, world);
    return worldChatView(deps, t.ownerId, t.chat.id, world);
  });
}

/** A valid, unused branch name from a title (or "branch-<n>"). */
function branchName(world: World, title?: string): string {
  const base =
    title
      ?.trim()
      .replace(/[^\w./-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 56) || "branch";
  for (let n = 1; ; n++) {
    const name = n === 1 && title ? base : `${base}-${n}`;
    if (!world.ledger.branches.has(name)) return name;
  }
}

function target(t: WorldChatTarget) {
  return { deps: t.options.deps, ownerId: t.ownerId, chatId: t.chat.id };
}
