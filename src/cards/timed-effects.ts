import type { CompiledLore } from "./lore-compile.ts";
import type { LoreState, TimedEffect } from "./lore-types.ts";

/** Which entries (by hash) are under an effect during this pass. */
export interface ActiveEffects {
  sticky: Set<string>;
  cooldown: Set<string>;
  delay: Set<string>;
}

/** A deep copy, so the caller's state is never changed. */
export function cloneState(state: LoreState | undefined): LoreState {
  return {
    sticky: Object.fromEntries(Object.entries(state?.sticky ?? {}).map(([k, v]) => [k, { ...v }])),
    cooldown: Object.fromEntries(Object.entries(state?.cooldown ?? {}).map(([k, v]) => [k, { ...v }])),
    matched: { ...state?.matched },
  };
}

/**
 * Start-of-pass bookkeeping, as SillyTavern's WorldInfoTimedEffects does it (counted in chat messages):
 * an effect set in a pass where the chat has not advanced since (swipe, regenerate) is dropped unless protected;
 * an effect whose entry changed or disappeared is dropped once its time is up (or at once, if the entry no longer
 * has that effect); an ended sticky starts the entry's cooldown (protected); `delay N` holds an entry back until the
 * chat has N messages. Mutates `state` (the caller's working copy) and returns the active sets.
 */
export function applyTimedEffects(state: LoreState, lore: CompiledLore, chatLength: number): ActiveEffects {
  const active: ActiveEffects = { sticky: new Set(), cooldown: new Set(), delay: new Set() };
  const check = (type: "sticky" | "cooldown") => {
    const effects = state[type];
    for (const [key, effect] of Object.entries(effects)) {
      const index = lore.byHash.get(effect.hash);
      const entry = index === undefined ? undefined : lore.entries[index];
      if (chatLength <= effect.start && !effect.protected) {
        delete effects[key];
        continue;
      }
      if (!entry) {
        if (chatLength >= effect.end) delete effects[key];
        continue;
      }
      const length = entry.settings[type];
      if (!length) {
        delete effects[key];
        continue;
      }
      if (chatLength >= effect.end) {
        delete effects[key];
        if (type === "sticky" && entry.settings.cooldown) {
          state.cooldown[key] = {
            hash: entry.hash,
            start: chatLength,
            end: chatLength + entry.settings.cooldown,
            protected: true,
          };
          active.cooldown.add(entry.hash);
        }
        continue;
      }
      active[type].add(entry.hash);
    }
  };
  check("sticky");
  check("cooldown");
  for (const i of lore.delayed) {
    const e = lore.entries[i];
    if (e && chatLength < e.settings.delay) active.delay.add(e.hash);
  }
  return active;
}

/** End-of-pass: activated entries with sticky/cooldown start their effect (re-triggering does not extend it). */
export function recordTimedEffects(
  state: LoreState,
  activated: ReadonlyArray<{ uid: string; hash: string; sticky: number; cooldown: number }>,
  chatLength: number,
): void {
  for (const e of activated) {
    for (const type of ["sticky", "cooldown"] as const) {
      const length = e[type];
      if (!length || state[type][e.uid]) continue;
      const effect: TimedEffect = { hash: e.hash, start: chatLength, end: chatLength + length, protected: false };
      state[type][e.uid] = effect;
    }
  }
}
