import { worldKnowledge } from "../api/client.ts";
import { useLoad } from "./use-load.ts";

/** What each character knows, how they learned it, and what they believe that is no longer true. */
export function KnowledgeView({ chatId }: { chatId: string }) {
  const knowledge = useLoad(() => worldKnowledge(chatId), [chatId]);
  if (knowledge.error) return <p class="error">{knowledge.error}</p>;
  if (!knowledge.value) return <p aria-busy="true">Loading…</p>;
  if (knowledge.value.length === 0) return <p class="muted">Nobody knows anything yet.</p>;
  return (
    <div class="knowledge">
      {knowledge.value.map((c) => (
        <section key={c.character}>
          <h3>{c.character}</h3>
          <ul>
            {c.beliefs.map((b) => (
              <li key={b.fact.id} class={b.stale ? "stale" : ""}>
                {b.fact.subject} {b.fact.predicate} {b.fact.object}
                <span class="muted">
                  {b.how ? ` · ${b.how}` : ""}
                  {b.via ? ` via ${b.via}` : ""}
                  {b.turn !== undefined ? ` at turn ${b.turn}` : ""}
                </span>
                {b.stale && <span class="badge warn">out of date</span>}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
