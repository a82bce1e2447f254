import { useEffect, useRef, useState } from "preact/hooks";
import { createChat } from "../api/client.ts";
import type { CharacterSummary, Sampling } from "../api/types.ts";
import { navigate } from "../app/router.ts";
import { savedPersona, savePersona } from "./persona-store.ts";

/** Start a chat: the persona you play (name, description), and the model and sampling this chat uses. */
export function NewChatDialog({
  character,
  others = [],
  onClose,
}: {
  character: CharacterSummary;
  /** Other characters that may join the scene (a world-backed group chat). */
  others?: CharacterSummary[];
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const initial = savedPersona();
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description ?? "");
  const [model, setModel] = useState("");
  const [temperature, setTemperature] = useState("");
  const [topP, setTopP] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [world, setWorld] = useState(false);
  const [cast, setCast] = useState<string[]>([]);
  const group = cast.length > 0;

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const sampling: Sampling = {};
    if (temperature !== "") sampling.temperature = Number(temperature);
    if (topP !== "") sampling.topP = Number(topP);
    if (maxTokens !== "") sampling.maxTokens = Number(maxTokens);
    const persona = { name: name.trim() || "You", description };
    try {
      savePersona(persona);
      const view = await createChat({
        ...(world || group ? { world: true, characterIds: [character.id, ...cast] } : { characterId: character.id }),
        persona,
        ...(model.trim() ? { model: model.trim() } : {}),
        ...(Object.keys(sampling).length > 0 ? { sampling } : {}),
      });
      dialog.current?.close();
      navigate(`/chats/${encodeURIComponent(view.chat.id)}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="card dialog" aria-labelledby="new-chat-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="new-chat-title">Chat with {character.name}</h2>
        <fieldset>
          <legend>Your persona</legend>
          <label>
            Name
            <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Description
            <textarea rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
        </fieldset>
        <fieldset>
          <legend>World</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={world || group}
              disabled={group}
              onChange={(e) => setWorld(e.currentTarget.checked)}
            />
            Keep a world: facts, timeline, what each character knows, branches
          </label>
          {others.length > 0 && (
            <div class="cast">
              <p class="muted">Also in the scene (a group chat; the director picks who answers):</p>
              {others.map((o) => (
                <label class="check" key={o.id}>
                  <input
                    type="checkbox"
                    checked={cast.includes(o.id)}
                    onChange={(e) =>
                      setCast(e.currentTarget.checked ? [...cast, o.id] : cast.filter((id) => id !== o.id))
                    }
                  />
                  {o.name}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Model and sampling</legend>
          <label>
            Model <span class="muted">(empty: the server's default)</span>
            <input value={model} onInput={(e) => setModel(e.currentTarget.value)} placeholder="default" />
          </label>
          <div class="row">
            <label>
              Temperature
              <input
                type="number"
                min="0"
                max="2"
                step="0.05"
                value={temperature}
                onInput={(e) => setTemperature(e.currentTarget.value)}
              />
            </label>
            <label>
              Top p
              <input
                type="number"
                min="0.01"
                max="1"
                step="0.01"
                value={topP}
                onInput={(e) => setTopP(e.currentTarget.value)}
              />
            </label>
            <label>
              Max tokens
              <input
                type="number"
                min="1"
                max="32768"
                step="1"
                value={maxTokens}
                onInput={(e) => setMaxTokens(e.currentTarget.value)}
              />
            </label>
          </div>
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="ghost" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Start chat
          </button>
        </div>
      </form>
    </dialog>
  );
}
