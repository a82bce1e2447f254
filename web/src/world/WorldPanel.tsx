import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/api-error.ts";
import { worldFacts } from "../api/client.ts";
import type { ChatSummary, FactsAsOf, Message } from "../api/types.ts";
import { AwayDigest } from "./AwayDigest.tsx";
import { BranchTree } from "./BranchTree.tsx";
import { FactsView } from "./FactsView.tsx";
import { KnowledgeView } from "./KnowledgeView.tsx";
import { ManifestView } from "./ManifestView.tsx";
import { TimelineView } from "./TimelineView.tsx";

const TABS = ["facts", "timeline", "knowledge", "branches", "why", "away"] as const;
type Tab = (typeof TABS)[number];
const LABELS: Record<Tab, string> = {
  facts: "Facts",
  timeline: "Timeline",
  knowledge: "Knowledge",
  branches: "Branches",
  why: "Why this reply",
  away: "While away",
};

/** The world beside a world-backed chat: facts as of a turn, timeline, knowledge, branches, manifests, away time. */
export function WorldPanel({
  chat,
  messages,
  focusMessage,
  onClose,
}: {
  chat: ChatSummary;
  messages: Message[];
  focusMessage: string | undefined;
  onClose: () => void;
}) {
  const [tab, setTab] = useState<Tab>(focusMessage ? "why" : "facts");
  const [now, setNow] = useState<FactsAsOf | undefined>();
  const [missing, setMissing] = useState<string | undefined>();

  useEffect(() => {
    if (focusMessage) setTab("why");
  }, [focusMessage]);
  useEffect(() => {
    worldFacts(chat.id)
      .then(setNow)
      .catch((e: Error) =>
        setMissing(e instanceof ApiError && e.status === 404 ? "This chat has no world behind it." : e.message),
      );
  }, [chat.id, messages.length]);

  return (
    <aside class="side-panel world-panel" aria-labelledby="world-title">
      <div class="panel-head">
        <h2 id="world-title">World</h2>
        <button type="button" class="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {missing ? (
        <p class="muted">{missing}</p>
      ) : !now ? (
        <p aria-busy="true">Loading the world…</p>
      ) : (
        <>
          <div class="tabs" role="tablist" aria-label="World views">
            {TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                id={`world-tab-${t}`}
                aria-selected={tab === t}
                aria-controls="world-tabpanel"
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
                onKeyDown={(e) => {
                  const i = TABS.indexOf(t);
                  const next =
                    e.key === "ArrowRight"
                      ? TABS[(i + 1) % TABS.length]
                      : e.key === "ArrowLeft"
                        ? TABS[(i + TABS.length - 1) % TABS.length]
                        : undefined;
                  if (next) {
                    e.preventDefault();
                    setTab(next);
                    document.getElementById(`world-tab-${next}`)?.focus();
                  }
                }}
              >
                {LABELS[t]}
              </button>
            ))}
          </div>
          <div id="world-tabpanel" role="tabpanel" aria-labelledby={`world-tab-${tab}`} class="tabpanel">
            {tab === "facts" && <FactsView chatId={chat.id} maxTurn={now.turn} />}
            {tab === "timeline" && <TimelineView chatId={chat.id} />}
            {tab === "knowledge" && <KnowledgeView chatId={chat.id} />}
            {tab === "branches" && <BranchTree chatId={chat.id} />}
            {tab === "why" && <ManifestView chatId={chat.id} messages={messages} focus={focusMessage} />}
            {tab === "away" && <AwayDigest chatId={chat.id} />}
          </div>
        </>
      )}
    </aside>
  );
}
