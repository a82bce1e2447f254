// How a world-backed chat's rows are shown: the chat's path cut where the world's branch in view ends (rows keep
// every alternative, the world says which one is current), a single message's view, and the held line a row is.
import { randomUUID } from "node:crypto";
import { pendingLines, type World } from "../world/index.ts";
import { chatNotFound } from "./chat-error.ts";
import { loadChat } from "./chat-records.ts";
import { chatDb } from "./chat-tables.ts";
import type { PathItem } from "./chat-tree.ts";
import type { ChatView, MessageView } from "./chat-views.ts";
import { treeMessageView } from "./chat-views.ts";
import { readChat } from "./chats.ts";
import { isLine } from "./world-chat-message.ts";
import type { WorldChatDeps, WorldChatEvent } from "./world-chat-rows.ts";

const ctxOf = (deps: WorldChatDeps) => ({ store: deps.store, now: deps.now ?? Date.now, ids: deps.ids ?? randomUUID });

/**
 * A world chat's view: its shown path up to the last line of the world's branch in view. A line of another
 * branch (or a rolled-back line) ends the path; rows without a line (a held or interrupted reply) stay.
 */
export async function worldChatView(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
): Promise<ChatView> {
  const view = await readChat(ctxOf(deps), ownerId, chatId);
  const onPath = await world.read((p) => new Set(p.nodes.filter(isLine).map((n) => n.id)));
  const end = view.messages.findIndex((m) => m.worldNodeId !== null && !onPath.has(m.worldNodeId));
  return end < 0 ? view : { ...view, messages: view.messages.slice(0, end) };
}

/** One message of an owner's chat as a view (its shown version), wherever it is in the tree. */
export async function chatMessageView(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  messageId: string,
): Promise<MessageView> {
  const chat = await loadChat(await chatDb(deps.store), ownerId, chatId, ctxOf(deps).now(), true);
  const message = chat.tree.message(messageId);
  if (!message || message.deleted_at !== null) throw chatNotFound("message", messageId);
  const item = chat.tree.chainTo(message.slot_id).at(-1) as PathItem | undefined;
  if (!item) throw chatNotFound("message", messageId);
  return treeMessageView(chat.tree, item, chat.ratings);
}

/**
 * The held line behind a chat message (a reply that broke a rule, stored incomplete with finish reason "held"),
 * or undefined when the message is no held reply.
 */
export async function heldLineOfMessage(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  messageId: string,
): Promise<string | undefined> {
  const view = await chatMessageView(deps, ownerId, chatId, messageId);
  if (view.status !== "incomplete" || view.finishReason !== "held") return undefined;
  const held = (await pendingLines(world)).filter((p) => p.branch === world.current);
  return held.find((p) => p.proposal.text === view.text)?.id;
}

/**
 * A send retried with the same client id: the events of what the first send stored (the user's line and the
 * replies it got, committed or held), or undefined when no line of this chat has that id. Nothing is sent again.
 */
export async function worldSendReplay(
  deps: WorldChatDeps,
  ownerId: string,
  chatId: string,
  world: World,
  clientMessageId: string,
): Promise<WorldChatEvent[] | undefined> {
  const chat = await loadChat(await chatDb(deps.store), ownerId, chatId, ctxOf(deps).now());
  const user = [...chat.tree.slots.values()]
    .map((slot) => slot.shown)
    .find((m) => m?.client_message_id === clientMessageId);
  if (!user) return undefined;
  const events: WorldChatEvent[] = [
    { type: "user", messageId: user.id, nodeId: user.world_node_id ?? "", text: user.text },
  ];
  const held = await pendingLines(world);
  for (const slot of chat.tree.liveChildren(user.slot_id)) {
    const reply = slot.shown;
    if (!reply) continue;
    if (reply.status === "complete" && reply.world_node_id)
      events.push({
        type: "done",
        messageId: reply.id,
        candidateId: reply.candidate_id,
        nodeId: reply.world_node_id,
        text: reply.text,
      });
    else if (reply.status === "incomplete" && reply.finish_reason === "held") {
      const pending = held.find((p) => p.proposal.text === reply.text);
      if (pending)
        events.push({
          type: "held",
          messageId: reply.id,
          candidateId: reply.candidate_id,
          pendingId: pending.id,
          text: reply.text,
          violations: pending.violations,
        });
    }
  }
  return events;
}
