import { useEffect, useRef, useState } from "preact/hooks";
import { exportUrl, importCard, listCharacters } from "../api/client.ts";
import type { CharacterSummary } from "../api/types.ts";
import { linkClick } from "../app/router.ts";
import { NewChatDialog } from "../chat/NewChatDialog.tsx";
import { Avatar } from "./Avatar.tsx";

const ACCEPT = ".png,.apng,.json,.charx,image/png,application/json";

/** Characters as a gallery; cards are imported by dropping PNG/JSON/CharX files anywhere here, or with a picker. */
export function Gallery() {
  const [characters, setCharacters] = useState<CharacterSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [dragging, setDragging] = useState(false);
  const [chatWith, setChatWith] = useState<CharacterSummary | undefined>();
  const picker = useRef<HTMLInputElement>(null);

  const reload = () =>
    listCharacters()
      .then(setCharacters)
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void reload();
  }, []);

  const importFiles = async (files: FileList | File[] | null) => {
    const list = Array.from(files ?? []);
    if (list.length === 0) return;
    setError(undefined);
    const failed: string[] = [];
    let done = 0;
    for (const file of list) {
      setStatus(`Importing ${file.name}…`);
      try {
        await importCard(file);
        done++;
      } catch (e) {
        failed.push(`${file.name}: ${(e as Error).message}`);
      }
    }
    setStatus(done > 0 ? `Imported ${done} card${done === 1 ? "" : "s"}.` : undefined);
    if (failed.length > 0) setError(failed.join("\n"));
    await reload();
  };

  return (
    <main
      class={`gallery ${dragging ? "dragging" : ""}`}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void importFiles(e.dataTransfer?.files ?? null);
      }}
    >
      <div class="page-head">
        <h1>Characters</h1>
        <div class="actions">
          <input
            ref={picker}
            id="card-file"
            class="visually-hidden"
            type="file"
            aria-label="Card files to import"
            tabIndex={-1}
            accept={ACCEPT}
            multiple
            onChange={(e) => {
              void importFiles(e.currentTarget.files);
              e.currentTarget.value = "";
            }}
          />
          <button type="button" class="primary" onClick={() => picker.current?.click()}>
            Import cards…
          </button>
        </div>
      </div>
      <section class="dropzone" aria-label="Import cards">
        <p>Drop character cards here: PNG, JSON or CharX.</p>
      </section>
      <p class="status" role="status" aria-live="polite">
        {status}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {characters === undefined ? (
        <p aria-busy="true">Loading characters…</p>
      ) : characters.length === 0 ? (
        <p class="empty">No characters yet. Import a card to begin.</p>
      ) : (
        <ul class="card-grid" aria-label="Your characters">
          {characters.map((c) => (
            <li key={c.id} class="character-card" data-character-id={c.id}>
              <Avatar id={c.id} name={c.name} hasAvatar={c.hasAvatar} version={c.version} size="lg" />
              <div class="character-meta">
                <h2 class="character-name">{c.name}</h2>
                {c.creator && <p class="muted">by {c.creator}</p>}
                {c.tags.length > 0 && (
                  <ul class="tags" aria-label="Tags">
                    {c.tags.slice(0, 6).map((t) => (
                      <li key={t}>{t}</li>
                    ))}
                  </ul>
                )}
              </div>
              <div class="card-actions">
                <button type="button" class="primary" onClick={() => setChatWith(c)}>
                  Chat
                </button>
                <a
                  class="button"
                  href={`/characters/${encodeURIComponent(c.id)}`}
                  onClick={(e) => linkClick(e, `/characters/${encodeURIComponent(c.id)}`)}
                >
                  Edit <span class="visually-hidden">{c.name}</span>
                </a>
                <a class="button ghost" href={exportUrl(c.id, "png")} download>
                  Export <span class="visually-hidden">{c.name}</span>
                </a>
              </div>
            </li>
          ))}
        </ul>
      )}
      {chatWith && (
        <NewChatDialog
          character={chatWith}
          others={(characters ?? []).filter((c) => c.id !== chatWith.id)}
          onClose={() => setChatWith(undefined)}
        />
      )}
    </main>
  );
}
