import { useEffect, useMemo, useState } from "preact/hooks";
import { deleteCharacter, exportUrl, getCharacter, updateCharacter } from "../api/client.ts";
import type { Character, CharacterFields } from "../api/types.ts";
import { navigate } from "../app/router.ts";
import { renderMarkdown } from "../markdown/render-markdown.ts";
import { Avatar } from "./Avatar.tsx";

type TextField = Exclude<keyof CharacterFields, "alternate_greetings" | "tags" | "character_book" | "extensions">;

const FIELDS: Array<{ key: TextField; label: string; rows: number }> = [
  { key: "name", label: "Name", rows: 1 },
  { key: "nickname", label: "Nickname", rows: 1 },
  { key: "description", label: "Description", rows: 6 },
  { key: "personality", label: "Personality", rows: 3 },
  { key: "scenario", label: "Scenario", rows: 3 },
  { key: "first_mes", label: "First message (greeting)", rows: 5 },
  { key: "mes_example", label: "Example messages", rows: 5 },
  { key: "system_prompt", label: "System prompt", rows: 3 },
  { key: "post_history_instructions", label: "Post-history instructions", rows: 3 },
  { key: "creator_notes", label: "Creator notes", rows: 3 },
  { key: "creator", label: "Creator", rows: 1 },
  { key: "character_version", label: "Character version", rows: 1 },
];

/** What the editor holds: the card's text fields, greetings and tags. */
type Draft = Record<TextField, string> & { alternate_greetings: string[]; tags: string };

function draftOf(character: Character): Draft {
  const data = ((character.card as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : "");
  const draft = { alternate_greetings: [] as string[], tags: "" } as Draft;
  for (const f of FIELDS) draft[f.key] = text(f.key);
  draft.alternate_greetings = Array.isArray(data["alternate_greetings"])
    ? (data["alternate_greetings"] as unknown[]).filter((g): g is string => typeof g === "string")
    : [];
  draft.tags = Array.isArray(data["tags"]) ? (data["tags"] as string[]).join(", ") : "";
  return draft;
}

/** Edit a character's card fields; export the card as PNG, JSON or CharX; delete it. */
export function CharacterEditor({ id }: { id: string }) {
  const [character, setCharacter] = useState<Character | undefined>();
  const [draft, setDraft] = useState<Draft | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  useEffect(() => {
    getCharacter(id)
      .then((c) => {
        setCharacter(c);
        setDraft(draftOf(c));
      })
      .catch((e: Error) => setError(e.message));
  }, [id]);

  const notes = useMemo(
    () => (draft?.creator_notes ? renderMarkdown(draft.creator_notes) : ""),
    [draft?.creator_notes],
  );

  if (error && !character)
    return (
      <main class="editor">
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  if (!character || !draft)
    return (
      <main class="editor" aria-busy="true">
        <p>Loading…</p>
      </main>
    );

  const save = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const fields: CharacterFields = {};
    for (const f of FIELDS) (fields as Record<string, unknown>)[f.key] = draft[f.key];
    fields.alternate_greetings = draft.alternate_greetings;
    fields.tags = draft.tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    try {
      const updated = await updateCharacter(id, fields);
      setCharacter(updated);
      setDraft(draftOf(updated));
      setStatus(`Saved (version ${updated.version}).`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const set = (key: TextField, value: string) => setDraft({ ...draft, [key]: value });

  return (
    <main class="editor">
      <div class="page-head">
        <Avatar id={character.id} name={character.name} hasAvatar={character.hasAvatar} version={character.version} />
        <h1>{character.name}</h1>
        <div class="actions">
          <a class="button" href={exportUrl(id, "png")} download>
            Export PNG
          </a>
          <a class="button" href={exportUrl(id, "json")} download>
            Export JSON
          </a>
          <a class="button" href={exportUrl(id, "charx")} download>
            Export CharX
          </a>
        </div>
      </div>
      {character.warnings.length > 0 && (
        <ul class="warnings" aria-label="Import warnings">
          {character.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <form class="card-form" onSubmit={save}>
        {FIELDS.map((f) => (
          <div class="field" key={f.key}>
            <label for={`field-${f.key}`}>{f.label}</label>
            {f.rows === 1 ? (
              <input
                id={`field-${f.key}`}
                name={f.key}
                value={draft[f.key]}
                required={f.key === "name"}
                onInput={(e) => set(f.key, e.currentTarget.value)}
              />
            ) : (
              <textarea
                id={`field-${f.key}`}
                name={f.key}
                rows={f.rows}
                value={draft[f.key]}
                onInput={(e) => set(f.key, e.currentTarget.value)}
              />
            )}
          </div>
        ))}
        {notes && (
          <section class="notes-preview" aria-label="Creator notes preview">
            {/* Sanitized by renderMarkdown (DOMPurify, strict profile). */}
            <div class="markdown" dangerouslySetInnerHTML={{ __html: notes }} />
          </section>
        )}
        <fieldset>
          <legend>Alternate greetings</legend>
          {draft.alternate_greetings.map((g, i) => (
            <div class="greeting" key={i}>
              <label>
                Greeting {i + 2}
                <textarea
                  rows={3}
                  value={g}
                  onInput={(e) => {
                    const next = [...draft.alternate_greetings];
                    next[i] = e.currentTarget.value;
                    setDraft({ ...draft, alternate_greetings: next });
                  }}
                />
              </label>
              <button
                type="button"
                class="ghost"
                onClick={() =>
                  setDraft({ ...draft, alternate_greetings: draft.alternate_greetings.filter((_, j) => j !== i) })
                }
              >
                Remove greeting {i + 2}
              </button>
            </div>
          ))}
          <button
            type="button"
            onClick={() => setDraft({ ...draft, alternate_greetings: [...draft.alternate_greetings, ""] })}
          >
            Add a greeting
          </button>
        </fieldset>
        <label>
          Tags <span class="muted">(comma-separated)</span>
          <input name="tags" value={draft.tags} onInput={(e) => setDraft({ ...draft, tags: e.currentTarget.value })} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <p class="status" role="status" aria-live="polite">
          {status}
        </p>
        <div class="form-actions">
          <button type="submit" class="primary">
            Save
          </button>
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!confirm(`Delete ${character.name}? Chats with them stay readable.`)) return;
              await deleteCharacter(id).catch((e: Error) => setError(e.message));
              navigate("/");
            }}
          >
            Delete character
          </button>
        </div>
      </form>
    </main>
  );
}
