import { useState } from "preact/hooks";
import { acceptAway, discardAway, worldAway } from "../api/client.ts";
import type { AwayProposal } from "../api/types.ts";

/**
 * Let story time pass while away: the characters act off-screen; the digest is accepted, edited (only its first
 * steps kept) or discarded.
 */
export function AwayDigest({ chatId }: { chatId: string }) {
  const [duration, setDuration] = useState("8h");
  const [proposal, setProposal] = useState<AwayProposal | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [editing, setEditing] = useState(false);
  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  /** Accept (all, or the first steps kept) or discard the proposal, then say what became of it. */
  const settle = (call: () => Promise<unknown>, status: "accepted" | "discarded", message: string) =>
    act(async () => {
      if (!proposal) return;
      await call();
      setProposal({ ...proposal, status });
      setEditing(false);
      setStatus(message);
    });
  return (
    <div class="away">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            setStatus(undefined);
            setEditing(false);
            setProposal(await worldAway(chatId, duration));
          });
        }}
      >
        <label>
          Story time that passes
          <input value={duration} onInput={(e) => setDuration(e.currentTarget.value)} placeholder="8h, 1d 3h, 45m" />
        </label>
        <button type="submit" disabled={busy}>
          Simulate
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      {status && <p role="status">{status}</p>}
      {proposal && proposal.status === "proposal" && (
        <section class="digest" aria-label="Away digest">
          <p class="pre">{proposal.text}</p>
          <ol>
            {proposal.steps.map((s, i) => {
              // Committed steps counted so far: keeping "up to here" keeps this many.
              const kept = proposal.steps.slice(0, i + 1).filter((x) => !x.rejected && x.node).length;
              return (
                <li key={i} class={s.rejected ? "excluded" : ""}>
                  <strong>{s.actor}</strong> {s.action}
                  {s.changes.length > 0 && <span class="muted"> — {s.changes.join("; ")}</span>}
                  {s.rejected && <span class="badge warn">not committed: {s.rejected}</span>}
                  {editing && !s.rejected && s.node && (
                    <button
                      type="button"
                      class="ghost"
                      disabled={busy}
                      onClick={() =>
                        settle(
                          () => acceptAway(chatId, proposal.id, kept),
                          "accepted",
                          `Accepted the first ${kept} step${kept === 1 ? "" : "s"}; the rest never happened.`,
                        )
                      }
                    >
                      Keep up to here
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          <div class="form-actions">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() =>
                settle(() => acceptAway(chatId, proposal.id), "accepted", "Accepted: the chat continues after it.")
              }
            >
              Accept
            </button>
            <button
              type="button"
              class="ghost"
              disabled={busy}
              onClick={() =>
                settle(() => discardAway(chatId, proposal.id), "discarded", "Discarded: none of it reaches the chat.")
              }
            >
              Discard
            </button>
            <button
              type="button"
              class="ghost"
              disabled={busy}
              aria-pressed={editing}
              onClick={() => setEditing(!editing)}
            >
              {editing ? "Done editing" : "Edit digest"}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
