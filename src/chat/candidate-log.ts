import { randomUUID } from "node:crypto";
import type { Store } from "../store/index.ts";
import type { CandidateRow } from "./chat-tables.ts";
import { chatDb } from "./chat-tables.ts";

/** Why a candidate was generated. */
export type CandidateKind = "reply" | "regenerate" | "continue" | "completion";

/**
 * One generated candidate as logged: where it stands (chat, parent, sibling and displayed position), which policy
 * produced it with what probability, what the prompt held, what it cost and how it ended.
 */
export interface CandidateLogEntry {
  id?: string;
  /** null for /v1 completions, which have no troupe chat. */
  chatId?: string | null;
  messageId?: string | null;
  parentMessageId?: string | null;
  batchId: string;
  batchSize: number;
  generationIndex: number;
  siblingPosition: number;
  displayedPosition: number;
  policyId: string;
  policy: Record<string, unknown>;
  manifest: Record<string, unknown>;
  promptTokens?: number | null;
  completionTokens?: number | null;
  latencyMs?: number | null;
  /** Probability that the serving policy produced it (1 for one deterministic policy). */
  propensity: number;
  /** Probability of the displayed order (1 when it was not randomized and could not have been). */
  orderPropensity: number;
  retryOf?: string | null;
  kind: CandidateKind;
  /** chat (troupe's own API), openai, minimax. */
  api: string;
  endUser?: string | null;
  status: CandidateRow["status"];
  finishReason?: string | null;
  text?: string | null;
  createdAt: number;
}

/** A logged candidate read back. */
export interface CandidateRecord extends Required<Omit<CandidateLogEntry, "id">> {
  id: string;
  ownerId: string;
  updatedAt: number;
}

/** The table row for an entry. */
export function candidateRow(ownerId: string, entry: CandidateLogEntry, id: string): CandidateRow {
  return {
    id,
    owner_id: ownerId,
    chat_id: entry.chatId ?? null,
    message_id: entry.messageId ?? null,
    parent_message_id: entry.parentMessageId ?? null,
    batch_id: entry.batchId,
    batch_size: entry.batchSize,
    generation_index: entry.generationIndex,
    sibling_position: entry.siblingPosition,
    displayed_position: entry.displayedPosition,
    policy_id: entry.policyId,
    policy: JSON.stringify(entry.policy),
    manifest: JSON.stringify(entry.manifest),
    prompt_tokens: entry.promptTokens ?? null,
    completion_tokens: entry.completionTokens ?? null,
    latency_ms: entry.latencyMs === undefined || entry.latencyMs === null ? null : Math.round(entry.latencyMs),
    propensity: entry.propensity,
    order_propensity: entry.orderPropensity,
    retry_of: entry.retryOf ?? null,
    kind: entry.kind,
    api: entry.api,
    end_user: entry.endUser ?? null,
    status: entry.status,
    finish_reason: entry.finishReason ?? null,
    text: entry.text ?? null,
    created_at: entry.createdAt,
    updated_at: entry.createdAt,
  };
}

/** A row read back as a record. */
export function candidateRecord(row: CandidateRow): CandidateRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    chatId: row.chat_id,
    messageId: row.message_id,
    parentMessageId: row.parent_message_id,
    batchId: row.batch_id,
    batchSize: row.batch_size,
    generationIndex: row.generation_index,
    siblingPosition: row.sibling_position,
    displayedPosition: row.displayed_position,
    policyId: row.policy_id,
    policy: JSON.parse(row.policy) as Record<string, unknown>,
    manifest: JSON.parse(row.manifest) as Record<string, unknown>,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    latencyMs: row.latency_ms,
    propensity: Number(row.propensity),
    orderPropensity: Number(row.order_propensity),
    retryOf: row.retry_of,
    kind: row.kind as CandidateKind,
    api: row.api,
    endUser: row.end_user,
    status: row.status,
    finishReason: row.finish_reason,
    text: row.text,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * Log finished candidates that have no troupe chat (the /v1 and MiniMax gateways): one row each, in one
 * statement. Returns their ids (given ones kept, others minted).
 */
export async function logCandidates(
  store: Store,
  ownerId: string,
  entries: readonly CandidateLogEntry[],
  ids: () => string = randomUUID,
): Promise<string[]> {
  if (entries.length === 0) return [];
  const db = await chatDb(store);
  const rows = entries.map((e) => candidateRow(ownerId, e, e.id ?? ids()));
  await db.insertInto("chat_candidates").values(rows).execute();
  return rows.map((r) => r.id);
}

/** Filters for listCandidates. */
export interface CandidateQuery {
  chatId?: string;
  messageId?: string;
  batchId?: string;
  limit?: number;
}

/** An owner's logged candidates, oldest first. */
export async function listCandidates(
  store: Store,
  ownerId: string,
  query: CandidateQuery = {},
): Promise<CandidateRecord[]> {
  const db = await chatDb(store);
  let q = db.selectFrom("chat_candidates").selectAll().where("owner_id", "=", ownerId);
  if (query.chatId !== undefined) q = q.where("chat_id", "=", query.chatId);
  if (query.messageId !== undefined) q = q.where("message_id", "=", query.messageId);
  if (query.batchId !== undefined) q = q.where("batch_id", "=", query.batchId);
  const rows = await q
    .orderBy("created_at")
    .orderBy("batch_id")
    .orderBy("generation_index")
    .limit(query.limit ?? 10_000)
    .execute();
  return rows.map(candidateRecord);
}
