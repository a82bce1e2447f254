import { memo } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message, PendingDecision, Violation } from "../api/types.ts";
import { Avatar } from "../characters/Avatar.tsx";
import { cachedMarkdown } from "../markdown/markdown-cache.ts";

/** What a message row can ask its chat to do. */
export interface MessageActions {
  swipe(message: Message, direction: "left" | "right"): void;
  regenerate(message: Message): void;
  continueReply(message: Message): void;
  edit(message: Message, text: string): Promise<void>;
  remove(message: Message): void;
  branch(message: Message): void;
  rate(message: Message, rating: { thumbs?: 1 | -1 | null; stars?: number | null }): void;
  copy(message: Message): void;
  why?(message: Message): void;
  /** Decide about a reply held for breaking a world rule. */
  decide(message: Message, pendingId: string, decision: PendingDecision): void;
  /** Register the row's element for exposure and dwell (null when it unmounts). */
  track(message: Message, element: HTMLElement | null, streaming: boolean): void;
}

export interface MessageItemProps {
  message: Message;
  /** Text while streaming (deltas so far); the stored text otherwise. */
  streamingText: string | undefined;
  characterId: string | null;
  characterHasAvatar: boolean;
  busy: boolean;
  /** The chat has a world: replies can explain themselves (their manifest). */
  worldBacked: boolean;
  /** Why the director chose this speaker (world-backed group chats). */
  reason?: string | undefined;
  /** The reply broke a world rule and waits for a decision. */
  held?: { pendingId: string; violations: Violation[] } | undefined;
  editing: boolean;
  setEditing(id: string | null): void;
  actions: MessageActions;
}

/**
 * One message: speaker, Markdown body (sanitized; plain text while it streams), swipe arrows with "2/5" for
 * replies, and actions. Keyboard: with the message focused, ← → swipe, E edits, R regenerates, C continues.
 */
export const MessageItem = memo(function MessageItem({
  message,
  streamingText,
  characterId,
  characterHasAvatar,
  busy,
  worldBacked,
  reason,
  held,
  editing,
  setEditing,
  actions,
}: MessageItemProps) {
  const streaming = streamingText !== undefined || message.status === "streaming";
  const assistant = message.role === "assistant";
  const article = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!assistant) return;
    actions.track(message, article.current, streaming);
  });
  useEffect(() => {
    const el = article.current;
    return () => {
      if (assistant) actions.track(message, null, false);
      void el;
    };
  }, [message.id]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target !== event.currentTarget || busy) return;
    if (assistant && event.key === "ArrowLeft") actions.swipe(message, "left");
    else if (assistant && event.key === "ArrowRight") actions.swipe(message, "right");
    else if (event.key === "e" || event.key === "E") setEditing(message.id);
    else if (assistant && (event.key === "r" || event.key === "R")) actions.regenerate(message);
    else if (assistant && !worldBacked && (event.key === "c" || event.key === "C")) actions.continueReply(message);
    else return;
    event.preventDefault();
  };

  const text = streamingText ?? message.text;
  const label = `${message.speaker}${assistant && message.siblingCount > 1 ? `, reply ${message.siblingIndex + 1} of ${message.siblingCount}` : ""}`;
  return (
    <article
      ref={article}
      class={`message message-${message.role} ${streaming ? "is-streaming" : ""} ${message.status === "incomplete" ? "is-incomplete" : ""}`}
      data-message-id={message.id}
      data-candidate-id={message.candidateId ?? undefined}
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a message is focusable so the keyboard can swipe and edit it
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div class="message-head">
        {assistant ? (
          <Avatar id={characterId} name={message.speaker} hasAvatar={characterHasAvatar} size="sm" />
        ) : (
          <Avatar id={null} name={message.speaker} hasAvatar={false} size="sm" />
        )}
        <span class="speaker">{message.speaker}</span>
        {message.editOf && <span class="badge">edited</span>}
        {message.status === "incomplete" && <span class="badge warn">incomplete</span>}
        {streaming && <span class="badge">writing…</span>}
        {held && <span class="badge warn">held</span>}
      </div>
      {reason && (
        <p class="director-reason muted">
          Why {message.speaker} answers: {reason}
        </p>
      )}
      {editing ? (
        <EditBox message={message} onDone={() => setEditing(null)} onSave={(t) => actions.edit(message, t)} />
      ) : streaming ? (
        <div class="message-body plain">{text}</div>
      ) : (
        // Sanitized by renderMarkdown (DOMPurify, strict profile of serving-and-app.md §4.5).
        <div class="message-body markdown" dangerouslySetInnerHTML={{ __html: cachedMarkdown(text) }} />
      )}
      {held && !editing && (
        <section class="held" aria-label="A rule of the world was broken">
          <p>This reply breaks a rule of the world; nothing of it is committed until you decide.</p>
          <ul>
            {held.violations.map((v) => (
              <li key={v.code + v.message}>{v.message}</li>
            ))}
          </ul>
          <div class="form-actions">
            <button
              type="button"
              class="small"
              onClick={() => actions.decide(message, held.pendingId, { action: "accept" })}
            >
              Accept as a retcon
            </button>
            <button
              type="button"
              class="small"
              onClick={() => actions.decide(message, held.pendingId, { action: "regenerate" })}
            >
              Regenerate
            </button>
            <button
              type="button"
              class="ghost small"
              onClick={() => actions.decide(message, held.pendingId, { action: "cancel" })}
            >
              Cancel it
            </button>
          </div>
        </section>
      )}
      {!editing && (
        <div class="message-tools">
          {assistant && (
            <fieldset class="swipes">
              <legend class="visually-hidden">Swipes</legend>
              <button
                type="button"
                class="icon"
                aria-label="Previous reply"
                disabled={busy || message.siblingIndex === 0}
                onClick={() => actions.swipe(message, "left")}
              >
                ‹
              </button>
              <span class="swipe-count" aria-live="polite">
                {message.siblingIndex + 1}/{message.siblingCount}
              </span>
              <button
                type="button"
                class="icon"
                aria-label={message.siblingIndex + 1 >= message.siblingCount ? "New reply" : "Next reply"}
                disabled={busy}
                onClick={() => actions.swipe(message, "right")}
              >
                ›
              </button>
            </fieldset>
          )}
          <div class="tool-buttons">
            <button type="button" class="ghost small" onClick={() => actions.copy(message)}>
              Copy
            </button>
            <button type="button" class="ghost small" disabled={busy} onClick={() => setEditing(message.id)}>
              Edit
            </button>
            {assistant && (
              <>
                <button type="button" class="ghost small" disabled={busy} onClick={() => actions.regenerate(message)}>
                  Regenerate
                </button>
                {!worldBacked && (
                  <button
                    type="button"
                    class="ghost small"
                    disabled={busy}
                    onClick={() => actions.continueReply(message)}
                  >
                    Continue
                  </button>
                )}
              </>
            )}
            <button type="button" class="ghost small" disabled={busy} onClick={() => actions.branch(message)}>
              Branch
            </button>
            <button type="button" class="ghost small" disabled={busy} onClick={() => actions.remove(message)}>
              Delete
            </button>
            {assistant && worldBacked && message.candidateId && actions.why && (
              <button type="button" class="ghost small" onClick={() => actions.why?.(message)}>
                Why this reply
              </button>
            )}
          </div>
          {assistant && message.candidateId && <Rating message={message} actions={actions} />}
        </div>
      )}
    </article>
  );
});

function Rating({ message, actions }: { message: Message; actions: MessageActions }) {
  const thumbs = message.rating?.thumbs ?? null;
  const stars = message.rating?.stars ?? null;
  return (
    <fieldset class="rating">
      <legend class="visually-hidden">Rate this reply</legend>
      <button
        type="button"
        class="icon"
        aria-label="Good reply"
        aria-pressed={thumbs === 1}
        onClick={() => actions.rate(message, { thumbs: thumbs === 1 ? null : 1 })}
      >
        👍
      </button>
      <button
        type="button"
        class="icon"
        aria-label="Bad reply"
        aria-pressed={thumbs === -1}
        onClick={() => actions.rate(message, { thumbs: thumbs === -1 ? null : -1 })}
      >
        👎
      </button>
      <span class="stars">
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            class={`star ${stars !== null && n <= stars ? "on" : ""}`}
            aria-label={`${n} star${n === 1 ? "" : "s"}`}
            aria-pressed={stars === n}
            onClick={() => actions.rate(message, { stars: stars === n ? null : n })}
          >
            ★
          </button>
        ))}
      </span>
    </fieldset>
  );
}

function EditBox({
  message,
  onSave,
  onDone,
}: {
  message: Message;
  onSave: (text: string) => Promise<void>;
  onDone: () => void;
}) {
  const [text, setText] = useState(message.text);
  const [error, setError] = useState<string | undefined>();
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
  }, []);
  const save = async () => {
    try {
      if (text !== message.text) await onSave(text);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="edit-box">
      <label class="visually-hidden" for={`edit-${message.id}`}>
        Edit message
      </label>
      <textarea
        id={`edit-${message.id}`}
        ref={area}
        rows={Math.min(16, Math.max(3, text.split("\n").length + 1))}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            onDone();
          } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void save();
          }
        }}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="edit-actions">
        <span class="muted">Ctrl+Enter saves · Esc cancels · the original is kept</span>
        <button type="button" class="ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={() => void save()}>
          Save edit
        </button>
      </div>
    </div>
  );
}
