import {
  activateLore,
  estimateTokens,
  expandMacros,
  type LoreActivation,
  type Lorebook,
  type LoreMessage,
  type LoreSource,
  type LoreState,
} from "../cards/index.ts";
import type { ChatMessage } from "../llm/index.ts";
import { castMember, type Line, linesHeard, loreStateAt, memoryText } from "./context-sources.ts";
import { factText } from "./fact.ts";
import { BudgetLedger, type ContextManifest } from "./manifest.ts";
import type { Projection } from "./projection.ts";
import { beliefsOf, memoriesOf, openHooks, summariesOf } from "./queries.ts";
import { DEFAULT_RETRIEVAL_WEIGHTS, type MemoryCandidate, type RetrievalWeights, scoreMemories } from "./retrieval.ts";
import { formatStoryTime } from "./story-time.ts";
import type { WorldSetup } from "./world-setup.ts";

/** Knobs of context assembly. Defaults suit an 8k-context model. */
export interface ContextOptions {
  /** Token budget for the whole prompt (estimated tokens). */
  budgetTokens?: number;
  /** Most recent lines offered to the prompt. */
  recentLines?: number;
  /** Recent lines offered before everything else (the rest compete after memories). */
  pinnedLines?: number;
  /** Most memories offered (best by retrieval score). */
  memories?: number;
  /** Recent memories scored (older ones are scored only if their importance is 7 or more; at most 200). */
  memoryPool?: number;
  /** Most beliefs offered. */
  knowledge?: number;
  weights?: RetrievalWeights;
  halfLifeTurns?: number;
  halfLifeHours?: number;
  /** Seed for lore probability rolls and random macros. */
  seed?: number | string;
  /** SillyTavern generation type, for lore triggers ("normal", "swipe", "regenerate"). */
  generationType?: string;
}

/** The prompt for one generation and its manifest. */
export interface AssembledContext {
  messages: ChatMessage[];
  manifest: ContextManifest;
  /** Lore state after this pass (timed effects), to store with the committed turn. */
  loreState?: LoreState;
  lore?: LoreActivation;
}

/** Items just past a cap that the manifest still lists one by one (the rest are counted in one item). */
const NEAR_MISSES = 8;

const oneLine = (s: string, n = 100) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

/**
 * Assemble the speaker's prompt from the world: instructions and card, persona, activated lore, what the
 * speaker knows (never what they don't), open hooks, memories ranked by the retrieval score, summaries, and the
 * lines they heard — within a token budget, recording every item offered in the manifest. Pure: it reads the
 * projection and returns data.
 */
export function assembleContext(
  setup: WorldSetup,
  p: Projection,
  speaker: string,
  options: ContextOptions = {},
): AssembledContext {
  const member = castMember(setup, speaker);
  const budget = options.budgetTokens ?? 3000;
  const macros = { char: speaker, user: setup.userName, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  const x = (s: string) => expandMacros(s, macros);
  const ledger = new BudgetLedger(budget);
  const turn = p.headTurn;
  const storyTime = p.storyTimes[turn] ?? setup.startTime;
  const others = setup.cast.filter((c) => c.name !== speaker).map((c) => c.name);

  const instruction =
    x(member.systemPrompt) ||
    `You are ${speaker}. Write ${speaker}'s next reply in a role-play with ${setup.userName}` +
      (others.length ? ` and ${others.join(", ")}` : "") +
      ". Stay in character. Write only what " +
      speaker +
      ` says and does. Never write ${setup.userName}'s words, thoughts or actions, and never speak for anyone else.`;
  ledger.force({
    kind: "instruction",
    id: "instruction",
    preview: oneLine(instruction),
    tokens: estimateTokens(instruction),
    reason: "always: the role and the user-agency rule",
  });
  const card = [
    member.description && x(member.description),
    member.personality && `${speaker}'s personality: ${x(member.personality)}`,
    member.scenario && `Scenario: ${x(member.scenario)}`,
  ]
    .filter(Boolean)
    .join("\n");
  if (card)
    ledger.force({
      kind: "card",
      id: `card:${speaker}`,
      preview: oneLine(card),
      tokens: estimateTokens(card),
      reason: "always: the speaker's card",
    });
  const persona = setup.persona ? `${setup.userName}: ${x(setup.persona)}` : "";
  const personaIn =
    persona !== "" &&
    ledger.offer({
      kind: "persona",
      id: "persona",
      preview: oneLine(persona),
      tokens: estimateTokens(persona),
      reason: "the user's persona",
    });

  // Lore: the cards module's activation engine decides; its decisions go into the manifest verbatim.
  const lines = linesHeard(p, speaker, options.recentLines ?? 30);
  let lore: LoreActivation | undefined;
  let loreText = { before: "", after: "" };
  const sources: LoreSource[] = setup.lorebooks
    .filter((b) => Array.isArray((b.book as Lorebook | undefined)?.entries))
    .map((b) => ({ book: b.book as Lorebook, name: b.name, scope: b.scope }));
  if (sources.length > 0) {
    const messages: LoreMessage[] = lines.map((l) => ({
      name: l.speaker,
      text: l.text,
      role: l.speaker === setup.userName ? "user" : "assistant",
    }));
    const state = loreStateAt(p);
    lore = activateLore(sources, {
      messages,
      chatLength: lines.length,
      seed: options.seed ?? turn,
      ...(state ? { state } : {}),
      macros,
      countTokens: estimateTokens,
      generationType: options.generationType ?? "normal",
      character: { name: speaker },
      globalScanData: {
        characterDescription: member.description,
        characterPersonality: member.personality,
        scenario: member.scenario,
        personaDescription: setup.persona,
      },
    });
    const activated = new Set(lore.activated.map((a) => a.uid));
    for (const a of lore.activated) {
      const reason =
        a.reason === "key"
          ? `lore: key "${a.matches[0]?.key ?? "?"}" matched (${a.matches[0]?.source ?? "?"})`
          : `lore: ${a.reason}`;
      const ok = ledger.offer({
        kind: "lore",
        id: a.uid,
        preview: `${a.title}: ${oneLine(a.content, 80)}`,
        tokens: a.tokens,
        reason,
      });
      if (!ok) activated.delete(a.uid);
    }
    for (const d of lore.decisions)
      if (d.outcome !== "activated")
        ledger.skip({ kind: "lore", id: d.uid, preview: d.title, tokens: 0, reason: `lore ${d.outcome}: ${d.detail}` });
    const pick = (pos: string) =>
      lore?.activated
        .filter((a) => activated.has(a.uid) && a.position === pos)
        .map((a) => a.content)
        .join("\n") ?? "";
    loreText = {
      before: pick("before_char"),
      after: [pick("after_char"), pick("an_top"), pick("an_bottom")].filter(Boolean).join("\n"),
    };
  }

  // The most recent lines first: without them the reply has nothing to answer.
  const pinned = options.pinnedLines ?? 4;
  const lineIn = new Set<string>();
  const offerLine = (l: Line, why: string) => {
    const text = `${l.speaker}: ${l.text}`;
    if (
      ledger.offer({
        kind: "recent",
        id: l.node.id,
        preview: oneLine(text),
        tokens: estimateTokens(text) + 2,
        reason: why,
      })
    )
      lineIn.add(l.node.id);
  };
  const newestFirst = [...lines].reverse();
  for (const l of newestFirst.slice(0, pinned)) offerLine(l, `one of the last ${pinned} lines ${speaker} heard`);

  // Open hooks that involve the speaker or that they know of.
  const hooks = openHooks(p).filter(
    (h) =>
      h.involves.length === 0 ||
      h.involves.includes(speaker) ||
      p.event(h.id)?.witnesses.some((w) => w === speaker || w === "*"),
  );
  const hookLines: string[] = [];
  for (const h of hooks) {
    const text = `${h.description}${h.condition ? ` (if ${h.condition})` : ""}${h.deadline !== undefined ? ` — by ${formatStoryTime(h.deadline)}${h.overdue ? ", overdue" : ""}` : ""}`;
    if (
      ledger.offer({
        kind: "hook",
        id: h.id,
        preview: oneLine(text),
        tokens: estimateTokens(text),
        reason: h.involves.includes(speaker) ? `open hook involving ${speaker}` : `open hook ${speaker} knows of`,
      })
    )
      hookLines.push(text);
  }

  // Beliefs: only what the speaker knows; facts about the speaker and the people in the scene first.
  const present = new Set([speaker, setup.userName, ...lines.slice(-6).map((l) => l.speaker)]);
  const beliefs = beliefsOf(p, speaker)
    .filter((b) => b.fact.predicate !== "type" && b.fact.predicate !== "role")
    .sort(
      (a, b) =>
        Number(present.has(b.fact.subject)) - Number(present.has(a.fact.subject)) ||
        b.fact.validFrom.turn - a.fact.validFrom.turn ||
        (a.fact.id < b.fact.id ? -1 : 1),
    );
  const knowledgeCap = options.knowledge ?? 40;
  const knowledgeLines: string[] = [];
  beliefs.forEach((b, i) => {
    const text = `${factText(b.fact)}${b.stale ? ` (as far as ${speaker} knows)` : ""}${b.fact.hard ? " [hard fact]" : ""}`;
    const item = {
      kind: "knowledge" as const,
      id: b.fact.id,
      preview: text,
      tokens: estimateTokens(text) + 1,
      reason: `${speaker} knows it${b.stale ? " (a stale belief: the world has moved on)" : ""}${present.has(b.fact.subject) ? `; about ${b.fact.subject}, in the scene` : ""}`,
    };
    if (i >= knowledgeCap + NEAR_MISSES) return;
    if (i >= knowledgeCap)
      ledger.skip({ ...item, reason: `not offered: beyond the ${knowledgeCap} most relevant beliefs` });
    else if (ledger.offer(item)) knowledgeLines.push(text);
  });
  if (beliefs.length > knowledgeCap + NEAR_MISSES)
    ledger.skip({
      kind: "knowledge",
      id: "more-beliefs",
      preview: `${beliefs.length - knowledgeCap - NEAR_MISSES} more beliefs`,
      tokens: 0,
      reason: `not offered: beyond the ${knowledgeCap} most relevant beliefs (listed in aggregate to keep the manifest small)`,
    });

  // Memories ranked by the retrieval score (lines already in the prompt are not repeated).
  const weights = options.weights ?? DEFAULT_RETRIEVAL_WEIGHTS;
  const halfLifeTurns = options.halfLifeTurns ?? 40;
  const halfLifeHours = options.halfLifeHours ?? 48;
  // Candidates: the most recent memories plus the most important older ones, so scoring stays bounded on long
  // stories (GA scores every memory; at 100,000 events that would cost more than the generation budget allows).
  const all = memoriesOf(p, speaker);
  const recentCap = options.memoryPool ?? 1500;
  const older = all.slice(0, Math.max(0, all.length - recentCap));
  const pool = [
    ...older.filter((e) => "importance" in e.payload && (e.payload.importance as number) >= 7).slice(-200),
    ...all.slice(-recentCap),
  ];
  const candidates: MemoryCandidate[] = pool
    .filter((e) => !(e.kind === "happened" && e.payload.utterance && lines.some((l) => l.node.id === e.node)))
    .map((e) => ({
      id: e.id,
      text: memoryText(e),
      turn: e.turn,
      storyTime: e.storyTime,
      importance: "importance" in e.payload ? (e.payload.importance as number) : 3,
    }));
  const query = lines
    .slice(-3)
    .map((l) => l.text)
    .join("\n");
  const ranked = scoreMemories(candidates, {
    nowTurn: turn,
    nowStoryTime: storyTime,
    query,
    weights,
    halfLifeTurns,
    halfLifeHours,
  });
  const memoryCap = options.memories ?? 12;
  const memoryLines: string[] = [];
  ranked.forEach((m, i) => {
    const item = {
      kind: "memory" as const,
      id: m.id,
      preview: oneLine(m.text),
      tokens: estimateTokens(m.text) + 1,
      score: m.score,
      reason: `memory ranked ${i + 1} of ${ranked.length}`,
    };
    if (i >= memoryCap + NEAR_MISSES) return;
    if (i >= memoryCap) ledger.skip({ ...item, reason: `not offered: ranked ${i + 1}, beyond the top ${memoryCap}` });
    else if (ledger.offer(item)) memoryLines.push(`${formatStoryTime(m.storyTime)} — ${m.text}`);
  });
  if (ranked.length > memoryCap + NEAR_MISSES)
    ledger.skip({
      kind: "memory",
      id: "more-memories",
      preview: `${ranked.length - memoryCap - NEAR_MISSES} more memories (of ${all.length}; ${candidates.length} scored)`,
      tokens: 0,
      reason: `not offered: ranked below ${memoryCap + NEAR_MISSES} (best remaining score ${ranked[memoryCap + NEAR_MISSES]?.score.total.toFixed(2)})`,
    });

  const summaries = summariesOf(p);
  const summaryLines: string[] = [];
  for (const s of summaries.slice(-3)) {
    if (!s.valid) {
      ledger.skip({
        kind: "summary",
        id: s.id,
        preview: oneLine(s.text),
        tokens: estimateTokens(s.text),
        reason: "not offered: it cites a struck event",
      });
      continue;
    }
    if (
      ledger.offer({
        kind: "summary",
        id: s.id,
        preview: oneLine(s.text),
        tokens: estimateTokens(s.text),
        reason: `summary citing ${s.cites.length} events`,
      })
    )
      summaryLines.push(s.text);
  }
  for (const l of newestFirst.slice(pinned)) offerLine(l, `recent line ${speaker} heard`);

  const time = `Story time: ${formatStoryTime(storyTime)}.`;
  ledger.force({
    kind: "time",
    id: "time",
    preview: time,
    tokens: estimateTokens(time),
    reason: "always: the current story time",
  });

  const sections = [
    instruction,
    loreText.before,
    card,
    personaIn ? persona : "",
    loreText.after,
    summaryLines.length ? `The story so far:\n${summaryLines.join("\n")}` : "",
    knowledgeLines.length ? `What ${speaker} knows:\n${knowledgeLines.map((l) => `- ${l}`).join("\n")}` : "",
    memoryLines.length ? `${speaker} remembers:\n${memoryLines.map((l) => `- ${l}`).join("\n")}` : "",
    hookLines.length ? `Open threads:\n${hookLines.map((l) => `- ${l}`).join("\n")}` : "",
    time,
  ].filter(Boolean);
  const messages: ChatMessage[] = [{ role: "system", content: sections.join("\n\n") }];
  for (const l of lines) {
    if (!lineIn.has(l.node.id)) continue;
    messages.push(
      l.speaker === speaker
        ? { role: "assistant", content: l.text }
        : { role: "user", content: `${l.speaker}: ${l.text}`, name: l.speaker },
    );
  }
  const nudge = [x(member.postHistoryInstructions), `Write ${speaker}'s next reply only.`].filter(Boolean).join("\n");
  messages.push({ role: "system", content: nudge });
  return {
    messages,
    manifest: {
      speaker,
      turn,
      storyTime,
      budget,
      used: ledger.used,
      items: ledger.items,
      retrieval: { weights, halfLifeTurns, halfLifeHours },
    },
    ...(lore ? { lore, loreState: lore.state } : {}),
  };
}
