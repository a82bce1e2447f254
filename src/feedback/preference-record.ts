import { seedFrom, sha256 } from "../core/index.ts";
import type { LabelSource } from "./labels.ts";
import type { FeedbackText, TextSource } from "./text-store.ts";
import type { WeightedLabel } from "./weights.ts";

/** One chat message in a prompt (the conversational format every trainer accepts). */
export interface PromptMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * The one canonical preference record every export renders from (reference/online-learning.md §2 Suggested
 * design 1). Pairs carry chosen/rejected; unary records carry completion/label.
 */
export interface PreferenceRecord {
  id: string;
  schema_version: 1;
  created_at: number;
  kind: "pair" | "unary";
  source: LabelSource;
  /** The conversation up to the reply being judged (ends with the user turn it answers). */
  context: PromptMessage[];
  chosen?: string;
  rejected?: string;
  completion?: string;
  label?: boolean;
  /** Final training weight (mean 1 over the export). */
  weight: number;
  confidence: number;
  propensity?: number | undefined;
  user_hash: string;
  chat_id: string | null;
  character_id?: string | undefined;
  /** Split by user: no user (hence no conversation) straddles train and eval. */
  split: "train" | "eval";
}

/** How records are split. */
export interface SplitOptions {
  evalFraction: number;
  seed: string;
}

/** Deterministic per-user split. */
export function splitOf(userKey: string, options: SplitOptions): "train" | "eval" {
  return seedFrom(options.seed, userKey) / 4294967296 < options.evalFraction ? "eval" : "train";
}

/** The conversation from the chat's root to `messageId` inclusive, following parent links. */
function contextOf(byId: Map<string, FeedbackText>, messageId: string | null | undefined): PromptMessage[] {
  const out: PromptMessage[] = [];
  const seen = new Set<string>();
  let id = messageId ?? null;
  while (id && !seen.has(id)) {
    seen.add(id);
    const t = byId.get(id);
    if (!t) break;
    out.push({ role: t.role, content: t.text });
    id = t.parentId;
  }
  return out.reverse();
}

/** Why a label could not become a record (its texts are unknown). */
export interface RecordSkips {
  missingText: number;
  missingContext: number;
}

/**
 * Attach texts to weighted labels. Labels whose candidate texts or prompt the source does not know are counted
 * and skipped (the label stays valid; only the export cannot show it).
 */
export async function buildRecords(
  labels: readonly WeightedLabel[],
  source: TextSource,
  split: SplitOptions,
): Promise<{ records: PreferenceRecord[]; skipped: RecordSkips }> {
  const byChat = new Map<string, WeightedLabel[]>();
  for (const l of labels) {
    const k = `${l.ownerId}\u0000${l.chatId ?? ""}`;
    const list = byChat.get(k);
    if (list) list.push(l);
    else byChat.set(k, [l]);
  }
  const records: PreferenceRecord[] = [];
  const skipped: RecordSkips = { missingText: 0, missingContext: 0 };
  for (const group of byChat.values()) {
    const first = group[0] as WeightedLabel;
    const texts = first.chatId ? await source.chat(first.ownerId, first.chatId) : [];
    const byId = new Map(texts.map((t) => [t.id, t]));
    const wanted = group.flatMap((l) => [l.chosen, l.rejected, l.completion]).filter((x): x is string => !!x);
    const missing = wanted.filter((id) => !byId.has(id));
    if (missing.length) for (const [id, t] of await source.texts(first.ownerId, missing)) byId.set(id, t);
    for (const l of group) {
      const ids = l.kind === "pair" ? [l.chosen, l.rejected] : [l.completion];
      const candidates = ids.map((id) => (id ? byId.get(id) : undefined));
      if (candidates.some((t) => !t)) {
        skipped.missingText++;
        continue;
      }
      const anchor = (candidates[0] as FeedbackText).parentId ?? l.parentMessageId;
      const context = contextOf(byId, anchor);
      if (context.length === 0) {
        skipped.missingContext++;
        continue;
      }
      const userKey = `${l.ownerId}\u0000${l.userId}`;
      const record: PreferenceRecord = {
        id: l.id,
        schema_version: 1,
        created_at: l.ts,
        kind: l.kind,
        source: l.source,
        context,
        weight: l.finalWeight,
        confidence: l.confidence,
        propensity: l.propensity,
        user_hash: `u-${sha256(userKey).slice(0, 16)}`,
        chat_id: l.chatId,
        character_id: l.characterId,
        split: splitOf(userKey, split),
      };
      if (l.kind === "pair") {
        record.chosen = (candidates[0] as FeedbackText).text;
        record.rejected = (candidates[1] as FeedbackText).text;
      } else {
        record.completion = (candidates[0] as FeedbackText).text;
        record.label = l.label === true;
      }
      records.push(record);
    }
  }
  records.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  return { records, skipped };
}
