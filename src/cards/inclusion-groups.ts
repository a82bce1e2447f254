import type { Rng } from "../core/index.ts";
import type { CompiledEntry } from "./lore-compile.ts";

/** What the group filter needs to know about the pass. */
export interface GroupContext {
  isSticky(e: CompiledEntry): boolean;
  isSuppressed(e: CompiledEntry): boolean;
  /** Key-match score for group scoring (SillyTavern's getScore). */
  score(e: CompiledEntry): number;
  /** True when an entry of this group was activated in an earlier loop. */
  groupAlreadyActive(group: string): boolean;
  useGroupScoring: boolean;
  rng: Rng;
  /** Record why an entry lost. */
  lose(e: CompiledEntry, code: "group_lost" | "group_already_active", detail: string): void;
}

/**
 * SillyTavern's inclusion groups: of the entries that matched in one loop, at most one per group survives. Sticky
 * members win outright; with group scoring only the best-scoring members stay; a group with a member activated
 * in an earlier loop admits no more; otherwise the highest-order `group_override` member wins, else a weighted
 * roll by `group_weight` (seeded, so it replays). An entry may be in several groups (comma-separated).
 */
export function filterInclusionGroups(entries: CompiledEntry[], ctx: GroupContext): CompiledEntry[] {
  const groups = new Map<string, CompiledEntry[]>();
  for (const e of entries) {
    for (const g of e.settings.groups) {
      const list = groups.get(g);
      if (list) list.push(e);
      else groups.set(g, [e]);
    }
  }
  if (groups.size === 0) return entries;
  const removed = new Set<CompiledEntry>();
  const remove = (e: CompiledEntry, code: "group_lost" | "group_already_active", detail: string) => {
    if (removed.has(e)) return;
    removed.add(e);
    ctx.lose(e, code, detail);
  };
  const hasSticky = new Map<string, boolean>();
  for (const [name, group] of groups) {
    const sticky = group.filter((e) => ctx.isSticky(e));
    hasSticky.set(name, sticky.length > 0);
    if (sticky.length > 0) {
      for (const e of group) {
        if (!sticky.includes(e)) remove(e, "group_lost", `lost inclusion group "${name}" to sticky ${sticky[0]?.uid}`);
      }
    }
    for (const e of group)
      if (ctx.isSuppressed(e)) remove(e, "group_lost", `removed from group "${name}" (on cooldown/delay)`);
  }
  for (const [name, group] of groups) {
    if (hasSticky.get(name)) continue;
    if (!ctx.useGroupScoring && !group.some((e) => e.settings.useGroupScoring === true)) continue;
    const scores = group.map((e) => ctx.score(e));
    const max = Math.max(...scores);
    for (let i = group.length - 1; i >= 0; i--) {
      const e = group[i] as CompiledEntry;
      if ((e.settings.useGroupScoring ?? ctx.useGroupScoring) && (scores[i] as number) < max) {
        remove(e, "group_lost", `lost inclusion group "${name}" on score (${scores[i]} keys matched, best ${max})`);
        group.splice(i, 1);
      }
    }
  }
  for (const [name, group] of groups) {
    if (hasSticky.get(name)) continue;
    if (ctx.groupAlreadyActive(name)) {
      for (const e of group) remove(e, "group_already_active", `group "${name}" already has an active entry`);
      continue;
    }
    if (group.length <= 1) continue;
    const prios = group.filter((e) => e.settings.groupOverride).sort((a, b) => b.settings.order - a.settings.order);
    let winner: CompiledEntry | undefined = prios[0];
    let how = "it has group priority (highest order)";
    if (!winner) {
      const total = group.reduce((n, e) => n + e.settings.groupWeight, 0);
      const roll = ctx.rng.next() * total;
      let cumulative = 0;
      for (const e of group) {
        cumulative += e.settings.groupWeight;
        if (roll <= cumulative) {
          winner = e;
          break;
        }
      }
      how = `it won the weighted roll (${roll.toFixed(1)} of ${total})`;
    }
    if (!winner) continue;
    for (const e of group)
      if (e !== winner) remove(e, "group_lost", `lost inclusion group "${name}" to ${winner.uid}: ${how}`);
  }
  return entries.filter((e) => !removed.has(e));
}
