// A world-backed chat kept as rows of the chat tables: every line of the world is also a message row carrying its
// world node id, and every generated reply is logged as a candidate, so feedback events and the candidate log name
// the same ids for plain and world chats. The world decides what is said; the rows follow it.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Store } from "../store/index.ts";
import { pendingLine, type Violation, type World, type WorldNode } from "../world/index.ts";
import { candidateRow } from "./candidate-log.ts";
import { chatNotFound } from "./chat-error.ts";
import { chatRow, newMessage, select } from "./chat-records.ts";
import { type ChatRow, type ChatTables, chatDb, type MessageRow } from "./chat-tables.ts";
import { insertSlots, touch } from "./chat-writes.ts";
import { policyRecord, type ReplyPolicy } from "./reply-policy.ts";
import {
  decideWorldLine,
  type LineDecision,
  regenerateWorldLine,
  replyToHead,
  sendWorldLine,
  startWorldChat,
  type WorldReply,
  type WorldReplyOptions,
  type WorldSendResult,
} from "./world-chat.ts";
import { isLine } from "./world-chat-message.ts";

/** Where a world chat's rows go, and where ids and time come from. */
export interface WorldChatDeps {
  store: Store;
  now?: () => number;
  ids?: () => string;
}

/** What a world chat operation reports as it goes (a route turns these into SSE events). */
export type WorldChatEvent =
  | { type: "user"; messageId: string; nodeId: string; text: string }
  | {
      type: "start";
      messageId: string;
      candidateId: string;
      speaker: string;
      /** The row's place among its siblings. */
      position: number;
      /** Why this character answers (the director's reason), when the director chose. */
      reason?: string;
    }
  | { type: "delta"; messageId: string; text: string }
  | { type: "done"; messageId: string; candidateId: string | null; nodeId: string; text: string }
  /** The reply broke a rule: stored as an incomplete message ("held") until the user decides. */
  | {
      type: "held";
      messageId: string;
      candidateId: string | null;
      pendingId: string;
      text: string;
      violations: Violation[];
    };

/** Options of a world chat operation that generates a reply. */
export interface WorldChatGenerate {
  signal?: AbortSignal;
  onEvent?: (event: WorldChatEvent) => void;
  /** Who answers (manual choice); the director's choice otherwise. */
  speaker?: string;
  /** The client's id for the user's line (stored on its row: a retried send can find it). */
  clientMessageId?: string;
}

const HELD = "held";

interface Ctx {
  db: Kysely<ChatTables>;
  now: () => number;
  ids: () => string;
  ownerId: string;
  chat: ChatRow;
  world: World;
}

async function context(deps: WorldChatDeps, ownerId: string, chatId: string, world: World): Promise<Ctx> {
  const db = await chatDb(deps.store);
  const chat = await chatRow(db, ownerId, chatId);
  if (chat.world_id !== world.id) throw chatNotFound("chat", chatId);
  return { db, now: deps.now ?? Date.now, ids: deps.ids ?? randomUUID, ownerId, chat, world };
}

/** Create a world-backed chat for an owner: its row (world id set) and the greeting as its first message. */
export async function createWorldChat(
  deps: WorldChatDeps,
  ownerId: string,
  world: World,
  input: { title?: string; model?: string | null } = {},
): Promise<string> {
  const db = await chatDb(deps.store);
  const now = (deps.now ?? Date.now)();
  const id = (deps.ids ?? randomUUID)();
  await db
    .insertInto("chat_chats")
    .values({
      id,
      owner_id: ownerId,
      character_id: null,
      character_ids: "[]",
      world_id: world.id,
      persona_name: world.setup.userName,
      persona_description: world.setup.persona,
      model: input.model ?? null,
      sampling: "{}",
      title: input.title?.trim() || world.record.name,
      branched_from_chat: null,
      branched_from_message: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await startWorldChat(world);
  await syncWorldChat(deps, ownerId, id, world);
  return id;
}

/** The world id behind an owner's chat; not found for another owner's chat or a chat without a world. */
export async function worldIdOfChat(store: Store, ownerId: string, chatId: string): Promise<string> {
  const row = await chatRow(await chatDb(store), ownerId, chatId);
  if (!row.world_id) throw chatNotFound("chat", chatId);
  return row.world_id;
}

/** The row of a world node in a chat (its newest live version), if it has one. */
async function rowOf(c: Ctx, nodeId: string): Promise<MessageRow | undefined> {
  return c.db
    .selectFrom("chat_messages")
    .selectAll()
    .where("chat_id", "=", c.chat.id)
    .where("owner_id", "=", c.ownerId)
    .where("world_node_id", "=", nodeId)
    .where("deleted_at", "is", null)
    .orderBy("version", "desc")
    .executeTakeFirst();
}

/** The line a node follows in the conversation: its nearest ancestor that is a line (null for the first line). */
function previousLine(world: World, node: WorldNode): WorldNode | null {
  let at = node.parent === null ? undefined : world.ledger.get(node.parent);
  while (at && !isLine(at)) at = at.parent === null ? undefined : world.ledger.get(at.parent);
  return at ?? null;
}

/** The slot a new row hangs under: the row of the line before it. */
async function parentSlot(c: Ctx, line: WorldNode | null): Promise<string | null> {
  if (!line) return null;
  const row = await rowOf(c, line.id);
  if (!row) throw new Error(`world chat ${c.chat.id}: line ${line.id} has no message row`);
  return row.slot_id;
}

/** Insert the row of a committed line (greeting, user line, or a line some other front end committed). */
async function insertLine(c: Ctx, node: WorldNode, clientMessageId?: string): Promise<MessageRow> {
  const user = node.speaker === c.world.setup.userName;
  const row = newMessage({
    id: c.ids(),
    owner_id: c.ownerId,
    chat_id: c.chat.id,
    parent_id: await parentSlot(c, previousLine(c.world, node)),
    role: user ? "user" : "assistant",
    speaker: node.speaker ?? "",
    text: node.text ?? "",
    status: "complete",
    origin: node.meta?.["greeting"] === true ? "greeting" : user ? "user" : "generated",
    world_node_id: node.id,
    now: c.now(),
  });
  if (clientMessageId !== undefined) row.client_message_id = clientMessageId;
  await insertSlots(c.now, c.db, c.chat, [row], row.id);
  return row;
}

/**
 * Make the chat's rows follow the world: every line on the branch in view gets its row (inserted if it has none)
 * and is the shown sibling under its parent. Call after anything moved the world's head (swipe, rollback,
 * branch, checkout, an accepted away proposal).
 */
export async function syncWorldChat(deps: WorldChatDeps, ownerId: string, chatId: string, world: World): Promise<void> {
  const c = await context(deps, ownerId, chatId, world);
  const lines = await world.read((p) => p.nodes.filter(isLine));
  for (const node of lines) {
    const row = (await rowOf(c, node.id)) ?? (await insertLine(c, node));
    await select(c.db, {
      chatId,
      ownerId,
      parentKey: row.parent_key,
      slotId: row.slot_id,
      now: c.now(),
    });
  }
  await touch(c.db, ownerId, chatId, c.now());
}

/** A reply being generated into a streaming row, with its candidate. */
interface Generation {
  row: MessageRow;
  candidateId: string;
  text: string;
  started: number;
}

/** Insert the streaming row and its candidate before the model is called. */
async function startReply(
  c: Ctx,
  policy: ReplyPolicy,
  start: { speaker: string; parentNodeId: string },
  kind: "reply" | "regenerate",
  retryOf: string | null,
): Promise<Generation> {
  const parentNode = c.world.ledger.get(start.parentNodeId);
  const parentLine =
    parentNode && isLine(parentNode) ? parentNode : parentNode ? previousLine(c.world, parentNode) : null;
  const now = c.now();
  const row = newMessage({
    id: c.ids(),
    owner_id: c.ownerId,
    chat_id: c.chat.id,
    parent_id: await parentSlot(c, parentLine),
    role: "assistant",
    speaker: start.speaker,
    text: "",
    status: "streaming",
    origin: "generated",
    lease_until: now + 30_000,
    now,
  });
  const candidateId = c.ids();
  row.candidate_id = candidateId;
  await insertSlots(c.now, c.db, c.chat, [row], row.id, async (trx) => {
    await trx
      .insertInto("chat_candidates")
      .values(
        candidateRow(
          c.ownerId,
          {
            chatId: c.chat.id,
            messageId: row.id,
            parentMessageId: row.parent_id,
            batchId: candidateId,
            batchSize: 1,
            generationIndex: 0,
            siblingPosition: row.position,
            displayedPosition: row.position,
            policyId: policy.policyId,
            policy: policyRecord(policy),
            manifest: {},
            propensity: policy.propensity,
            orderPropensity: 1,
            retryOf,
            kind,
            api: "chat",
            status: "streaming",
            createdAt: now,
          },
          candidateId,
        ),
      )
      .execute();
  });
  return { row, candidateId, text: "", started: now };
}

/** Store how a reply ended: committed (complete), held (incomplete, "held") or cut off (incomplete). */
async function finishReply(c: Ctx, g: Generation, reply: WorldReply | { error: unknown }): Promise<void> {
  const now = c.now();
  const committed = "status" in reply && reply.status === "committed" ? reply : undefined;
  const held = "status" in reply && reply.status === "pending" ? reply : undefined;
  const generation = committed?.generation ?? held?.generation;
  const text = committed?.message.text ?? held?.pending.proposal.text ?? g.text;
  const aborted = "error" in reply && (reply.error as { kind?: string })?.kind === "aborted";
  const finish = committed ? (generation?.finishReason ?? "stop") : held ? HELD : aborted ? "aborted" : "error";
  await c.db
    .updateTable("chat_messages")
    .set({
      text,
      status: committed ? "complete" : "incomplete",
      finish_reason: finish,
      world_node_id: committed?.message.nodeId ?? null,
      lease_until: null,
      updated_at: now,
    })
    .where("id", "=", g.row.id)
    .where("owner_id", "=", c.ownerId)
    .execute();
  await c.db
    .updateTable("chat_candidates")
    .set({
      status: committed ? "complete" : "incomplete",
      finish_reason: finish,
      text,
      manifest: JSON.stringify(generation?.manifest ?? {}),
      prompt_tokens: generation?.usage?.promptTokens ?? null,
      completion_tokens: generation?.usage?.completionTokens ?? null,
      latency_ms: Math.round(generation?.latencyMs ?? now - g.started),
      updated_at: now,
    })
    .where("id", "=", g.candidateId)
    .where("owner_id", "=", c.ownerId)
    .execute();
}

/** Run a world operation that may generate one reply into rows, reporting events; the reply's row is returned. */
async function generating<T extends WorldReply | WorldSendResult | { status: "cancelled" }>(
  c: Ctx,
  policy: ReplyPolicy,
  options: WorldChatGenerate,
  kind: "reply" | "regenerate",
  retryOf: string | null,
  run: (hooks: WorldReplyOptions) => Promise<T>,
): Promise<{ outcome: T; messageId?: string; candidateId?: string }> {
  let g: Generation | undefined;
  const emit = options.onEvent ?? (() => {});
  const hooks: WorldReplyOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.speaker ? { speaker: options.speaker } : {}),
    ...(policy.sampling.temperature === undefined ? {} : { temperature: policy.sampling.temperature }),
    ...(policy.sampling.maxTokens === undefined ? {} : { maxTokens: policy.sampling.maxTokens }),
    onUserLine: async (message) => {
      const node = c.world.ledger.get(message.nodeId) as WorldNode;
      const row = (await rowOf(c, node.id)) ?? (await insertLine(c, node, options.clientMessageId));
      emit({ type: "user", messageId: row.id, nodeId: node.id, text: row.text });
    },
    onReplyStart: async (start) => {
      g = await startReply(c, policy, start, kind, retryOf);
      emit({
        type: "start",
        messageId: g.row.id,
        candidateId: g.candidateId,
        speaker: start.speaker,
        position: g.row.position,
        ...(start.reason === undefined ? {} : { reason: start.reason }),
      });
    },
    onDelta: (text) => {
      if (!g) return;
      g.text += text;
      emit({ type: "delta", messageId: g.row.id, text });
    },
  };
  let outcome: T;
  try {
    outcome = await run(hooks);
  } catch (error) {
    if (g) await finishReply(c, g, { error });
    throw error;
  }
  const reply: WorldReply | undefined =
    "reply" in outcome
      ? outcome.reply
      : outcome.status === "committed" || outcome.status === "pending" || outcome.status === "no_speaker"
        ? (outcome as WorldReply)
        : undefined;
  if (g && reply) {
    await finishReply(c, g, reply);
    if (reply.status === "committed")
      emit({
        type: "done",
        messageId: g.row.id,
        candidateId: g.candidateId,
        nodeId: reply.message.nodeId,
        text: reply.message.text,
      });
    else if (reply.status === "pending")
      emit({
        type: "held",
        messageId: g.row.id,
        candidateId: g.candidateId,
        pendingId: reply.pending.id,
        text: reply.pending.proposal.text,
        violations: reply.pending.violations,
      });
  }
  await touch(c.db, c.ownerId, c.chat.id, c.now());
  return { outcome, ...(g ? { messageId: g.row.id, candidateId: g.candidateId } : {}) };
}

/**
 * Send the user's line in a world chat: the user's row, then the reply streamed into a `streaming` row and
 * logged as a candidate; the row becomes complete with its world node id once the world commits the line, or
 * stays incomplete ("held") while a line that broke a rule waits for the user's decision.
 */
export async function sendWorldChatMessage(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  policy: ReplyPolicy,
  text: string,
  options: WorldChatGenerate = {},
): Promise<{ outcome: WorldSendResult; messageId?: string; candidateId?: string }> {
  const c = await context(deps, ownerId, chatId, world);
  return generating(c, policy, options, "reply", null, (hooks) =>
    sendWorldLine(world, { generator: policy.model }, text, hooks),
  );
}

/**
 * Let a character answer the world's head again (the last reply failed or was cut off before the world committed
 * it): a new reply row and candidate, as after a sent line.
 */
export async function replyWorldChat(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  policy: ReplyPolicy,
  options: WorldChatGenerate = {},
): Promise<{ outcome: WorldReply; messageId?: string; candidateId?: string }> {
  const c = await context(deps, ownerId, chatId, world);
  return generating(c, policy, options, "reply", null, (hooks) =>
    replyToHead(world, { generator: policy.model }, hooks),
  );
}

/** Regenerate a character's line of a world chat (by message id): a new sibling row and candidate. */
export async function regenerateWorldChatMessage(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  policy: ReplyPolicy,
  messageId: string,
  options: Omit<WorldChatGenerate, "speaker"> = {},
): Promise<{ outcome: WorldReply; messageId?: string; candidateId?: string }> {
  const c = await context(deps, ownerId, chatId, world);
  const row = await c.db
    .selectFrom("chat_messages")
    .selectAll()
    .where("id", "=", messageId)
    .where("chat_id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (!row?.world_node_id) throw chatNotFound("message", messageId);
  const nodeId = row.world_node_id;
  return generating(c, policy, options, "regenerate", row.candidate_id, (hooks) =>
    regenerateWorldLine(world, { generator: policy.model }, nodeId, hooks),
  );
}

/**
 * Decide about a held reply. Accepting or dropping an event completes its row (the candidate too); an edit
 * completes the row with the user's text (origin edit; the candidate keeps what the model wrote, incomplete);
 * regenerating makes a new sibling row and candidate; cancelling deletes the held row.
 */
export async function decideWorldChatLine(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  policy: ReplyPolicy,
  pendingId: string,
  decision: LineDecision,
  options: Omit<WorldChatGenerate, "speaker"> = {},
): Promise<{ outcome: WorldReply | { status: "cancelled" }; messageId?: string; candidateId?: string }> {
  const c = await context(deps, ownerId, chatId, world);
  const held = await pendingLine(world, pendingId);
  const parentLine = (() => {
    const parent = world.ledger.get(held.proposal.parent);
    return parent && isLine(parent) ? parent : parent ? previousLine(world, parent) : null;
  })();
  const parentKey = (await parentSlot(c, parentLine)) ?? "";
  const heldRow = await c.db
    .selectFrom("chat_messages")
    .selectAll()
    .where("chat_id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .where("parent_key", "=", parentKey)
    .where("status", "=", "incomplete")
    .where("finish_reason", "=", HELD)
    .where("text", "=", held.proposal.text)
    .where("deleted_at", "is", null)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (decision.action === "regenerate")
    return generating(c, policy, options, "regenerate", heldRow?.candidate_id ?? null, (hooks) =>
      decideWorldLine(world, { generator: policy.model }, pendingId, decision, hooks),
    );
  const outcome = await decideWorldLine(world, { generator: policy.model }, pendingId, decision, {
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const now = c.now();
  if (heldRow && outcome.status === "cancelled")
    await c.db
      .updateTable("chat_messages")
      .set({ deleted_at: now, updated_at: now })
      .where("id", "=", heldRow.id)
      .execute();
  if (heldRow && outcome.status === "committed") {
    await c.db
      .updateTable("chat_messages")
      .set({
        text: outcome.message.text,
        status: "complete",
        finish_reason: "stop",
        origin: decision.action === "edit" ? "edit" : "generated",
        world_node_id: outcome.message.nodeId,
        updated_at: now,
      })
      .where("id", "=", heldRow.id)
      .execute();
    if (decision.action !== "edit" && heldRow.candidate_id)
      await c.db
        .updateTable("chat_candidates")
        .set({ status: "complete", finish_reason: "stop", text: outcome.message.text, updated_at: now })
        .where("id", "=", heldRow.candidate_id)
        .where("owner_id", "=", ownerId)
        .execute();
    await select(c.db, { chatId, ownerId, parentKey: heldRow.parent_key, slotId: heldRow.slot_id, now });
  }
  await touch(c.db, ownerId, chatId, now);
  return {
    outcome,
    ...(heldRow ? { messageId: heldRow.id } : {}),
    ...(heldRow?.candidate_id ? { candidateId: heldRow.candidate_id } : {}),
  };
}

/** The world node of one of an owner's chat messages (any version of its slot), if the message is a world line. */
export async function worldNodeOfMessage(
  store: Store,
  ownerId: string,
  chatId: string,
  messageId: string,
): Promise<string | undefined> {
  const db = await chatDb(store);
  const row = await db
    .selectFrom("chat_messages")
    .select(["world_node_id", "slot_id"])
    .where("id", "=", messageId)
    .where("chat_id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.world_node_id) return row.world_node_id;
  // An edit's version carries no node of its own: the slot's original does.
  const original = await db
    .selectFrom("chat_messages")
    .select(["world_node_id"])
    .where("id", "=", row.slot_id)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  return original?.world_node_id ?? undefined;
}
