import type { Detector, DetectorInput } from "../bench/index.ts";
import type { ChatTables } from "../chat/index.ts";
import type { Store } from "../store/index.ts";
import { chatTables, chatTexts } from "./chat-text-source.ts";
import type { FeedbackText } from "./text-store.ts";

type QuotableTurn = DetectorInput["turns"][number];

/** What the field dashboard counts in a served reply: a crash, or a flaw one of the bench's detectors finds. */
export const REPLY_FLAWS = ["crash", "garbled", "repetition", "silence", "speaks_for_user"] as const;
export type ReplyFlaw = (typeof REPLY_FLAWS)[number];

/** The bench detectors behind each flaw (src/bench DETECTORS, by name). */
const DETECTOR_FLAWS: Record<string, ReplyFlaw> = {
  "garbled-text": "garbled",
  "within-turn-repetition": "repetition",
  loop: "repetition",
  silence: "silence",
  "speaks-for-user": "speaks_for_user",
};

/** One served reply (a logged candidate of a chat) and the flaws found in it. */
export interface ServedReply {
  candidateId: string;
  chatId: string;
  /** The serving policy (model version) that produced it. */
  policy: string;
  createdAt: number;
  flaws: ReplyFlaw[];
}

/** A reply to check, with the conversation before it (oldest first, the reply's parent last). */
export interface ReplyToCheck {
  text: string;
  /** `incomplete` with a finish reason other than `aborted` (the person stopped it) is a crash. */
  status: "streaming" | "complete" | "incomplete";
  finishReason: string | null;
  history: ReadonlyArray<{ role: "user" | "assistant" | "system"; text: string }>;
  aiName: string;
  userName: string;
}

/** Prior turns a detector sees: enough for a loop to show, bounded so a long chat costs the same per reply. */
const CONTEXT_TURNS = 8;

/**
 * The flaws of one reply: a crash from how it ended, the rest from the bench's detectors run over the reply and the
 * turns before it (only flags on the reply itself count). Pure given the detectors.
 */
export function replyFlaws(
  reply: ReplyToCheck,
  detect: (turns: QuotableTurn[], aiName: string, userName: string) => Array<{ by?: string; round: number }>,
): ReplyFlaw[] {
  const flaws = new Set<ReplyFlaw>();
  if (reply.status === "incomplete" && reply.finishReason !== "aborted") flaws.add("crash");
  const turns: QuotableTurn[] = [];
  const history = reply.history.filter((h) => h.role !== "system").slice(-CONTEXT_TURNS);
  // Round 1 is the bench's unscored prologue: the context turns are scored too, so a loop can cite them.
  history.forEach((h, i) => {
    turns.push({ role: h.role === "assistant" ? "ai" : "user", round: i + 2, text: h.text });
  });
  const round = history.length + 2;
  turns.push({ role: "ai", round, text: reply.text });
  for (const flag of detect(turns, reply.aiName, reply.userName)) {
    const flaw = flag.by ? DETECTOR_FLAWS[flag.by] : undefined;
    if (flaw && flag.round === round) flaws.add(flaw);
  }
  return REPLY_FLAWS.filter((f) => flaws.has(f));
}

/** The conversation before a text, following parent links (oldest first). */
function historyOf(byId: Map<string, FeedbackText>, parentId: string | null): FeedbackText[] {
  const out: FeedbackText[] = [];
  const seen = new Set<string>();
  let id = parentId;
  while (id && !seen.has(id) && out.length < CONTEXT_TURNS + 1) {
    seen.add(id);
    const t = byId.get(id);
    if (!t) break;
    out.push(t);
    id = t.parentId;
  }
  return out.reverse();
}

/** Options of readServedReplies. */
export interface ServedReplyQuery {
  ownerId?: string | undefined;
  /** Only replies created at or after this time (epoch ms). */
  since?: number | undefined;
  /** The time a streaming reply's lease is compared with (default: now). */
  now?: number | undefined;
}

/**
 * Every finished reply served in troupe's chats (the candidate log), with its policy, time and flaws: crashes from
 * the log, garbled text, repetition, silence and speaking for the user from the bench's detectors. The bench is
 * loaded only here, so importing src/feedback stays light.
 */
export async function readServedReplies(store: Store, query: ServedReplyQuery = {}): Promise<ServedReply[]> {
  const { DETECTORS, runDetectors } = await import("../bench/index.ts");
  const detectors: Detector[] = DETECTORS.filter((d) => d.name in DETECTOR_FLAWS);
  const detect = (turns: QuotableTurn[], aiName: string, userName: string) =>
    runDetectors({ aiName, userName, turns }, detectors);
  const now = query.now ?? Date.now();
  const db = await chatTables(store);
  let chatsQuery = db.selectFrom("chat_chats").selectAll();
  if (query.ownerId) chatsQuery = chatsQuery.where("owner_id", "=", query.ownerId);
  const chats = await chatsQuery.execute();
  const out: ServedReply[] = [];
  for (const chat of chats) {
    let candidatesQuery = db
      .selectFrom("chat_candidates")
      .selectAll()
      .where("owner_id", "=", chat.owner_id)
      .where("chat_id", "=", chat.id);
    if (query.since !== undefined) candidatesQuery = candidatesQuery.where("created_at", ">=", query.since);
    const candidates = await candidatesQuery.execute();
    if (candidates.length === 0) continue;
    const messages = (await db
      .selectFrom("chat_messages")
      .selectAll()
      .where("owner_id", "=", chat.owner_id)
      .where("chat_id", "=", chat.id)
      .execute()) as ChatTables["chat_messages"][];
    const byId = new Map(chatTexts(messages, candidates).map((t) => [t.id, t]));
    const character = chat.character_id
      ? await db.selectFrom("chat_characters").select("name").where("id", "=", chat.character_id).executeTakeFirst()
      : undefined;
    const leaseOf = new Map(messages.map((m) => [m.candidate_id, m.lease_until]));
    for (const c of candidates) {
      let status = c.status;
      let finishReason = c.finish_reason;
      if (status === "streaming") {
        // Still streaming past its lease: the writer died (serve reads it as interrupted), a crash. Else in flight.
        const lease = leaseOf.get(c.id);
        if (lease === null || lease === undefined || Number(lease) >= now) continue;
        status = "incomplete";
        finishReason = "interrupted";
      }
      const text = byId.get(c.id)?.text ?? "";
      const history = historyOf(byId, c.parent_message_id).map((t) => ({ role: t.role, text: t.text }));
      out.push({
        candidateId: c.id,
        chatId: chat.id,
        policy: c.policy_id,
        createdAt: Number(c.created_at),
        flaws: replyFlaws(
          {
            text,
            status,
            finishReason,
            history,
            aiName: character?.name ?? "Assistant",
            userName: chat.persona_name || "User",
          },
          detect,
        ),
      });
    }
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.candidateId < b.candidateId ? -1 : 1));
}
