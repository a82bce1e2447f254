import type { ComponentChildren } from "preact";
import { checkoutBranch, worldBranches } from "../api/client.ts";
import type { Branches } from "../api/types.ts";
import { useLoad } from "./use-load.ts";

type Branch = Branches["branches"][number];

/** The world's branches drawn as a tree (each under the branch it forked from); another branch can be continued. */
export function BranchTree({ chatId }: { chatId: string }) {
  const branches = useLoad(() => worldBranches(chatId), [chatId]);
  if (branches.error) return <p class="error">{branches.error}</p>;
  if (!branches.value) return <p aria-busy="true">Loading…</p>;
  const all = branches.value.branches;
  const children = new Map<string, Branch[]>();
  const roots: Branch[] = [];
  for (const b of all) {
    if (b.forkedFrom && all.some((p) => p.name === b.forkedFrom)) {
      const list = children.get(b.forkedFrom) ?? [];
      list.push(b);
      children.set(b.forkedFrom, list);
    } else roots.push(b);
  }
  const node = (b: Branch): ComponentChildren => (
    <li key={b.name} aria-current={b.current ? "true" : undefined}>
      <div class="branch-node">
        <strong>{b.name}</strong>
        <span class="muted">
          {b.baseTurn !== undefined ? ` forked at turn ${b.baseTurn} ·` : ""} head turn {b.headTurn}
        </span>
        {b.status !== "active" && <span class="badge">{b.status}</span>}
        {b.current ? (
          <span class="badge">current</span>
        ) : (
          b.status !== "discarded" && (
            <button
              type="button"
              class="ghost small"
              onClick={async () => {
                await checkoutBranch(chatId, b.name);
                branches.reload();
              }}
            >
              Continue here
            </button>
          )
        )}
      </div>
      {(children.get(b.name) ?? []).length > 0 && <ul>{(children.get(b.name) ?? []).map(node)}</ul>}
    </li>
  );
  return (
    <ul class="branch-tree" aria-label="Branches">
      {roots.map(node)}
    </ul>
  );
}
