import type { CompiledEntry } from "./lore-compile.ts";
import type { CompiledKey } from "./lore-keys.ts";
import type { LoreMatcher, ScanView } from "./lore-matcher.ts";
import type { LoreActivationReason, LoreDecisionCode, LoreKeyMatch, LoreScanInput } from "./lore-types.ts";

/** What the per-entry check needs to know about the pass. */
export interface CheckContext {
  /** 1 initial, 2 recursion, 3 min-activation widening. */
  scanState: number;
  currentLevel: number;
  recursive: boolean;
  sticky: boolean;
  cooldown: boolean;
  delayed: boolean;
  forced: boolean;
  matchedBefore: boolean;
  chatLength: number;
  assistantCount: number;
  input: LoreScanInput;
  view: ScanView;
  matcher: LoreMatcher;
}

/** The verdict on one entry in one loop. */
export type CheckVerdict =
  | { activate: true; reason: LoreActivationReason; matches: LoreKeyMatch[] }
  | { activate: false; code: LoreDecisionCode; detail: string; matches: LoreKeyMatch[] };

const LOGIC = ["AND_ANY", "NOT_ALL", "NOT_ANY", "AND_ALL"];

const no = (code: LoreDecisionCode, detail: string, matches: LoreKeyMatch[] = []): CheckVerdict => ({
  activate: false,
  code,
  detail,
  matches,
});
const yes = (reason: LoreActivationReason, matches: LoreKeyMatch[] = []): CheckVerdict => ({
  activate: true,
  reason,
  matches,
});

/** V3 conditional decorators (ANDed); returns why the entry may not activate, or undefined. */
function decoratorBlock(e: CompiledEntry, ctx: CheckContext): string | undefined {
  const d = e.settings.decorators;
  if (d.onlyAfter !== undefined && ctx.assistantCount < d.onlyAfter) {
    return `@@activate_only_after ${d.onlyAfter}: only ${ctx.assistantCount} assistant messages so far`;
  }
  if (d.onlyEvery !== undefined && ctx.assistantCount % d.onlyEvery !== 0) {
    return `@@activate_only_every ${d.onlyEvery}: ${ctx.assistantCount} assistant messages is not a multiple`;
  }
  const greeting = ctx.input.greetingIndex;
  if (d.isGreeting !== undefined && greeting !== undefined && greeting !== d.isGreeting) {
    return `@@is_greeting ${d.isGreeting}: the active greeting is ${greeting}`;
  }
  const icon = ctx.input.userIconName;
  if (d.userIcon !== undefined && icon !== undefined && icon !== d.userIcon) {
    return `@@is_user_icon ${d.userIcon}: the active user icon is ${icon}`;
  }
  return undefined;
}

function firstMatch(
  keys: readonly CompiledKey[],
  ctx: CheckContext,
  role: LoreKeyMatch["role"],
): LoreKeyMatch | undefined {
  for (const k of keys) {
    const m = ctx.matcher.match(k, ctx.view, role);
    if (m) return m;
  }
  return undefined;
}

/**
 * SillyTavern's per-entry checks in SillyTavern's order (world-info.js, the loop in checkWorldInfo), with the V3
 * decorators in the place SillyTavern puts `@@activate`/`@@dont_activate`: disabled → character filter → generation
 * trigger → delay → cooldown (unless sticky) → delay-until-recursion → exclude-recursion → decorators → forced →
 * constant → sticky → primary keys → `@@additional_keys`/`@@exclude_keys` → secondary keys by selectiveLogic.
 */
export function checkEntry(e: CompiledEntry, ctx: CheckContext): CheckVerdict {
  const s = e.settings;
  if (!s.enabled) return no("disabled", "disabled");
  const filter = s.characterFilter;
  const character = ctx.input.character;
  if (filter && character) {
    if (filter.names.length > 0 && character.name !== undefined) {
      const included = filter.names.includes(character.name);
      if (filter.isExclude ? included : !included)
        return no("filtered_character", `filtered out for character ${character.name}`);
    }
    if (filter.tags.length > 0 && character.tags) {
      const hasTag = character.tags.some((t) => filter.tags.includes(t));
      if (filter.isExclude ? hasTag : !hasTag) return no("filtered_character", "filtered out by character tags");
    }
  }
  const generation = ctx.input.generationType;
  if (s.triggers.length > 0 && generation !== undefined && !s.triggers.includes(generation)) {
    return no("filtered_trigger", `only for ${s.triggers.join("/")} generations, this is ${generation}`);
  }
  if (ctx.delayed) return no("delayed", `delay: waits until the chat has ${s.delay} messages (now ${ctx.chatLength})`);
  if (ctx.cooldown && !ctx.sticky) return no("cooldown", "on cooldown");
  if (ctx.scanState !== 2 && s.delayUntilRecursion > 0 && !ctx.sticky) {
    return no("delay_until_recursion", "delayed until recursion");
  }
  if (ctx.scanState === 2 && s.delayUntilRecursion > ctx.currentLevel && !ctx.sticky) {
    return no(
      "delay_until_recursion",
      `delayed until recursion level ${s.delayUntilRecursion} (now ${ctx.currentLevel})`,
    );
  }
  if (ctx.scanState === 2 && ctx.recursive && s.excludeRecursion && !ctx.sticky) {
    return no("exclude_recursion", "excluded from recursion");
  }
  const d = s.decorators;
  if (d.activate) return yes("decorator");
  if (d.dontActivate) return no("decorator_dont_activate", "@@dont_activate");
  if (d.keepAfterMatch && ctx.matchedBefore) return yes("keep_after_match");
  if (d.dontAfterMatch && ctx.matchedBefore) {
    return no("decorator_dont_activate", "@@dont_activate_after_match: it was activated before");
  }
  const blocked = decoratorBlock(e, ctx);
  if (blocked) return no("decorator_condition", blocked);
  if (ctx.forced) return yes("forced");
  if (s.constant) return yes("constant");
  if (ctx.sticky) return yes("sticky");
  if (e.primary.length === 0) return no("no_keys", "has no keys");

  const primary = firstMatch(e.primary, ctx, "primary");
  if (!primary) return no("no_match", "no primary key matched");
  const matches = [primary];
  for (const group of e.additional) {
    const hit = firstMatch(group, ctx, "additional");
    if (!hit)
      return no(
        "secondary_unsatisfied",
        `@@additional_keys: none of ${group.map((k) => k.key).join(", ")} found`,
        matches,
      );
    matches.push(hit);
  }
  for (const k of e.exclude) {
    const hit = ctx.matcher.match(k, ctx.view, "additional");
    if (hit) return no("secondary_unsatisfied", `@@exclude_keys: "${k.key}" found`, [...matches, hit]);
  }
  if (!s.selective || e.secondary.length === 0) return yes("key", matches);

  // Secondary keys, exactly as SillyTavern evaluates them (AND_ANY and NOT_ALL stop at the first deciding key).
  let any = false;
  let all = true;
  for (const k of e.secondary) {
    const hit = ctx.matcher.match(k, ctx.view, "secondary");
    if (hit) {
      any = true;
      matches.push(hit);
    } else all = false;
    if (s.logic === 0 && hit) return yes("key", matches);
    if (s.logic === 1 && !hit) return yes("key", matches);
  }
  if (s.logic === 2 && !any) return yes("key", matches);
  if (s.logic === 3 && all) return yes("key", matches);
  return no(
    "secondary_unsatisfied",
    `secondary keys not satisfied (${LOGIC[s.logic]}: ${e.secondary.map((k) => k.key).join(", ")})`,
    matches,
  );
}
