import type { Kysely } from "kysely";
import type { Rng } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { type CandidateKind, type CandidateLogEntry, candidateRow } from "./candidate-log.ts";
import type { CardCache } from "./character-cache.ts";
import { characterPrompt, type PromptCharacter } from "./character-prompt.ts";
import { ChatError } from "./chat-error.ts";
import { historyOf, type LoadedChat, newMessage } from "./chat-records.ts";
import { type ChatRow, type ChatTables, chatDb, type MessageRow } from "./chat-tables.ts";
import type { PathItem } from "./chat-tree.ts";
import { messageView } from "./chat-views.ts";
import { insertSlots, insertVersion } from "./chat-writes.ts";
import { chooseDisplayOrder } from "./display-order.ts";
import type { LoreCache } from "./lore-cache.ts";
import { policyRecord, type ReplyPolicy } from "./reply-policy.ts";
import { type ReplyEvent, type ReplyTarget, runReplies } from "./reply-run.ts";

/** What starting a generation needs from the service. */
export interface ReplyDeps {
  store: Store;
  now: () => number;
  ids: () => string;
  rng: Rng;
  /** Share of multi-candidate requests shown in a random order. */
  share: number;
  leaseMs: number;
  saveEveryMs: number;
  loreCache: LoreCache;
  cardCache: CardCache;
}

/** Most candidates one request may ask for. */
export const MAX_CANDIDATES = 8;

/** What to generate: under which parent, why, and how many. */
export interface ReplySpec {
  parentKey: string;
  kind: CandidateKind;
  retryOf: string | null;
  generationType: string;
  candidates: number | undefined;
  signal: AbortSignal | undefined;
  policy: ReplyPolicy;
  /** Continue this reply (one new version of it) instead of adding siblings. */
  continueFrom?: MessageRow;
}

/**
 * Generate `candidates` replies under `parentKey` (or one continuation of `continueFrom`): the prompt is built
 * once, the rows and candidate-log rows are inserted as `streaming` before any upstream call, and the replies
 * stream through runReplies. Several candidates are shown in an order that is randomized on the configured
 * share of requests; the log keeps the displayed position and the order's propensity.
 */
export async function* generateReplies(
  deps: ReplyDeps,
  ownerId: string,
  chat: LoadedChat,
  chain: PathItem[],
  spec: ReplySpec,
): AsyncGenerator<ReplyEvent> {
  const db = await chatDb(deps.store);
  const { policy, continueFrom } = spec;
  const character = await replyCharacter(db, deps.cardCache, chat.row);
  const persona = { name: chat.row.persona_name, description: chat.row.persona_description };
  const history = historyOf(chain);
  if (continueFrom) history.push({ role: "assistant", content: continueFrom.text, name: continueFrom.speaker });
  const prompt = characterPrompt({
    character,
    persona,
    history,
    seed: policy.sampling.seed ?? history.length,
    generationType: spec.generationType,
    loreCache: deps.loreCache,
  });
  const k = continueFrom ? 1 : Math.min(MAX_CANDIDATES, Math.max(1, Math.floor(spec.candidates ?? 1)));
  const display = chooseDisplayOrder(k, deps.share, deps.rng);
  const now = deps.now();
  const batchId = deps.ids();
  const parentShown = chain.at(-1)?.message.id ?? null;
  const policyJson = policyRecord(policy, prompt.manifest.promptHash);
  const manifest = { ...prompt.manifest, display: { order: display.order, randomized: display.randomized } };
  const speaker = continueFrom?.speaker ?? character.card.data.name;
  const rows: MessageRow[] = [];
  const candidates = display.order.map((displayed, i) => {
    const row = newMessage({
      id: deps.ids(),
      owner_id: ownerId,
      chat_id: chat.row.id,
      parent_id: spec.parentKey === "" ? null : spec.parentKey,
      role: "assistant",
      speaker,
      text: continueFrom?.text ?? "",
      status: "streaming",
      origin: continueFrom ? "continue" : "generated",
      continued_from: continueFrom?.id ?? null,
      lease_until: now + deps.leaseMs,
      position: displayed,
      now,
    });
    rows.push(row);
    const entry: CandidateLogEntry = {
      chatId: chat.row.id,
      messageId: row.id,
      parentMessageId: parentShown,
      batchId,
      batchSize: k,
      generationIndex: i,
      siblingPosition: 0,
      displayedPosition: displayed,
      policyId: policy.policyId,
      policy: policyJson,
      manifest,
      propensity: policy.propensity,
      orderPropensity: display.propensity,
      retryOf: spec.retryOf,
      kind: spec.kind,
      api: "chat",
      status: "streaming",
      createdAt: now,
    };
    const candidate = candidateRow(ownerId, entry, deps.ids());
    row.candidate_id = candidate.id;
    return candidate;
  });
  const logRows = async (trx: Kysely<ChatTables>) => {
    rows.forEach((r, i) => {
      (candidates[i] as (typeof candidates)[number]).sibling_position = r.position;
    });
    await trx.insertInto("chat_candidates").values(candidates).execute();
  };
  if (continueFrom) {
    const first = rows[0] as MessageRow;
    await insertVersion(deps.now, db, chat, continueFrom, (version) => Object.assign(first, { version }), logRows);
  } else {
    const shownFirst = rows[display.order.indexOf(0)] as MessageRow;
    await insertSlots(deps.now, db, chat.row, rows, shownFirst.id, logRows);
  }

  const existing = chat.tree.liveChildren(spec.parentKey).map((s) => (s.shown as MessageRow).id);
  const continued = continueFrom ? chat.tree.chainTo(continueFrom.slot_id).at(-1) : undefined;
  const siblingIds = continued
    ? continued.siblingIds.map((id) => (id === continued.message.id ? (rows[0] as MessageRow).id : id))
    : [...existing, ...[...rows].sort((a, b) => a.position - b.position).map((r) => r.id)];
  const targets: ReplyTarget[] = rows.map((row, i) => ({
    messageId: row.id,
    candidateId: row.candidate_id as string,
    generationIndex: i,
    prefix: continueFrom?.text ?? "",
    view: messageView(row, parentShown, {
      siblingIndex: siblingIds.indexOf(row.id),
      siblingCount: siblingIds.length,
      siblingIds,
    }),
  }));
  yield {
    type: "start",
    replies: rows.map((r, i) => ({
      messageId: r.id,
      candidateId: r.candidate_id as string,
      displayedPosition: display.order[i] as number,
      siblingPosition: r.position,
    })),
  };
  yield* runReplies({
    db,
    now: deps.now,
    ownerId,
    policy,
    messages: prompt.messages,
    targets,
    leaseMs: deps.leaseMs,
    saveEveryMs: deps.saveEveryMs,
    signal: spec.signal,
  });
}

/** The character that replies in a chat, as the prompt needs it. */
async function replyCharacter(db: Kysely<ChatTables>, cards: CardCache, chat: ChatRow): Promise<PromptCharacter> {
  const character = chat.character_id ? await cards.load(db, chat.owner_id, chat.character_id) : undefined;
  if (!character)
    throw new ChatError("invalid", "chat.no_character", `Chat "${chat.id}" has no character to reply.`, {
      hint: "Its character was deleted; start a new chat with another character.",
    });
  return character;
}
