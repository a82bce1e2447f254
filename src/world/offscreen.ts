import * as z from "zod";
import { type ChatModel, generateObject, LlmError } from "../llm/index.ts";
import type { WorldNode } from "./event.ts";
import { draftsFromExtraction, ExtractedEventSchema } from "./extraction.ts";
import { factText } from "./fact.ts";
import { checkInvariants } from "./invariants.ts";
import type { EventDraft } from "./node-builder.ts";
import { isDead, locationOf } from "./presence.ts";
import type { Projection } from "./projection.ts";
import { beliefsOf, currentFacts, openHooks } from "./queries.ts";
import { formatDuration, formatStoryTime } from "./story-time.ts";
import type { World } from "./world.ts";
import { WorldError } from "./world-error.ts";

/** What the simulation model answers for one off-screen step. */
export const OffscreenStepSchema = z.object({
  action: z.string().min(1).describe("one sentence: what the character does in this stretch of time"),
  location: z.string().optional(),
  events: z.array(ExtractedEventSchema).max(8).default([]).describe("the world changes and hooks the action causes"),
});

/** One step of a simulation, as the digest shows it. */
export interface DigestStep {
  actor: string;
  storyTime: number;
  action: string;
  changes: string[];
  node?: string;
  /** Why the step was not committed, when it was not (shown, never hidden). */
  rejected?: string;
}

/** The result of an off-screen simulation: a proposal branch and a readable digest. */
export interface OffscreenDigest {
  branch: string;
  base: string;
  from: number;
  to: number;
  steps: DigestStep[];
  text: string;
}

export interface OffscreenOptions {
  /** Story minutes that pass while the user is away. */
  elapsedMinutes: number;
  model: ChatModel;
  /** At most this many actions (the loop is bounded whatever the model does). Default 6. */
  maxSteps?: number;
  /** Who may act; default every living cast member. */
  actors?: string[];
  signal?: AbortSignal;
}

function stepPrompt(p: Projection, world: World, actor: string, minutes: number) {
  const goals = currentFacts(p, { subject: actor, predicate: "goal" }).map((f) => f.object);
  const knows = beliefsOf(p, actor)
    .filter((b) => b.fact.predicate !== "type" && b.fact.predicate !== "role")
    .slice(0, 30)
    .map((b) => `- ${factText(b.fact)}`);
  const hooks = openHooks(p)
    .filter((h) => h.involves.includes(actor))
    .map((h) => `- ${h.id}: ${h.description}`);
  const card = world.setup.cast.find((c) => c.name === actor);
  return {
    messages: [
      {
        role: "system" as const,
        content:
          `You run a living world while the user (${world.setup.userName}) is away. Decide what ${actor} does during the ` +
          `next ${formatDuration(minutes)} of story time, pursuing their goals, in character. One plausible action; ` +
          `list the world changes it causes (subject–predicate–object, op set/add/remove) and any new hooks. Do not ` +
          `involve ${world.setup.userName}.`,
      },
      {
        role: "user" as const,
        content: [
          `${actor}: ${card?.description ?? ""} ${card?.personality ?? ""}`.trim(),
          `Now: ${formatStoryTime(p.storyTimes[p.headTurn] ?? 0)}; ${actor} is at ${locationOf(p, actor) ?? "an unknown place"}.`,
          goals.length ? `Goals: ${goals.join("; ")}` : "Goals: none recorded; act on the character's nature.",
          knows.length ? `${actor} knows:\n${knows.join("\n")}` : "",
          hooks.length ? `Open threads involving ${actor}:\n${hooks.join("\n")}` : "",
        ]
          .filter(Boolean)
          .join("\n\n"),
      },
    ],
    temperature: 0.7,
  };
}

/**
 * Let off-screen characters act while story time passes, on a new proposal branch forked from the head: a
 * bounded loop (at most `maxSteps` actions, round-robin over the actors, time split evenly). Each step is
 * checked against the invariants like any turn; a step that breaks one is not committed and the digest says
 * why. The main branch does not move until the user accepts.
 */
export async function simulateOffscreen(world: World, options: OffscreenOptions): Promise<OffscreenDigest> {
  if (!(options.elapsedMinutes > 0))
    throw new WorldError("world.bad_elapsed", "Off-screen simulation needs some story time to pass.", {
      hint: 'Give a duration such as "3h" or "2d".',
    });
  const base = world.head();
  const n = [...world.ledger.branches.keys()].filter((b) => b.startsWith("proposal/")).length + 1;
  const branch = `proposal/away-${n}`;
  await world.createBranch(branch, { from: base.id, status: "proposal" });
  const actors = (options.actors ?? world.setup.cast.map((c) => c.name)).filter((a) => !isDead(world.projection, a));
  const maxSteps = Math.max(1, Math.min(options.maxSteps ?? 6, 50));
  const slice = Math.max(1, Math.floor(options.elapsedMinutes / maxSteps));
  const steps: DigestStep[] = [];
  // The proposal branch is read through views of its head and committed to by name: the branch in view never
  // changes, so a chat going on meanwhile neither sees the proposal nor commits onto it.
  for (let k = 0; k < maxSteps && actors.length > 0; k++) {
    const actor = actors[k % actors.length] as string;
    const headId = world.branch(branch).head;
    const { headTime, prompt } = await world.view(headId, (p) => ({
      headTime: p.storyTimes[p.headTurn] ?? base.storyTime,
      prompt: stepPrompt(p, world, actor, slice),
    }));
    const storyTime = Math.min(base.storyTime + options.elapsedMinutes, headTime + slice);
    let step: z.infer<typeof OffscreenStepSchema>;
    try {
      ({ object: step } = await generateObject(options.model, prompt, OffscreenStepSchema, {
        name: "offscreen_step",
        role: "offscreen",
        ...(options.signal ? { signal: options.signal } : {}),
      }));
    } catch (error) {
      if (!(error instanceof LlmError && error.kind === "invalid_output")) throw error;
      steps.push({
        actor,
        storyTime,
        action: "(no valid action)",
        changes: [],
        rejected: "the model gave no valid action",
      });
      continue;
    }
    const { drafts, notices, changes, violations } = await world.view(headId, (p) => {
      const extracted = draftsFromExtraction(
        { minutesPassed: 0, events: step.events },
        {
          storyTime,
          knownEvent: (id) => p.hasEvent(id),
          hookIds: new Set(openHooks(p).map((h) => h.id)),
          defaultWitnesses: [actor],
        },
      );
      const drafts: EventDraft[] = [
        {
          kind: "happened",
          payload: {
            description: step.action,
            actor,
            ...(step.location ? { location: step.location } : {}),
            importance: 4,
          },
          witnesses: [actor],
        },
        ...extracted.drafts,
      ];
      const trial = world.buildNode(
        { id: `${world.id}.trial`, kind: "offscreen", storyTime, events: drafts },
        world.ledger.get(headId) as WorldNode,
        branch,
      );
      return {
        drafts,
        notices: extracted.notices,
        violations: checkInvariants(p, world.setup, trial, { generated: true }),
        changes: trial.events
          .filter((e) => e.kind === "changed")
          .map((e) =>
            e.kind === "changed" ? `${e.payload.op === "remove" ? "no longer: " : ""}${factText(e.payload)}` : "",
          ),
      };
    });
    if (violations.length > 0) {
      steps.push({
        actor,
        storyTime,
        action: step.action,
        changes,
        rejected: violations.map((v) => v.message).join("; "),
      });
      continue;
    }
    const node: WorldNode = await world.commit(
      { parent: headId, kind: "offscreen", storyTime, events: drafts, meta: { offscreen: true, notices } },
      { branch },
    );
    steps.push({ actor, storyTime, action: step.action, changes, node: node.id });
  }
  const to = base.storyTime + options.elapsedMinutes;
  const lines = [
    `While ${world.setup.userName} was away (${formatStoryTime(base.storyTime)} → ${formatStoryTime(to)}), on branch ${branch}:`,
    ...steps.map((s) =>
      s.rejected
        ? `  ✗ ${formatStoryTime(s.storyTime)} ${s.actor}: ${s.action} — not committed: ${s.rejected}`
        : `  • ${formatStoryTime(s.storyTime)} ${s.actor}: ${s.action}${s.changes.length ? ` (${s.changes.join("; ")})` : ""}`,
    ),
    `Accept, edit (strike events on ${branch}) or discard it.`,
  ];
  return { branch, base: base.id, from: base.storyTime, to, steps, text: lines.join("\n") };
}

/**
 * Accept a proposal: the target branch's head moves to the proposal's head. Refused if the target has moved on
 * since the proposal was forked (the proposal would silently drop those turns).
 */
export async function acceptProposal(
  world: World,
  branch: string,
  target = "main",
  /** Accept only up to this node of the proposal (an edited digest keeps its first steps); default: all of it. */
  upTo?: string,
): Promise<void> {
  const proposal = world.branch(branch);
  if (proposal.status !== "proposal")
    throw new WorldError("world.not_proposal", `Branch ${branch} is not an open proposal (it is ${proposal.status}).`);
  const t = world.branch(target);
  if (proposal.base !== undefined && t.head !== proposal.base && !world.ledger.isAncestor(t.head, proposal.head))
    throw new WorldError("world.proposal_stale", `${target} has moved on since ${branch} was proposed.`, {
      hint: "Discard the proposal and simulate again from the current head.",
    });
  const head = upTo ?? proposal.head;
  if (head !== proposal.head && !world.ledger.isAncestor(head, proposal.head))
    throw new WorldError("world.not_in_proposal", `Node ${head} is not a step of proposal ${branch}.`);
  await world.setBranchStatus(branch, "accepted", { branch: target, head });
}

/** Discard a proposal: nothing of it reaches any other branch's projection. */
export async function discardProposal(world: World, branch: string): Promise<void> {
  const proposal = world.branch(branch);
  if (proposal.status !== "proposal")
    throw new WorldError("world.not_proposal", `Branch ${branch} is not an open proposal (it is ${proposal.status}).`);
  await world.setBranchStatus(branch, "discarded");
}
