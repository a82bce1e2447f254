import type { LoreState } from "../cards/index.ts";
import type { CallOptions, ChatModel, ChatRequest, ChatResult, FinishReason, Usage } from "../llm/index.ts";
import { type AssembledContext, assembleContext, type ContextOptions } from "./context-assembly.ts";
import type { WorldNode } from "./event.ts";
import { extractEvents } from "./extraction.ts";
import { checkInvariants, type Resolution, type Violation } from "./invariants.ts";
import { llmConsistencyCheck } from "./llm-check.ts";
import type { ContextManifest } from "./manifest.ts";
import type { EventDraft } from "./node-builder.ts";
import { presentWith } from "./presence.ts";
import { currentFacts } from "./queries.ts";
import { stripSpeaker, visibleLine } from "./speaker-label.ts";
import type { World } from "./world.ts";
import { WorldError } from "./world-error.ts";

/** The models a turn uses. Extraction defaults to the generator; the LLM check runs only when given. */
export interface TurnModels {
  generator: ChatModel;
  extractor?: ChatModel;
  checker?: ChatModel;
}

/** A turn that has been generated and extracted but not committed. */
export interface Proposal {
  /** The node the turn hangs under (the head's parent for a swipe). */
  parent: string;
  speaker: string;
  text: string;
  storyTime: number;
  /** `#0` is the line itself; the rest came from extraction (or from resolutions). */
  drafts: EventDraft[];
  generated: boolean;
  manifest?: ContextManifest;
  loreState?: LoreState;
  model?: string;
  /** How the line was generated (for the candidate log): tokens, latency, why it stopped. */
  generation?: { usage: Usage; latencyMs: number; finishReason: FinishReason };
  /** Things the user should know (extraction problems, resolutions applied). */
  notices: string[];
  /** Violations the user accepted, kept with the commit for the audit trail. */
  accepted: Violation[];
}

/** Options of one generated turn. */
export interface GenerateOptions extends ContextOptions {
  /** Hang the turn under this node instead of the head (a swipe passes the head's parent). */
  parent?: string;
  signal?: AbortSignal;
  temperature?: number;
  maxTokens?: number;
  /**
   * Stream the line: called with each piece of it as the model writes it (through `generator.stream`). The pieces
   * add up to the proposal's text (the speaker label and outer whitespace never reach it). Absent: one `chat` call.
   */
  onDelta?: (text: string) => void;
}

/** The line event every turn starts with; its witnesses are everyone in the speaker's scene. */
function lineDraft(speaker: string, text: string, witnesses: string[]): EventDraft {
  return {
    kind: "happened",
    payload: { description: `${speaker} speaks`, utterance: { speaker, text }, importance: 2 },
    witnesses,
  };
}

async function extractInto(
  world: World,
  parent: string,
  speaker: string,
  text: string,
  model: ChatModel,
  signal?: AbortSignal,
): Promise<{ drafts: EventDraft[]; storyTime: number; notices: string[] }> {
  const setup = world.setup;
  // The prompt is read from the parent's state; the model call happens outside any view.
  const { present, storyTime } = await world.view(parent, (p) => ({
    present: presentWith(p, setup, speaker),
    storyTime: p.storyTimes[p.headTurn] ?? setup.startTime,
  }));
  const result = await world.view(parent, (p) =>
    extractEvents(
      model,
      p,
      { speaker, text, present, cast: setup.cast.map((c) => c.name), userName: setup.userName },
      signal ? { signal } : {},
    ),
  );
  return {
    drafts: [lineDraft(speaker, text, present), ...result.drafts],
    storyTime: storyTime + result.minutesPassed,
    notices: result.notices,
  };
}

/** Assemble the speaker's context at a node (default: the head). */
export function contextFor(world: World, speaker: string, options: GenerateOptions = {}): Promise<AssembledContext> {
  return world.view(options.parent ?? world.head().id, (p) => assembleContext(world.setup, p, speaker, options));
}

/** Generate a character's next line with any ChatModel and extract its events: a proposal, not yet committed. */
export async function proposeLine(
  world: World,
  speaker: string,
  models: TurnModels,
  options: GenerateOptions = {},
): Promise<Proposal> {
  const parent = options.parent ?? world.head().id;
  const regenerating = options.generationType === "swipe" || options.generationType === "regenerate";
  const context = await contextFor(world, speaker, { ...options, parent });
  const request: ChatRequest = {
    messages: context.messages,
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
  const callOptions: CallOptions = {
    role: "player",
    ...(options.signal ? { signal: options.signal } : {}),
    // A swipe or regeneration must not be served the cached answer it is meant to replace.
    ...(regenerating ? { noCache: true } : {}),
    ...(typeof options.seed === "number"
      ? { seed: options.seed }
      : regenerating
        ? { seed: world.ledger.childrenOf(parent).length }
        : {}),
    tags: { world: world.id, speaker },
  };
  const result = options.onDelta
    ? await streamLine(models.generator, request, callOptions, speaker, options.onDelta)
    : await models.generator.chat(request, callOptions);
  const text = stripSpeaker(result.text, speaker);
  const extracted = await extractInto(
    world,
    parent,
    speaker,
    text,
    models.extractor ?? models.generator,
    options.signal,
  );
  return {
    parent,
    speaker,
    text,
    storyTime: extracted.storyTime,
    drafts: extracted.drafts,
    generated: true,
    manifest: context.manifest,
    ...(context.loreState ? { loreState: context.loreState } : {}),
    model: models.generator.id,
    generation: { usage: result.usage, latencyMs: result.latencyMs, finishReason: result.finishReason },
    notices: extracted.notices,
    accepted: [],
  };
}

/** Stream a line through `model.stream`, sending what can be shown of it (the label stripped) as it grows. */
async function streamLine(
  model: ChatModel,
  request: ChatRequest,
  options: CallOptions,
  speaker: string,
  onDelta: (text: string) => void,
): Promise<ChatResult> {
  let raw = "";
  let shown = "";
  const show = (visible: string) => {
    if (visible.length > shown.length && visible.startsWith(shown)) {
      onDelta(visible.slice(shown.length));
      shown = visible;
    }
  };
  for await (const chunk of model.stream(request, options)) {
    if (chunk.type === "delta") {
      raw += chunk.text;
      show(visibleLine(raw, speaker));
    } else {
      // The finished text decides (a provider may report more than its deltas carried).
      show(stripSpeaker(chunk.result.text, speaker));
      return chunk.result;
    }
  }
  throw new WorldError("world.stream_unfinished", `The model's stream for ${speaker} ended without finishing.`, {
    hint: "Try again; if it keeps happening, check the model endpoint.",
  });
}

/** The user's own line: canon by definition (only structural checks apply), with its events extracted. */
export function proposeUserLine(
  world: World,
  text: string,
  models: Pick<TurnModels, "extractor" | "generator">,
  options: { parent?: string; signal?: AbortSignal; storyTime?: number } = {},
): Promise<Proposal> {
  return proposeWritten(world, world.setup.userName, text, models, options);
}

/**
 * A line the user wrote for a character (editing a proposal): extracted like any line, and not "generated", so
 * the user-agency rule does not apply — the user may write their own actions into it.
 */
export function proposeText(
  world: World,
  speaker: string,
  text: string,
  models: Pick<TurnModels, "extractor" | "generator">,
  options: { parent?: string; signal?: AbortSignal } = {},
): Promise<Proposal> {
  return proposeWritten(world, speaker, text, models, options, "edited by the user");
}

/** A line written by the user rather than generated: its events extracted, nothing else decided for it. */
async function proposeWritten(
  world: World,
  speaker: string,
  text: string,
  models: Pick<TurnModels, "extractor" | "generator">,
  options: { parent?: string; signal?: AbortSignal; storyTime?: number },
  notice?: string,
): Promise<Proposal> {
  const parent = options.parent ?? world.head().id;
  const line = text.trim();
  const extracted = await extractInto(
    world,
    parent,
    speaker,
    line,
    models.extractor ?? models.generator,
    options.signal,
  );
  return {
    parent,
    speaker,
    text: line,
    storyTime: options.storyTime ?? extracted.storyTime,
    drafts: extracted.drafts,
    generated: false,
    notices: notice ? [...extracted.notices, notice] : extracted.notices,
    accepted: [],
  };
}

/** Build the node a proposal would commit (for checks; it gets a throwaway id). */
function trialNode(world: World, proposal: Proposal, parent: WorldNode): WorldNode {
  return world.buildNode(
    {
      id: `${world.id}.trial`,
      speaker: proposal.speaker,
      text: proposal.text,
      storyTime: Math.max(proposal.storyTime, 0),
      events: proposal.drafts,
    },
    parent,
    world.current,
  );
}

/**
 * Check a proposal: deterministic invariants first, then the optional LLM check. Returns the violations not yet
 * accepted; an empty list means the proposal may be committed.
 */
export async function checkProposal(
  world: World,
  proposal: Proposal,
  models: Pick<TurnModels, "checker"> = {},
): Promise<Violation[]> {
  const parent = world.ledger.get(proposal.parent);
  if (!parent) throw new WorldError("world.no_node", `No turn ${proposal.parent} in this world.`);
  if (proposal.storyTime < parent.storyTime)
    return [
      {
        code: "time_backwards",
        message: `story time would move backwards (to ${proposal.storyTime} from ${parent.storyTime})`,
        options: ["regenerate", "edit", "accept_retcon"],
      },
    ];
  const node = trialNode(world, proposal, parent);
  const found = await world.view(proposal.parent, (p) =>
    checkInvariants(p, world.setup, node, { generated: proposal.generated }),
  );
  if (models.checker && proposal.generated && found.length === 0) {
    const llm = await world.view(proposal.parent, (p) =>
      llmConsistencyCheck(models.checker as ChatModel, p, world.setup, node),
    );
    found.push(...llm);
  }
  const acceptedKeys = new Set(proposal.accepted.map((v) => `${v.code}|${v.message}`));
  return found.filter((v) => !acceptedKeys.has(`${v.code}|${v.message}`));
}

/** Remove one draft and re-point "#k" references past it. References to the removed draft are dropped. */
export function dropDraft(drafts: EventDraft[], index: number): EventDraft[] {
  const fix = (c: string) => {
    if (!c.startsWith("#")) return c;
    const k = Number(c.slice(1));
    return k === index ? undefined : k > index ? `#${k - 1}` : c;
  };
  return drafts
    .filter((_, i) => i !== index)
    .map((d) => ({ ...d, causedBy: (d.causedBy ?? []).map(fix).filter((c): c is string => c !== undefined) }));
}

/**
 * Apply the user's decision about one violation to a proposal. `accept_retcon` records the violation as
 * accepted and, where a retcon has a concrete meaning, adds it (the previous holder gives the item up, a second
 * place becomes a move, the dead actor lives, the speaker learned it off-screen). `drop_event` removes the
 * offending event. `regenerate` and `edit` are the caller's to do (a new proposal or new text).
 */
export async function resolveViolation(
  world: World,
  proposal: Proposal,
  violation: Violation,
  resolution: Resolution,
): Promise<Proposal> {
  if (!violation.options.includes(resolution))
    throw new WorldError("world.bad_resolution", `"${resolution}" is not an option for this violation.`, {
      hint: `Options: ${violation.options.join(", ")}.`,
    });
  if (resolution === "regenerate" || resolution === "edit")
    throw new WorldError("world.resolution_external", `"${resolution}" needs a new proposal.`, {
      hint: "Call proposeLine again (regenerate) or propose the edited text.",
    });
  const i = violation.eventIndex;
  if (resolution === "drop_event") {
    if (i === undefined || i === 0)
      throw new WorldError("world.bad_resolution", "This violation is not tied to one removable event.");
    return {
      ...proposal,
      drafts: dropDraft(proposal.drafts, i),
      notices: [...proposal.notices, `dropped event ${i}: ${violation.message}`],
    };
  }
  const drafts = [...proposal.drafts];
  const d = i === undefined ? undefined : drafts[i];
  const payload = d?.payload as Record<string, unknown> | undefined;
  if (violation.code === "location" && d && payload && payload["op"] === "add") {
    drafts[i as number] = { ...d, payload: { ...payload, op: "set" } };
  } else if (violation.code === "possession" && d && payload) {
    const holders = await world.view(proposal.parent, (p) =>
      currentFacts(p, { predicate: payload["predicate"] as string }).filter(
        (f) => f.object === payload["object"] && f.subject !== payload["subject"],
      ),
    );
    for (const f of holders)
      drafts.push({
        kind: "changed",
        payload: { op: "remove", subject: f.subject, predicate: f.predicate, object: f.object },
        causedBy: [`#${i}`],
        witnesses: d.witnesses ?? [],
      });
  } else if (violation.code === "dead_actor" && payload) {
    const actor = (payload["actor"] ?? (payload["utterance"] as { speaker?: string } | undefined)?.speaker) as string;
    drafts.push({
      kind: "user_edit",
      payload: {
        op: "set",
        subject: actor,
        predicate: "status",
        object: "alive",
        reason: "retcon: accepted a violation",
      },
      witnesses: ["*"],
    });
  } else if (violation.code === "knowledge" && payload) {
    const actor = (payload["actor"] ?? (payload["utterance"] as { speaker?: string } | undefined)?.speaker) as string;
    const facts = [
      ...((payload["uses"] as unknown[]) ?? []),
      ...((payload["tells"] as { facts?: unknown[] } | undefined)?.facts ?? []),
    ];
    drafts.push({
      kind: "happened",
      payload: { description: `${actor} learned it off-screen (retcon)`, tells: { to: [actor], facts } },
    });
  }
  return {
    ...proposal,
    drafts,
    accepted: [...proposal.accepted, violation],
    notices: [
      ...proposal.notices,
      `accepted as a retcon: ${violation.message}${violation.retcon ? ` (${violation.retcon})` : ""}`,
    ],
  };
}

/**
 * Commit a proposal. Every violation must have been accepted (or the proposal regenerated/edited until it has
 * none): anything else is refused, so no violation is ever silently dropped.
 */
export async function commitProposal(world: World, proposal: Proposal, pending: Violation[] = []): Promise<WorldNode> {
  if (pending.length > 0)
    throw new WorldError(
      "world.unresolved_violations",
      `${pending.length} violation(s) are unresolved: ${pending.map((v) => v.message).join("; ")}`,
      {
        hint: "Regenerate, edit, drop the event or accept each one as a retcon before committing.",
      },
    );
  return world.commit({
    parent: proposal.parent,
    speaker: proposal.speaker,
    text: proposal.text,
    storyTime: proposal.storyTime,
    events: proposal.drafts,
    meta: {
      ...(proposal.manifest ? { manifest: proposal.manifest } : {}),
      ...(proposal.loreState ? { loreState: proposal.loreState } : {}),
      ...(proposal.model ? { model: proposal.model } : {}),
      ...(proposal.accepted.length ? { acceptedViolations: proposal.accepted } : {}),
      ...(proposal.notices.length ? { notices: proposal.notices } : {}),
    },
  });
}

/** The outcome of `takeTurn`. */
export type TurnOutcome =
  | { status: "committed"; node: WorldNode; proposal: Proposal }
  | { status: "needs_decision"; proposal: Proposal; violations: Violation[] };

/** Generate, extract, check and — when nothing is violated — commit one character turn. */
export async function takeTurn(
  world: World,
  speaker: string,
  models: TurnModels,
  options: GenerateOptions = {},
): Promise<TurnOutcome> {
  const proposal = await proposeLine(world, speaker, models, options);
  const violations = await checkProposal(world, proposal, models);
  if (violations.length > 0) return { status: "needs_decision", proposal, violations };
  return { status: "committed", node: await commitProposal(world, proposal), proposal };
}
