// The operations of a world-backed chat, as functions over a World: the greeting, a user line and the reply it
// gets (streamed), regeneration, decisions about a held line. A generated line that breaks a rule is never
// committed on its own: it is held (stored) with its violations until the user decides, as in `troupe chat`.
import type { FinishReason, Usage } from "../llm/index.ts";
import {
  type ContextManifest,
  checkProposal,
  chooseSpeaker,
  commitGreeting,
  commitProposal,
  type DirectorMode,
  holdLine,
  type PendingLine,
  type Proposal,
  pendingLine,
  pendingLines,
  proposeLine,
  proposeText,
  proposeUserLine,
  releaseLine,
  resolveViolation,
  type TurnModels,
  type Violation,
  type World,
  WorldError,
} from "../world/index.ts";
import { isLine, lineNode, type WorldMessage, worldMessage, worldTranscript } from "./world-chat-message.ts";

// The world chat's whole surface is reachable from this one module (src/chat/index.ts re-exports it).
export {
  type AwayProposal,
  acceptAway,
  awayBranch,
  branchWorldChat,
  checkoutWorldBranch,
  chooseWorldSwipe,
  discardAway,
  proposeAway,
  rollbackWorldChat,
} from "./world-chat-history.ts";
export { isLine, lineNode, type WorldMessage, worldMessage, worldTranscript } from "./world-chat-message.ts";
export {
  type BranchView,
  branchTree,
  type CharacterKnowledge,
  factsAsOf,
  factsAtLine,
  knowledgeOf,
  manifestOf,
  type TimelineEvent,
  type TimelineTurn,
  timelineOf,
  whyFact,
} from "./world-chat-views.ts";

/** How a reply is generated. */
export interface WorldReplyOptions {
  /** Receives the reply as it is written; the pieces add up to the committed (or held) text. */
  onDelta?: (text: string) => void;
  /** Cancels the model calls; nothing is committed then. */
  signal?: AbortSignal;
  /** Who answers: the director's choice by default (the world's mode, or this one). */
  director?: DirectorMode;
  /** Make this cast member answer (manual choice). */
  speaker?: string;
  /** Token budget of the speaker's context. */
  budgetTokens?: number;
  temperature?: number;
  maxTokens?: number;
  /**
   * Called once the user's line is committed, before anyone answers (a chat stores the user's message row here,
   * so it exists before the reply streams).
   */
  onUserLine?: (message: WorldMessage) => void | Promise<void>;
  /** Called when a reply is about to be generated (a chat inserts its `streaming` message row here). */
  onReplyStart?: (start: { speaker: string; parentNodeId: string; reason?: string }) => void | Promise<void>;
}

/** How a reply was generated: what a candidate log records beside the line. */
export interface ReplyGeneration {
  speaker: string;
  model?: string;
  manifest?: ContextManifest;
  usage?: Usage;
  latencyMs?: number;
  finishReason?: FinishReason;
}

/** What became of a generated reply. */
export type WorldReply =
  | {
      status: "committed";
      message: WorldMessage;
      /** Extraction notes and resolutions applied, for the user. */
      notices: string[];
      /** Why this character answered (the director's reason), when the director chose. */
      reason?: string;
      generation: ReplyGeneration;
    }
  | { status: "pending"; pending: PendingLine; reason?: string; generation: ReplyGeneration }
  /** Nobody answers: manual mode without a named speaker, or no cast member present and alive. */
  | { status: "no_speaker"; reason: string };

/** What became of a user line: refused (it breaks a structural rule), or committed with the reply it got. */
export type WorldSendResult =
  | { status: "refused"; violations: Violation[] }
  | { status: "sent"; user: WorldMessage; notices: string[]; reply: WorldReply };

/** The user's decision about a held line. */
export type LineDecision =
  /** Accept violations as retcons (by 0-based index; all when absent). */
  | { action: "accept"; violations?: number[] }
  /** Drop the event behind a violation. */
  | { action: "drop"; violation: number }
  /** Replace the line with the user's text. */
  | { action: "edit"; text: string }
  /** Generate the line again. */
  | { action: "regenerate" }
  /** Forget the line; nothing is committed. */
  | { action: "cancel" };

/**
 * Open a chat on a world: commit the first cast member's greeting when the branch has no line yet. Returns the
 * transcript (greeting included).
 */
export async function startWorldChat(world: World): Promise<WorldMessage[]> {
  if (!world.projection.nodes.some(isLine)) await commitGreeting(world);
  return world.read(() => worldTranscript(world));
}

/** Refuse new lines while one is held: the user decides about it first (as the terminal chat does). */
async function assertNothingHeld(world: World): Promise<void> {
  const held = (await pendingLines(world)).filter((p) => p.branch === world.current);
  if (held.length > 0)
    throw new WorldError("world.decision_pending", "A generated line is waiting for your decision.", {
      hint: `Accept, drop, edit, regenerate or cancel line ${held[0]?.id} first.`,
    });
}

/**
 * Send the user's line: extract, check (structural rules only; the user's line is canon) and commit it, then let
 * the director pick who answers and generate the reply, streamed through `onDelta`.
 */
export async function sendWorldLine(
  world: World,
  models: TurnModels,
  text: string,
  options: WorldReplyOptions = {},
): Promise<WorldSendResult> {
  if (!text.trim())
    throw new WorldError("world.empty_line", "The line is empty.", { hint: "Write something to say or do." });
  await assertNothingHeld(world);
  const proposal = await proposeUserLine(world, text, models, options.signal ? { signal: options.signal } : {});
  const violations = await checkProposal(world, proposal);
  if (violations.length > 0) return { status: "refused", violations };
  const node = await commitProposal(world, proposal);
  await options.onUserLine?.(worldMessage(world, node));
  const reply = await replyToHead(world, models, options);
  return { status: "sent", user: worldMessage(world, node), notices: proposal.notices, reply };
}

/** Let a character answer the head: the named speaker, or the director's choice. */
export async function replyToHead(
  world: World,
  models: TurnModels,
  options: WorldReplyOptions = {},
): Promise<WorldReply> {
  let speaker = options.speaker;
  let reason: string | undefined;
  if (speaker !== undefined) {
    if (!world.setup.cast.some((c) => c.name === speaker))
      throw new WorldError("world.no_speaker", `No cast member "${speaker}".`, {
        hint: `Name one of: ${world.setup.cast.map((c) => c.name).join(", ")}.`,
      });
  } else {
    const mode = options.director ?? world.setup.director.mode;
    if (mode === "manual") return { status: "no_speaker", reason: "manual mode: name who answers" };
    try {
      const choice = chooseSpeaker(world.projection, world.setup, { mode });
      speaker = choice.speaker;
      reason = choice.reason;
    } catch (error) {
      if (error instanceof WorldError && error.code === "world.no_speaker")
        return { status: "no_speaker", reason: error.message };
      throw error;
    }
  }
  await options.onReplyStart?.({ speaker, parentNodeId: world.head().id, ...(reason === undefined ? {} : { reason }) });
  const proposal = await proposeLine(world, speaker, models, generateOptions(options, {}));
  return settle(world, models, proposal, reason);
}

/**
 * Regenerate a character's line: a new alternative under the same parent, which becomes the head. Later lines
 * of the old alternative stay in the ledger (choose it again to see them).
 */
export async function regenerateWorldLine(
  world: World,
  models: TurnModels,
  nodeId: string = world.head().id,
  options: Omit<WorldReplyOptions, "speaker" | "director"> = {},
): Promise<WorldReply> {
  const node = lineNode(world, nodeId);
  if (!node || node.parent === null || node.speaker === world.setup.userName || !node.speaker)
    throw new WorldError("world.no_regenerate", `Turn ${nodeId} is not a character's line; nothing to regenerate.`, {
      hint: "Regenerate a reply of the cast, not the user's own line.",
    });
  await assertNothingHeld(world);
  await options.onReplyStart?.({ speaker: node.speaker, parentNodeId: node.parent });
  const proposal = await proposeLine(
    world,
    node.speaker,
    models,
    generateOptions(options, { parent: node.parent, generationType: "regenerate" }),
  );
  return settle(world, models, proposal);
}

/** Decide about a held line; the outcome is committed, held again (new violations), or nothing (cancel). */
export async function decideWorldLine(
  world: World,
  models: TurnModels,
  pendingId: string,
  decision: LineDecision,
  options: Omit<WorldReplyOptions, "speaker" | "director"> = {},
): Promise<WorldReply | { status: "cancelled" }> {
  const held = await pendingLine(world, pendingId);
  if (held.branch !== world.current)
    throw new WorldError("world.pending_elsewhere", `Line ${pendingId} waits on branch ${held.branch}.`, {
      hint: `Check out ${held.branch} to decide about it.`,
    });
  const { proposal, violations } = held;
  let next: Proposal;
  switch (decision.action) {
    case "cancel":
      await releaseLine(world, pendingId);
      return { status: "cancelled" };
    case "regenerate":
      await options.onReplyStart?.({ speaker: proposal.speaker, parentNodeId: proposal.parent });
      next = await proposeLine(
        world,
        proposal.speaker,
        models,
        generateOptions(options, { parent: proposal.parent, generationType: "regenerate" }),
      );
      break;
    case "edit":
      if (!decision.text.trim())
        throw new WorldError("world.empty_line", "The edited line is empty.", {
          hint: "Write the line as it should be.",
        });
      next = await proposeText(world, proposal.speaker, decision.text, models, {
        parent: proposal.parent,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      options.onDelta?.(next.text);
      break;
    case "accept":
    case "drop": {
      const indices =
        decision.action === "drop" ? [decision.violation] : (decision.violations ?? violations.map((_, i) => i));
      next = proposal;
      for (const i of indices) {
        const v = violations[i];
        if (!v)
          throw new WorldError("world.no_violation", `No violation ${i} on line ${pendingId}.`, {
            hint: `Violations are numbered 0 to ${violations.length - 1}.`,
          });
        next = await resolveViolation(world, next, v, decision.action === "accept" ? "accept_retcon" : "drop_event");
      }
      break;
    }
  }
  // The held line is released only once its successor is settled: a failure above leaves it waiting.
  const reply = await settle(world, models, next);
  await releaseLine(world, pendingId);
  return reply;
}

/** Check a proposal; commit it when nothing is violated, otherwise hold it for the user's decision. */
async function settle(world: World, models: TurnModels, proposal: Proposal, reason?: string): Promise<WorldReply> {
  const violations = await checkProposal(world, proposal, models);
  const why = reason === undefined ? {} : { reason };
  const generation = generationOf(proposal);
  if (violations.length > 0)
    return { status: "pending", pending: await holdLine(world, proposal, violations), ...why, generation };
  const node = await commitProposal(world, proposal);
  return { status: "committed", message: worldMessage(world, node), notices: proposal.notices, ...why, generation };
}

function generationOf(proposal: Proposal): ReplyGeneration {
  const g = proposal.generation;
  return {
    speaker: proposal.speaker,
    ...(proposal.model === undefined ? {} : { model: proposal.model }),
    ...(proposal.manifest === undefined ? {} : { manifest: proposal.manifest }),
    ...(g ? { usage: g.usage, latencyMs: g.latencyMs, finishReason: g.finishReason } : {}),
  };
}

function generateOptions(
  options: Omit<WorldReplyOptions, "speaker" | "director">,
  more: { parent?: string; generationType?: string },
) {
  return {
    ...more,
    ...(options.onDelta ? { onDelta: options.onDelta } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.budgetTokens ? { budgetTokens: options.budgetTokens } : {}),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  };
}
