import { useState } from "preact/hooks";
import { worldManifest } from "../api/client.ts";
import type { Message } from "../api/types.ts";
import { useLoad } from "./use-load.ts";

/** "Why this reply": the context manifest of a reply — every item considered for its prompt, and why. */
export function ManifestView({
  chatId,
  messages,
  focus,
}: {
  chatId: string;
  messages: Message[];
  focus: string | undefined;
}) {
  const replies = messages.filter((m) => m.role === "assistant");
  const [selected, setSelected] = useState(focus ?? replies[replies.length - 1]?.id ?? "");
  const manifest = useLoad(
    () => (selected ? worldManifest(chatId, selected) : Promise.resolve(undefined)),
    [chatId, selected],
  );
  return (
    <div class="manifest">
      <label>
        Reply
        <select value={selected} onChange={(e) => setSelected(e.currentTarget.value)}>
          {replies.map((m) => (
            <option key={m.id} value={m.id}>
              {m.speaker}: {m.text.slice(0, 60)}
            </option>
          ))}
        </select>
      </label>
      {manifest.error && <p class="error">{manifest.error}</p>}
      {manifest.value && (
        <>
          <p class="muted">
            {manifest.value.speaker} at turn {manifest.value.turn}: {manifest.value.used} of {manifest.value.budget}{" "}
            tokens used
          </p>
          <table class="manifest-items">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Tokens</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {manifest.value.items.map((item) => (
                <tr key={`${item.kind}:${item.id}`} class={item.included ? "" : "excluded"}>
                  <td>
                    <span class="badge">{item.kind}</span> {item.preview}
                  </td>
                  <td>{item.tokens}</td>
                  <td>
                    {item.included ? "" : "left out: "}
                    {item.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
