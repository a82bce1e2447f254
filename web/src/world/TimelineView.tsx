import { worldTimeline } from "../api/client.ts";
import { useLoad } from "./use-load.ts";

/** The branch's turns with what happened and changed in each. */
export function TimelineView({ chatId }: { chatId: string }) {
  const turns = useLoad(() => worldTimeline(chatId), [chatId]);
  if (turns.error) return <p class="error">{turns.error}</p>;
  if (!turns.value) return <p aria-busy="true">Loading…</p>;
  return (
    <ol class="timeline" aria-label="Timeline">
      {turns.value.map((t) => (
        <li key={t.nodeId}>
          <p>
            <strong>Turn {t.turn}</strong> <span class="muted">{t.kind}</span>
            {t.speaker && <span> · {t.speaker}</span>}
          </p>
          {t.text && <p class="timeline-text">{t.text.length > 160 ? `${t.text.slice(0, 160)}…` : t.text}</p>}
          {t.events.length > 0 && (
            <ul class="events">
              {t.events.map((e) => (
                <li key={e.id}>
                  <span class="badge">{e.kind}</span> {e.text}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}
