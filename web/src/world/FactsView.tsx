import { useState } from "preact/hooks";
import { worldFacts, worldWhy } from "../api/client.ts";
import type { Why } from "../api/types.ts";
import { useLoad } from "./use-load.ts";

/** Facts as of a turn (a slider over the branch's turns); a fact opens why it holds. */
export function FactsView({ chatId, maxTurn }: { chatId: string; maxTurn: number }) {
  const [turn, setTurn] = useState(maxTurn);
  const facts = useLoad(() => worldFacts(chatId, turn), [chatId, turn]);
  const [why, setWhy] = useState<{ fact: string; answers?: Why[]; error?: string } | undefined>();
  return (
    <div class="facts-view">
      <label class="turn-slider">
        As of turn <output>{turn}</output>
        <input
          type="range"
          min={0}
          max={maxTurn}
          value={turn}
          onInput={(e) => setTurn(Number(e.currentTarget.value))}
        />
      </label>
      {facts.error && <p class="error">{facts.error}</p>}
      {facts.value && facts.value.facts.length === 0 && <p class="muted">No facts hold at this turn.</p>}
      <ul class="fact-list" aria-label={`Facts as of turn ${turn}`}>
        {facts.value?.facts.map((f) => (
          <li key={f.id} data-fact-id={f.id}>
            <button
              type="button"
              class="fact"
              aria-expanded={why?.fact === f.id}
              onClick={async () => {
                if (why?.fact === f.id) return setWhy(undefined);
                setWhy({ fact: f.id });
                try {
                  setWhy({ fact: f.id, answers: await worldWhy(chatId, f.id) });
                } catch (e) {
                  setWhy({ fact: f.id, error: (e as Error).message });
                }
              }}
            >
              <span class="fact-subject">{f.subject}</span> <span class="fact-predicate">{f.predicate}</span>{" "}
              <span class="fact-object">{f.object}</span>
              {f.hard && <span class="badge">lore</span>}
              <span class="muted"> · since turn {f.validFrom.turn}</span>
            </button>
            {why?.fact === f.id && (
              <div class="why" aria-live="polite">
                {why.error && <p class="error">{why.error}</p>}
                {why.answers?.map((a) => (
                  <div key={a.fact.id} class="why-answer">
                    <p>{a.holdsNow ? "Holds now, because:" : "No longer holds. It held because:"}</p>
                    {/* The server's explanation: a causal chain drawn as an indented tree (event ids left out). */}
                    <div class="why-lines">
                      {a.lines.map((line, i) => (
                        <div key={i}>{line.replace(/ [\w-]+\.[0-9a-f]+\.\d+:/, ":")}</div>
                      ))}
                    </div>
                  </div>
                ))}
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
