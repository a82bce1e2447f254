import { lazy, Suspense } from "preact/compat";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { generate, getCharacter, getChat, listCharacters } from "../api/client.ts";
import type { ChatView, Message, Violation } from "../api/types.ts";
import { getCapture } from "../app/capture-instance.ts";
import { linkClick, navigate } from "../app/router.ts";
import { Avatar } from "../characters/Avatar.tsx";
import { type EventContext, newEventId, wordCount } from "../signals/index.ts";
import { ChatSettings } from "./ChatSettings.tsx";
import { Composer } from "./Composer.tsx";
import { chatActions } from "./chat-actions.ts";
import { type MessageActions, MessageItem } from "./MessageItem.tsx";
import { type Generation, placeholderReply, withMessage, withReply } from "./shown-path.ts";
import { StreamBuffer } from "./stream-buffer.ts";
import { VirtualList } from "./VirtualList.tsx";

// The world panel (facts, timeline, knowledge, branches, manifest) loads only when opened.
const WorldPanel = lazy(() => import("../world/WorldPanel.tsx").then((m) => ({ default: m.WorldPanel })));

/** A chat: the shown path of messages (virtualized), the composer, and the settings and world side panels. */
export function ChatScreen({ id, panel }: { id: string; panel: "world" | "settings" | null }) {
  const [view, setView] = useState<ChatView | undefined>();
  const [local, setLocal] = useState<Message[] | undefined>();
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<string | null>(null);
  const [hasAvatar, setHasAvatar] = useState(false);
  // The cast by name (group chats: each reply shows its own speaker's avatar).
  const [cast, setCast] = useState<Record<string, { id: string; hasAvatar: boolean }>>({});
  const [follow, setFollow] = useState(0);
  const [whyMessage, setWhyMessage] = useState<string | undefined>();
  const [announce, setAnnounce] = useState("");
  const [notice, setNotice] = useState<string | undefined>();
  // World-backed chats: why the director chose each speaker, and replies held for breaking a world rule.
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [held, setHeld] = useState<Record<string, { pendingId: string; violations: Violation[] }>>({});
  const scroller = useRef<HTMLDivElement>(null);
  const abort = useRef<AbortController | null>(null);
  /** When the person started typing the message being written (performance.now()), for the reply event. */
  const firstKeyAt = useRef<number | undefined>(undefined);
  const buffer = useMemo(() => new StreamBuffer(setTexts), []);
  const elements = useRef(new Map<string, HTMLElement>());
  const state = useRef({ view, local, busy, cast });
  state.current = { view, local, busy, cast };

  const messages = local ?? view?.messages ?? [];
  const chat = view?.chat;

  const reload = async () => {
    const next = await getChat(id);
    setView(next);
    setLocal(undefined);
    return next;
  };

  useEffect(() => {
    setView(undefined);
    setError(undefined);
    reload().catch((e: Error) => setError(e.message));
    return () => abort.current?.abort();
  }, [id]);

  const castIds = (chat?.characterIds ?? []).join(",");
  const worldBacked = !!chat?.worldId;
  useEffect(() => {
    const ids = castIds ? castIds.split(",") : [];
    // A world chat whose summary names no cast: match speakers against the user's characters by name.
    const load =
      ids.length > 0 || !worldBacked
        ? Promise.all(ids.map((c) => getCharacter(c).catch(() => undefined)))
        : listCharacters().catch(() => []);
    load.then((found) => {
      const byName: Record<string, { id: string; hasAvatar: boolean }> = {};
      for (const c of found) if (c) byName[c.name] = { id: c.id, hasAvatar: c.hasAvatar };
      setCast(byName);
      const main = found.find((c) => c?.id === chat?.characterId) ?? found[0];
      setHasAvatar(main?.hasAvatar ?? false);
    });
  }, [castIds, worldBacked]);

  // Exposure and dwell are measured inside the chat's scroller.
  useEffect(() => {
    const capture = getCapture();
    capture?.tracker.setRoot(scroller.current);
    return () => capture?.tracker.setRoot(null);
  }, [view !== undefined]);

  const contextOf = (m: Message): EventContext & { message_id: string } => {
    // In a group chat the character is the reply's speaker; otherwise the chat's one character.
    const characterId =
      (m.role === "assistant" ? state.current.cast[m.speaker]?.id : undefined) ?? state.current.view?.chat.characterId;
    return {
      chat_id: m.chatId,
      ...(characterId ? { character_id: characterId } : {}),
      message_id: m.id,
      ...(m.parentId ? { parent_message_id: m.parentId } : {}),
      ...(m.candidateId ? { candidate_id: m.candidateId } : {}),
    };
  };

  // The last reply on screen is what a leave is about.
  const lastReply = [...messages].reverse().find((m) => m.role === "assistant");
  useEffect(() => {
    getCapture()?.setLastReply(lastReply ? contextOf(lastReply) : undefined);
  }, [lastReply?.id]);

  const run = async (generation: Generation) => {
    if (state.current.busy) return;
    const base = state.current.local ?? state.current.view?.messages ?? [];
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    const controller = new AbortController();
    abort.current = controller;
    let working = [...base];
    const commit = () => setLocal([...working]);
    const speaker = state.current.view?.chat.title ?? "";
    try {
      const target = generation.kind === "send" ? undefined : generation.message;
      const stream = generate(
        generation.kind,
        id,
        generation.kind === "send"
          ? { text: generation.text, clientMessageId: newEventId() }
          : { messageId: generation.message.id },
        controller.signal,
      );
      for await (const event of stream) {
        if (event.type === "message") {
          working.push(event.message);
          commit();
        } else if (event.type === "start") {
          const shown = event.replies.find((r) => r.displayedPosition === 0) ?? event.replies[0];
          if (!shown) continue;
          const reason = shown.reason;
          if (reason) setReasons((r) => ({ ...r, [shown.messageId]: reason }));
          const placeholder = placeholderReply(generation, shown, working, id, speaker);
          working = withReply(working, placeholder, target);
          buffer.begin(shown.messageId, placeholder.text);
          commit();
        } else if (event.type === "delta") buffer.append(event.messageId, event.text);
        else if (event.type === "done") {
          buffer.end(event.message.id);
          working = withMessage(working, event.message);
          commit();
          if (event.error) setError(event.error.message);
          else setAnnounce(`${event.message.speaker} replied.`);
          if (generation.kind === "continue" && !event.error)
            getCapture()?.emit("continue", contextOf(event.message), {
              added_chars: Math.max(0, event.message.text.length - generation.message.text.length),
            });
        } else if (event.type === "held") {
          buffer.end(event.message.id);
          working = withMessage(working, event.message);
          commit();
          setHeld((h) => ({ ...h, [event.message.id]: { pendingId: event.pendingId, violations: event.violations } }));
          setAnnounce(`${event.message.speaker}'s reply breaks a rule of the world and waits for your decision.`);
        } else if (event.type === "no_reply") setNotice(`Nobody answers: ${event.reason}`);
        else if (event.type === "error") setError(event.error.message);
      }
    } catch (e) {
      if ((e as Error).name !== "AbortError") setError((e as Error).message);
    } finally {
      abort.current = null;
      buffer.clear();
      await reload().catch((e: Error) => setError(e.message));
      setBusy(false);
    }
  };

  const actions: MessageActions = useMemo(
    () =>
      chatActions({
        chatId: id,
        isBusy: () => state.current.busy,
        run,
        reload,
        showView: (next) => {
          setView(next);
          setLocal(undefined);
        },
        patchMessage: (messageId, patch) =>
          setView((v) =>
            v ? { ...v, messages: v.messages.map((m) => (m.id === messageId ? { ...m, ...patch } : m)) } : v,
          ),
        setError,
        setNotice,
        announce: setAnnounce,
        clearHeld: (messageId) =>
          setHeld((h) => {
            const next = { ...h };
            delete next[messageId];
            return next;
          }),
        showWhy: (messageId) => {
          setWhyMessage(messageId);
          navigate(`/chats/${encodeURIComponent(id)}?panel=world`);
        },
        contextOf,
        elements: elements.current,
      }),
    [id],
  );

  // A selection copied with the keyboard or the context menu counts as a copy of the reply it came from.
  const onCopy = (event: ClipboardEvent) => {
    const node = (event.target as Node | null)?.parentElement?.closest<HTMLElement>("[data-message-id]");
    const message = node && messages.find((m) => m.id === node.dataset["messageId"]);
    if (!message) return;
    getCapture()?.emit("copy", contextOf(message), { chars: String(getSelection() ?? "").length });
  };

  const send = (text: string) => {
    const capture = getCapture();
    if (capture && lastReply) {
      const shownAt = capture.tracker.shownAt(lastReply.id);
      const firstKey = firstKeyAt.current;
      capture.emit("reply", contextOf(lastReply), {
        ...(lastReply.candidateId ? { chosen_candidate_id: lastReply.candidateId } : {}),
        chars: text.length,
        words: wordCount(text),
        ...(shownAt !== undefined ? { latency_ms: Math.round(performance.now() - shownAt) } : {}),
        ...(shownAt !== undefined && firstKey !== undefined && firstKey >= shownAt
          ? { first_key_ms: Math.round(firstKey - shownAt) }
          : {}),
      });
    }
    firstKeyAt.current = undefined;
    setFollow((n) => n + 1);
    void run({ kind: "send", text });
  };

  if (error && !view)
    return (
      <main class="chat-screen">
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  if (!view || !chat)
    return (
      <main class="chat-screen" aria-busy="true">
        <p>Loading chat…</p>
      </main>
    );

  const panelPath = (p: string | null) => `/chats/${encodeURIComponent(id)}${p ? `?panel=${p}` : ""}`;
  const togglePanel = (p: "world" | "settings") => navigate(panelPath(panel === p ? null : p), true);

  return (
    <main class={`chat-screen ${panel ? "with-panel" : ""}`}>
      <div class="chat-main">
        <header class="chat-head">
          <Avatar id={chat.characterId} name={chat.title} hasAvatar={hasAvatar} />
          <div class="chat-title-block">
            <h1>{chat.title}</h1>
            <p class="muted">
              as {chat.persona.name}
              {chat.model ? ` · ${chat.model}` : ""}
              {chat.branchedFrom && (
                <>
                  {" · branched from "}
                  <a
                    href={`/chats/${encodeURIComponent(chat.branchedFrom.chatId)}`}
                    onClick={(e) => linkClick(e, `/chats/${encodeURIComponent(chat.branchedFrom?.chatId ?? "")}`)}
                  >
                    another chat
                  </a>
                </>
              )}
            </p>
          </div>
          <div class="chat-head-actions">
            <button type="button" aria-pressed={panel === "settings"} onClick={() => togglePanel("settings")}>
              Settings
            </button>
            {chat.worldId && (
              <button type="button" aria-pressed={panel === "world"} onClick={() => togglePanel("world")}>
                World
              </button>
            )}
          </div>
        </header>
        <div
          class="messages"
          ref={scroller}
          role="log"
          aria-label={`Chat with ${chat.title}`}
          aria-busy={busy}
          onCopy={onCopy}
        >
          <VirtualList
            items={messages}
            keyOf={(m) => m.id}
            estimate={(m) => 96 + Math.ceil(m.text.length / 70) * 22}
            scroller={scroller}
            followToken={follow}
            render={(m) => (
              <MessageItem
                message={m}
                streamingText={texts[m.id]}
                characterId={cast[m.speaker]?.id ?? chat.characterId}
                characterHasAvatar={cast[m.speaker]?.hasAvatar ?? hasAvatar}
                busy={busy}
                worldBacked={chat.worldId !== null}
                reason={reasons[m.id]}
                held={held[m.id]}
                editing={editing === m.id}
                setEditing={setEditing}
                actions={actions}
              />
            )}
          />
        </div>
        <p class="visually-hidden" aria-live="polite">
          {announce}
        </p>
        {notice && (
          <p class="notice chat-error" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p class="error chat-error" role="alert">
            {error}
          </p>
        )}
        <Composer
          busy={busy}
          personaName={chat.persona.name}
          onSend={send}
          onStop={() => abort.current?.abort()}
          onFirstKey={() => {
            firstKeyAt.current ??= performance.now();
          }}
          onSwipeLast={(direction) => {
            if (lastReply) actions.swipe(lastReply, direction);
          }}
          onEditLast={() => {
            const last = messages[messages.length - 1];
            if (last) setEditing(last.id);
          }}
        />
      </div>
      {panel === "settings" && <ChatSettings chat={chat} onClose={() => togglePanel("settings")} />}
      {panel === "world" && (
        <Suspense fallback={<aside class="side-panel">Loading the world…</aside>}>
          <WorldPanel chat={chat} messages={messages} focusMessage={whyMessage} onClose={() => togglePanel("world")} />
        </Suspense>
      )}
    </main>
  );
}
