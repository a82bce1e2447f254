import type { Store } from "../store/index.ts";
import { chatTables } from "./chat-text-source.ts";
import type { StoredFeedbackEvent } from "./event-schema.ts";

/** What the candidate log knows of one served candidate, as far as events need it. */
export interface LoggedCandidate {
  id: string;
  ownerId: string;
  chatId: string;
  parentMessageId: string | null;
  batchId: string;
  kind: string;
  /** Place in the sibling list the person swipes through (0 = first). */
  siblingPosition: number;
  policyId: string;
  propensity: number;
  orderPropensity: number;
}

/**
 * Fill in from the candidate log what an event names only by candidate id: the policy, propensity, order
 * propensity and parent of its candidate, and for a `reply` without a group, the sibling group it chose from (ids
 * and displayed positions). A group that grew by regenerates was not shuffled as a whole, so its order propensity
 * is 1 unless all of it came from one batch. Fields the event already has are kept. Pure.
 */
export function enrichFromCandidates(
  events: readonly StoredFeedbackEvent[],
  candidates: readonly LoggedCandidate[],
): StoredFeedbackEvent[] {
  if (candidates.length === 0) return [...events];
  const byId = new Map<string, LoggedCandidate>();
  const siblings = new Map<string, LoggedCandidate[]>();
  for (const c of candidates) {
    byId.set(`${c.ownerId}\u0000${c.id}`, c);
    // A continuation is a new version of its reply, not a sibling.
    if (c.kind === "continue") continue;
    const key = `${c.ownerId}\u0000${c.chatId}\u0000${c.parentMessageId ?? ""}`;
    const list = siblings.get(key);
    if (list) list.push(c);
    else siblings.set(key, [c]);
  }
  for (const list of siblings.values()) list.sort((a, b) => a.siblingPosition - b.siblingPosition);
  return events.map((e) => {
    const chosen = e.type === "reply" ? (e.payload.chosen_candidate_id ?? e.candidate_id) : e.candidate_id;
    const c = chosen ? byId.get(`${e.owner_id}\u0000${chosen}`) : undefined;
    if (!c) return e;
    // Same keys in the same order as the stored event: the object keeps its shape.
    const out = { ...e };
    out.policy_id ??= c.policyId;
    out.propensity ??= c.propensity;
    out.parent_message_id ??= c.parentMessageId ?? undefined;
    if (e.type === "reply" && !e.candidate_ids) {
      const group = siblings.get(`${c.ownerId}\u0000${c.chatId}\u0000${c.parentMessageId ?? ""}`) ?? [];
      if (group.length >= 2) {
        out.candidate_ids = group.map((s) => s.id);
        out.positions = group.map((s) => s.siblingPosition);
        out.order_propensity ??= group.every((s) => s.batchId === c.batchId) ? c.orderPropensity : 1;
      }
    }
    out.order_propensity ??= c.orderPropensity;
    return out;
  });
}

/** The candidate log of troupe's chats (one owner's, or everyone's), as enrichment needs it. */
export async function readLoggedCandidates(store: Store, ownerId?: string): Promise<LoggedCandidate[]> {
  const db = await chatTables(store);
  let q = db
    .selectFrom("chat_candidates")
    .select([
      "id",
      "owner_id",
      "chat_id",
      "parent_message_id",
      "batch_id",
      "kind",
      "sibling_position",
      "policy_id",
      "propensity",
      "order_propensity",
    ])
    .where("chat_id", "is not", null);
  if (ownerId !== undefined) q = q.where("owner_id", "=", ownerId);
  return (await q.execute()).map((r) => ({
    id: r.id,
    ownerId: r.owner_id,
    chatId: r.chat_id as string,
    parentMessageId: r.parent_message_id,
    batchId: r.batch_id,
    kind: r.kind,
    siblingPosition: r.sibling_position,
    policyId: r.policy_id,
    propensity: Number(r.propensity),
    orderPropensity: Number(r.order_propensity),
  }));
}
