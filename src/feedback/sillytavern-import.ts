import { sha256 } from "../core/index.ts";
import type { ParsedLog } from "./parsed-log.ts";
import { parseStDate } from "./st-dates.ts";

/** How sure a SillyTavern reconstruction is: the file forgets views, regenerates, edits and swipe-backs. */
export const ST_CONFIDENCE = 0.3;
const SOURCE = "import:sillytavern";

interface StMessage {
  line: number;
  name: string;
  isUser: boolean;
  isSystem: boolean;
  text: string;
  swipes: string[];
  swipeId: number;
  swipeInfo: Array<Record<string, unknown> | undefined>;
  raw: Record<string, unknown>;
}

const short = (s: string) => sha256(s).slice(0, 16);
const words = (s: string) => (s.match(/\S+/g) ?? []).length;

function isHeader(o: Record<string, unknown>): boolean {
  // Both group-file generations: the old one had no header, the new one a header without `mes`.
  return typeof o.mes !== "string" && ("user_name" in o || "chat_metadata" in o || "character_name" in o);
}

function time(...values: unknown[]): number | undefined {
  for (const v of values) {
    const d = parseStDate(v);
    if (d) return d.ms;
  }
  return undefined;
}

/**
 * Turn a SillyTavern chat file (JSONL: header line, then one message per line) into feedback events and texts.
 * What the file can tell: the swipe set of an AI turn, the swipe in force when saved (`swipe_id`), per-swipe
 * timing. What it cannot: views, regenerates (deleted), edits (overwritten), swipe-backs; so every event is
 * marked confidence 0.3, greetings (authored alternates) give no preference, and a swipe's exposure is the time
 * between its generation finishing and the next swipe starting (wall time, not visible time).
 */
export function parseSillyTavernChat(content: string): ParsedLog {
  const out: ParsedLog = { events: [], eventLines: [], texts: [], issues: [], notes: [] };
  const lines = content.split(/\r?\n/);
  let header: Record<string, unknown> | undefined;
  const messages: StMessage[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      out.issues.push({ line, message: `not JSON: ${(error as Error).message}` });
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      out.issues.push({ line, message: "not a JSON object" });
      return;
    }
    const o = value as Record<string, unknown>;
    if (messages.length === 0 && !header && isHeader(o)) {
      header = o;
      return;
    }
    if (typeof o.mes !== "string") {
      out.issues.push({ line, message: "message has no `mes` text" });
      return;
    }
    const swipes = Array.isArray(o.swipes) ? o.swipes.filter((s): s is string => typeof s === "string") : [];
    const swipeId = typeof o.swipe_id === "number" && Number.isInteger(o.swipe_id) ? o.swipe_id : 0;
    messages.push({
      line,
      name: typeof o.name === "string" ? o.name : "",
      isUser: o.is_user === true,
      isSystem: o.is_system === true,
      text: o.mes,
      swipes,
      swipeId: swipes.length ? Math.min(Math.max(0, swipeId), swipes.length - 1) : 0,
      swipeInfo: Array.isArray(o.swipe_info) ? (o.swipe_info as Array<Record<string, unknown> | undefined>) : [],
      raw: o,
    });
  });
  if (messages.length === 0) return out;
  const userName = String(header?.user_name ?? messages.find((m) => m.isUser)?.name ?? "user");
  const characterName = String(header?.character_name ?? messages.find((m) => !m.isUser)?.name ?? "character");
  const first = messages[0] as StMessage;
  // Identity from content, not the file name: the same chat ingested from another path is the same chat.
  const chatId = `st-${short(`${userName}\u0000${characterName}\u0000${String(header?.create_date ?? "")}\u0000${JSON.stringify(first.raw.send_date ?? "")}\u0000${first.text}`)}`;
  const user = `st-user-${short(userName)}`;
  const characterId = `st-char-${short(characterName)}`;
  if ((header?.chat_metadata as Record<string, unknown> | undefined)?.tainted === true)
    out.notes.push(
      "chat_metadata.tainted: some AI replies were edited, but the file kept no originals, so no edit labels",
    );
  let fallbackTime = time(header?.create_date);
  let parentId: string | null = null;
  let seenUser = false;
  const visible = messages.filter((m) => !m.isSystem);
  visible.forEach((m, index) => {
    const messageId = `${chatId}.L${m.line}`;
    const at = time(m.raw.send_date, m.raw.gen_started) ?? fallbackTime;
    if (at !== undefined) fallbackTime = at;
    const common = {
      chat_id: chatId,
      user,
      character_id: characterId,
      confidence: ST_CONFIDENCE,
      source: SOURCE,
    };
    if (m.isUser) {
      seenUser = true;
      out.texts.push({
        id: messageId,
        chatId,
        parentId,
        role: "user",
        speaker: m.name,
        text: m.text,
        createdAt: at,
        source: SOURCE,
      });
      parentId = messageId;
      return;
    }
    const candidates = m.swipes.length >= 2 ? m.swipes : [m.text];
    const candidateIds = candidates.map((_, k) => `${messageId}.s${k}`);
    const chosen = m.swipes.length >= 2 ? m.swipeId : 0;
    const model = (m.raw.extra as Record<string, unknown> | undefined)?.model;
    candidates.forEach((text, k) => {
      out.texts.push({
        id: candidateIds[k] as string,
        chatId,
        parentId,
        role: "assistant",
        speaker: m.name,
        // The saved `mes` wins for the chosen swipe: a later edit or continue changed it there.
        text: k === chosen ? m.text : text,
        position: k,
        model: typeof model === "string" ? model : undefined,
        createdAt: time(m.swipeInfo[k]?.send_date, m.swipeInfo[k]?.gen_started) ?? at,
        source: SOURCE,
      });
    });
    out.texts.push({
      id: messageId,
      chatId,
      parentId,
      role: "assistant",
      speaker: m.name,
      text: m.text,
      createdAt: at,
      source: SOURCE,
    });
    const next = visible[index + 1];
    const nextUserAt = next?.isUser ? (time(next.raw.send_date) ?? undefined) : undefined;
    const push = (event: Record<string, unknown>) => {
      if (typeof event.created_at_client !== "number") {
        out.issues.push({ line: m.line, message: `no readable date for a ${String(event.type)} event; skipped` });
        return;
      }
      out.events.push({ ...common, ...event });
      out.eventLines.push(m.line);
    };
    const greeting = !seenUser;
    if (candidates.length >= 2 && !greeting) {
      for (let k = 0; k < candidates.length; k++) {
        const info = m.swipeInfo[k];
        const start = time(info?.gen_started, info?.send_date) ?? (k === 0 ? at : undefined);
        const finished = time(info?.gen_finished, info?.send_date, info?.gen_started);
        const nextInfo = m.swipeInfo[k + 1];
        const end =
          k + 1 < candidates.length
            ? time(nextInfo?.gen_started, nextInfo?.send_date)
            : k === chosen
              ? nextUserAt
              : undefined;
        if (k > 0)
          push({
            event_id: `${candidateIds[k]}.swipe`,
            type: "swipe",
            created_at_client: start,
            message_id: messageId,
            parent_message_id: parentId ?? undefined,
            candidate_id: candidateIds[k],
            payload: {
              from_candidate_id: candidateIds[k - 1],
              to_candidate_id: candidateIds[k],
              from_position: k - 1,
              to_position: k,
              direction: "right",
              generated: true,
            },
          });
        if (finished !== undefined && end !== undefined && end >= finished)
          push({
            event_id: `${candidateIds[k]}.exposure`,
            type: "exposure",
            created_at_client: finished,
            message_id: messageId,
            parent_message_id: parentId ?? undefined,
            candidate_id: candidateIds[k],
            positions: [k],
            payload: { visible_ms: end - finished, max_visible_fraction: 1, words: words(candidates[k] as string) },
          });
      }
    }
    if (next?.isUser && !greeting)
      push({
        event_id: `${messageId}.reply`,
        type: "reply",
        created_at_client: nextUserAt ?? at,
        message_id: messageId,
        parent_message_id: parentId ?? undefined,
        candidate_id: candidateIds[chosen],
        candidate_ids: candidateIds,
        positions: candidateIds.map((_, k) => k),
        payload: { chosen_candidate_id: candidateIds[chosen], chars: next.text.length, words: words(next.text) },
      });
    parentId = messageId;
  });
  return out;
}
