import { createRng, seedFrom } from "../core/index.ts";
import type { Lorebook } from "./card-schema.ts";
import { type CheckContext, checkEntry } from "./entry-check.ts";
import { filterInclusionGroups } from "./inclusion-groups.ts";
import { assemblePrompt } from "./lore-assemble.ts";
import { type CompiledEntry, type CompiledLore, compileLore, isCompiledLore } from "./lore-compile.ts";
import { createMatcher, type LoreMatcher, type ScanView } from "./lore-matcher.ts";
import type {
  ActivatedLoreEntry,
  LoreActivation,
  LoreActivationReason,
  LoreDecision,
  LoreDecisionCode,
  LoreKeyMatch,
  LoreScanInput,
  LoreSource,
  LoreState,
} from "./lore-types.ts";
import { expandMacros } from "./macros.ts";
import { ScanBuffer } from "./scan-buffer.ts";
import { applyTimedEffects, cloneState, recordTimedEffects } from "./timed-effects.ts";
import { estimateTokens } from "./token-estimate.ts";

/** A state with no timed effects and no match history. */
export function emptyLoreState(): LoreState {
  return { sticky: {}, cooldown: {}, matched: {} };
}

/** SillyTavern's scan states. */
export const SCAN = { none: 0, initial: 1, recursion: 2, minActivations: 3 } as const;
export type ScanStateValue = (typeof SCAN)[keyof typeof SCAN];

const DEFAULT_SCAN_DEPTH = 2;
const MAX_LOOPS = 10_000;

interface Pending {
  entry: CompiledEntry;
  reason: LoreActivationReason;
  matches: LoreKeyMatch[];
}

function formatMessages(input: LoreScanInput): string[] {
  const includeNames = input.includeNames ?? true;
  return input.messages
    .map((m) => {
      if (typeof m === "string") return m.trim();
      return (includeNames && m.name ? `${m.name}: ${m.text}` : m.text).trim();
    })
    .reverse();
}

/**
 * Run one activation pass with SillyTavern's semantics (world-info.js `checkWorldInfo`): entries are checked in
 * scan order; keys, secondary keys (selectiveLogic), decorators and timed effects decide who matches; inclusion
 * groups, probability and the token budget decide who is kept; recursion, minimum activations and delayed
 * recursion levels decide whether to scan again. Pure: randomness comes from `input.seed`, the new state is
 * returned and nothing passed in is modified. Every non-trivial decision is explained in `decisions`.
 */
export function activateLore(lore: CompiledLore | Lorebook | LoreSource[], input: LoreScanInput): LoreActivation {
  const compiled = isCompiledLore(lore)
    ? lore
    : compileLore(lore as Lorebook | LoreSource[], { macros: input.macros ?? {} });
  const rng = createRng(seedFrom("lore", input.seed));
  const groupRng = rng.fork("groups");
  const probabilityRng = rng.fork("probability");
  const countTokens = input.countTokens ?? estimateTokens;
  const macroContext = { ...input.macros, seed: input.macros?.seed ?? input.seed };
  const chatLength = input.chatLength ?? input.messages.length;
  const state = cloneState(input.state);
  const effects = applyTimedEffects(state, compiled, chatLength);
  const buffer = new ScanBuffer(
    formatMessages(input),
    input.injections ?? [],
    input.globalScanData ?? {},
    compiled.segmenterLocale,
  );
  const forced = new Set(input.forced ?? []);
  const matcher: LoreMatcher = createMatcher(compiled, buffer);
  // Sticky and forced entries are in play whatever the text says.
  const special: number[] = [];
  for (const hash of effects.sticky) {
    const i = compiled.byHash.get(hash);
    if (i !== undefined) special.push(i);
  }
  for (const uid of forced) {
    const i = compiled.byUid.get(uid);
    if (i !== undefined) special.push(i);
  }
  matcher.addCandidates(special);
  const budget = input.tokenBudget ?? compiled.defaults.tokenBudget ?? Number.POSITIVE_INFINITY;
  const recursive = input.recursive ?? compiled.defaults.recursive;
  const assistantCount =
    input.assistantMessageCount ?? input.messages.filter((m) => typeof m !== "string" && m.role === "assistant").length;
  const decisions: LoreDecision[] = [];
  const decide = (
    e: CompiledEntry,
    loop: number,
    outcome: LoreDecision["outcome"],
    code: LoreDecisionCode,
    detail: string,
    matches?: LoreKeyMatch[],
  ) => {
    decisions.push({ uid: e.uid, title: e.title, loop, outcome, code, detail, ...(matches ? { matches } : {}) });
  };

  const delayLevels = [...compiled.recursionLevels];
  let currentLevel = delayLevels.shift() ?? 0;
  let scanState: ScanStateValue = SCAN.initial;
  let loop = 0;
  let skew = 0;
  let used = 0;
  let overflowed = false;
  const activated = new Map<string, ActivatedLoreEntry & { hash: string; groups: string[] }>();
  const failedProbability = new Set<number>();
  const isSticky = (e: CompiledEntry) => effects.sticky.size > 0 && effects.sticky.has(e.hash);
  const viewFor = (e: CompiledEntry): ScanView => ({
    depth: e.settings.scanDepth ?? (input.scanDepth ?? e.settings.bookScanDepth ?? DEFAULT_SCAN_DEPTH) + skew,
    sources: e.settings.extraSources,
    withRecursion: scanState !== SCAN.minActivations,
  });

  while (scanState !== SCAN.none && loop < MAX_LOOPS) {
    if (input.maxRecursionSteps && input.maxRecursionSteps <= loop) break;
    loop++;
    let next: ScanStateValue = SCAN.none;
    const found: Pending[] = [];
    // One context object per loop, updated per entry: this runs for every candidate, so it allocates nothing.
    const ctx: CheckContext = {
      scanState,
      currentLevel,
      recursive,
      sticky: false,
      cooldown: false,
      delayed: false,
      forced: false,
      matchedBefore: false,
      chatLength,
      assistantCount,
      input,
      view: { depth: 0, sources: [], withRecursion: true },
      matcher,
    };
    for (const index of matcher.candidates()) {
      const e = compiled.entries[index] as CompiledEntry;
      if (failedProbability.has(index) || activated.has(e.uid)) continue;
      ctx.sticky = isSticky(e);
      ctx.cooldown = effects.cooldown.size > 0 && effects.cooldown.has(e.hash);
      ctx.delayed = effects.delay.size > 0 && effects.delay.has(e.hash);
      ctx.forced = forced.size > 0 && forced.has(e.uid);
      ctx.matchedBefore = (state.matched[e.uid] ?? 0) > 0;
      ctx.view = viewFor(e);
      const verdict = checkEntry(e, ctx);
      if (verdict.activate) found.push({ entry: e, reason: verdict.reason, matches: verdict.matches });
      else if (input.traceAll || isRelevant(e, verdict, ctx.view, matcher, ctx.sticky || ctx.forced)) {
        decide(
          e,
          loop,
          "suppressed",
          verdict.code,
          verdict.detail,
          verdict.matches.length > 0 ? verdict.matches : undefined,
        );
      }
    }

    // Sticky first, then scan order; then inclusion groups.
    found.sort((a, b) => Number(isSticky(b.entry)) - Number(isSticky(a.entry)) || a.entry.index - b.entry.index);
    const byEntry = new Map(found.map((p) => [p.entry, p]));
    const survivors = filterInclusionGroups(
      found.map((p) => p.entry),
      {
        isSticky,
        isSuppressed: (e) => (effects.cooldown.has(e.hash) && !isSticky(e)) || effects.delay.has(e.hash),
        score: (e) => groupScore(e, viewFor(e), matcher),
        groupAlreadyActive: (g) => [...activated.values()].some((a) => a.groups.includes(g)),
        useGroupScoring: compiled.useGroupScoring,
        rng: groupRng,
        lose: (e, code, detail) => decide(e, loop, "dropped", code, detail, byEntry.get(e)?.matches),
      },
    ).map((e) => byEntry.get(e) as Pending);

    // Budget order: sticky first, entries marked @@ignore_on_max_context last, then priority (V2/V3), then scan order.
    survivors.sort(
      (a, b) =>
        Number(isSticky(b.entry)) - Number(isSticky(a.entry)) ||
        Number(a.entry.settings.lowPriority) - Number(b.entry.settings.lowPriority) ||
        b.entry.settings.priority - a.entry.settings.priority ||
        a.entry.index - b.entry.index,
    );
    const kept: Pending[] = [];
    let loopOverflowed = false;
    for (const p of survivors) {
      const e = p.entry;
      if (loopOverflowed) {
        decide(
          e,
          loop,
          "dropped",
          "budget_exceeded",
          `dropped: the token budget of ${budget} was already used up`,
          p.matches,
        );
        continue;
      }
      if (e.settings.useProbability && e.settings.probability !== 100 && !isSticky(e)) {
        const roll = probabilityRng.next() * 100;
        if (!(roll <= e.settings.probability)) {
          failedProbability.add(e.index);
          decide(
            e,
            loop,
            "dropped",
            "probability_failed",
            `dropped: rolled ${roll.toFixed(1)} > probability ${e.settings.probability}%`,
            p.matches,
          );
          continue;
        }
      }
      const content = expandMacros(e.content, macroContext);
      const tokens = countTokens(content);
      if (!e.settings.ignoreBudget && used + tokens >= budget) {
        overflowed = true;
        loopOverflowed = true;
        decide(
          e,
          loop,
          "dropped",
          "budget_exceeded",
          `dropped: token budget ${budget} reached (used ${used}, entry needs ${tokens})`,
          p.matches,
        );
        continue;
      }
      if (!e.settings.ignoreBudget) used += tokens;
      kept.push(p);
      const s = e.settings;
      activated.set(e.uid, {
        uid: e.uid,
        book: e.book,
        id: e.id,
        title: e.title,
        content,
        tokens,
        position: s.position,
        ...(s.position === "at_depth" ? { depth: s.depth } : {}),
        role: s.role,
        order: s.order,
        ...(s.position === "outlet" && s.outlet !== undefined ? { outlet: s.outlet } : {}),
        reason: p.reason,
        matches: p.matches,
        loop,
        hash: e.hash,
        groups: s.groups,
      });
      decide(
        e,
        loop,
        "activated",
        content === "" ? "empty_content" : "activated",
        content === "" ? "activated, but its content is empty so nothing is inserted" : describeReason(p),
        p.matches,
      );
    }

    const forRecursion = kept.filter((p) => !p.entry.settings.preventRecursion);
    if (recursive && !overflowed && forRecursion.length > 0) next = SCAN.recursion;
    if (recursive && !overflowed && scanState === SCAN.minActivations && matcher.hasRecursion()) next = SCAN.recursion;
    const minActivations = input.minActivations ?? 0;
    if (next === SCAN.none && !overflowed && minActivations > 0 && activated.size < minActivations) {
      const depth = (input.scanDepth ?? DEFAULT_SCAN_DEPTH) + skew;
      const depthMax = input.minActivationsDepthMax ?? 0;
      const overMax = (depthMax > 0 && depth > depthMax) || depth > input.messages.length;
      if (!overMax) {
        next = SCAN.minActivations;
        skew++;
      }
    }
    if (next === SCAN.none && delayLevels.length > 0) {
      next = SCAN.recursion;
      currentLevel = delayLevels.shift() as number;
    }
    scanState = next;
    if (scanState !== SCAN.none) {
      const text = forRecursion.map((p) => expandMacros(p.entry.content, macroContext, { mode: "scan" })).join("\n");
      if (text !== "") matcher.addRecursion(text, loop);
    }
  }

  const list = [...activated.values()];
  recordTimedEffects(
    state,
    list.map((a) => {
      const e = compiled.entries[compiled.byUid.get(a.uid) as number] as CompiledEntry;
      return { uid: a.uid, hash: a.hash, sticky: e.settings.sticky, cooldown: e.settings.cooldown };
    }),
    chatLength,
  );
  for (const a of list) state.matched[a.uid] = (state.matched[a.uid] ?? 0) + 1;
  const clean: ActivatedLoreEntry[] = list.map(({ hash: _h, groups: _g, ...rest }) => rest);
  const { ordered, prompt } = assemblePrompt(clean);
  const disabledUiPrompts = [
    ...new Set(
      list.flatMap((a) =>
        (compiled.entries[compiled.byUid.get(a.uid) as number] as CompiledEntry).decorators
          .filter((d) => d.name === "disable_ui_prompt")
          .map((d) => d.value.toLowerCase()),
      ),
    ),
  ];
  return {
    activated: ordered,
    prompt,
    decisions,
    state,
    budget: { limit: budget, used, overflowed },
    loops: loop,
    disabledUiPrompts,
  };
}

/**
 * Whether a suppression is worth explaining: the entry would otherwise have been in play (a primary key matched,
 * or it activates without keys). Entries whose keys simply did not match are not listed (SillyTavern does not log
 * them either), which also keeps the explanation the same whichever matcher found the keys.
 */
function isRelevant(
  e: CompiledEntry,
  verdict: { code: LoreDecisionCode; matches: LoreKeyMatch[] },
  view: ScanView,
  matcher: LoreMatcher,
  special: boolean,
): boolean {
  if (verdict.code === "no_match" || verdict.code === "no_keys") return false;
  if (verdict.matches.length > 0 || special || e.settings.constant) return true;
  if (e.decorators.some((d) => d.name === "activate" || d.name === "keep_activate_after_match")) return true;
  return e.primary.some((k) => matcher.match(k, view, "primary") !== undefined);
}

function describeReason(p: Pending): string {
  switch (p.reason) {
    case "constant":
      return "activated: constant entry";
    case "sticky":
      return "activated: still sticky from an earlier pass";
    case "forced":
      return "activated: forced by the caller";
    case "decorator":
      return "activated: @@activate decorator";
    case "keep_after_match":
      return "activated: @@keep_activate_after_match (matched before)";
    default: {
      const m = p.matches[0];
      if (!m) return "activated";
      const where =
        m.source === "message"
          ? `message ${m.depth} from the end`
          : m.source === "recursion"
            ? `recursion loop ${m.depth}`
            : m.source;
      const more = p.matches.length > 1 ? ` (+${p.matches.length - 1} more key checks)` : "";
      return `activated: key "${m.key}" matched "${m.text}" in ${where}${more}`;
    }
  }
}

/** SillyTavern's group score: primary keys found, plus secondary keys for AND_ANY (or AND_ALL when all are found). */
function groupScore(e: CompiledEntry, view: ScanView, matcher: LoreMatcher): number {
  if (e.primary.length === 0) return 0;
  const primary = e.primary.filter((k) => matcher.match(k, view, "primary")).length;
  if (e.secondary.length === 0) return primary;
  const secondary = e.secondary.filter((k) => matcher.match(k, view, "secondary")).length;
  if (e.settings.logic === 0) return primary + secondary;
  if (e.settings.logic === 3) return secondary === e.secondary.length ? primary + secondary : primary;
  return primary;
}
