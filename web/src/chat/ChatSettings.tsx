import { useState } from "preact/hooks";
import type { ChatSummary } from "../api/types.ts";
import { NewChatDialog } from "./NewChatDialog.tsx";

/** The chat's persona, model and sampling. They are fixed when a chat starts; another set starts a new chat. */
export function ChatSettings({ chat, onClose }: { chat: ChatSummary; onClose: () => void }) {
  const [dialog, setDialog] = useState(false);
  const sampling = Object.entries(chat.sampling).filter(([, v]) => v !== undefined);
  return (
    <aside class="side-panel" aria-labelledby="settings-title">
      <div class="panel-head">
        <h2 id="settings-title">Chat settings</h2>
        <button type="button" class="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <section>
        <h3>Persona</h3>
        <p>
          <strong>{chat.persona.name}</strong>
        </p>
        {chat.persona.description && <p class="pre">{chat.persona.description}</p>}
      </section>
      <section>
        <h3>Model</h3>
        <p>{chat.model ?? "the server's default"}</p>
        <h3>Sampling</h3>
        {sampling.length === 0 ? (
          <p class="muted">the model's defaults</p>
        ) : (
          <dl class="kv">
            {sampling.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{Array.isArray(v) ? v.join(", ") : String(v)}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      {chat.characterId && (
        <button type="button" onClick={() => setDialog(true)}>
          New chat with other settings…
        </button>
      )}
      {dialog && chat.characterId && (
        <NewChatDialog
          character={{
            id: chat.characterId,
            name: chat.title,
            version: 0,
            tags: [],
            creator: "",
            hasAvatar: false,
            createdAt: 0,
            updatedAt: 0,
          }}
          onClose={() => setDialog(false)}
        />
      )}
    </aside>
  );
}
