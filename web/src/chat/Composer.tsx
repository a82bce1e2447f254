import { useEffect, useRef, useState } from "preact/hooks";

export interface ComposerProps {
  busy: boolean;
  personaName: string;
  onSend(text: string): void;
  onStop(): void;
  /** ← / → in an empty composer swipe the last reply. */
  onSwipeLast(direction: "left" | "right"): void;
  /** ↑ in an empty composer edits the last message. */
  onEditLast(): void;
  /** The first character typed into an empty box (when the person starts writing). */
  onFirstKey?(): void;
}

/** The message box. Enter sends, Shift+Enter starts a new line. */
export function Composer({ busy, personaName, onSend, onStop, onSwipeLast, onEditLast, onFirstKey }: ComposerProps) {
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!busy) area.current?.focus();
  }, [busy]);
  const send = () => {
    const value = text.trim();
    if (!value || busy) return;
    onSend(value);
    setText("");
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label class="visually-hidden" for="composer-input">
        Message as {personaName}
      </label>
      <textarea
        id="composer-input"
        ref={area}
        rows={2}
        placeholder={`Message as ${personaName}…  (Enter sends, Shift+Enter new line; ← → swipe, ↑ edit)`}
        value={text}
        onInput={(e) => {
          if (text === "" && e.currentTarget.value !== "") onFirstKey?.();
          setText(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (text === "" && !busy && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
            e.preventDefault();
            onSwipeLast(e.key === "ArrowLeft" ? "left" : "right");
          } else if (text === "" && !busy && e.key === "ArrowUp") {
            e.preventDefault();
            onEditLast();
          }
        }}
      />
      {busy ? (
        <button type="button" class="danger" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" class="primary" disabled={text.trim() === ""}>
          Send
        </button>
      )}
    </form>
  );
}
