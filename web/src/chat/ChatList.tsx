import { useEffect, useState } from "preact/hooks";
import { deleteChat, listChats } from "../api/client.ts";
import type { ChatSummary } from "../api/types.ts";
import { linkClick } from "../app/router.ts";

/** The signed-in user's chats, most recent first. */
export function ChatList() {
  const [chats, setChats] = useState<ChatSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const reload = () =>
    listChats()
      .then(setChats)
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void reload();
  }, []);
  return (
    <main class="chat-list">
      <div class="page-head">
        <h1>Chats</h1>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {chats === undefined ? (
        <p aria-busy="true">Loading chats…</p>
      ) : chats.length === 0 ? (
        <p class="empty">No chats yet. Start one from a character.</p>
      ) : (
        <ul class="list" aria-label="Your chats">
          {chats.map((chat) => {
            const path = `/chats/${encodeURIComponent(chat.id)}`;
            return (
              <li key={chat.id} data-chat-id={chat.id}>
                <a href={path} onClick={(e) => linkClick(e, path)}>
                  <span class="chat-title">{chat.title}</span>
                  <span class="muted">
                    {chat.worldId ? "world · " : ""}
                    {chat.branchedFrom ? "branch · " : ""}
                    {new Date(chat.updatedAt).toLocaleString()}
                  </span>
                </a>
                <button
                  type="button"
                  class="ghost"
                  onClick={async () => {
                    if (!confirm(`Delete "${chat.title}" with all its messages?`)) return;
                    await deleteChat(chat.id).catch((e: Error) => setError(e.message));
                    await reload();
                  }}
                >
                  Delete <span class="visually-hidden">{chat.title}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}
