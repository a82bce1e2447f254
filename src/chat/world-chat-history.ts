// Moving around a world-backed chat's history: choose an alternative, roll back, branch from any line, switch
// branches, and let time pass while the user is away (a proposal to accept or discard).
import type { ChatModel } from "../llm/index.ts";
import {
  acceptProposal,
  type Branch,
  type DigestStep,
  discardProposal,
  simulateOffscreen,
  type World,
  WorldError,
  type WorldNode,
} from "../world/index.ts";
import { lineNode, type WorldMessage, worldTranscript } from "./world-chat-message.ts";

/** The newest path down from a node: each step to its most recently recorded child. */
function newestLeaf(world: World, node: WorldNode): WorldNode {
  let at = node;
  for (;;) {
    const next = world.ledger.childrenOf(at.id).at(-1);
    if (!next) return at;
    at = next;
  }
}

/**
 * Show another alternative of a line: the branch's head moves to it, or to the newest line that continued from
 * it, so what was said after that alternative comes back too. Returns the transcript.
 */
export async function chooseWorldSwipe(world: World, nodeId: string): Promise<WorldMessage[]> {
  const node = lineNode(world, nodeId);
  if (!node) throw new WorldError("world.no_node", `No line ${nodeId} in this world.`);
  await world.resetHead(newestLeaf(world, node).id);
  return world.read(() => worldTranscript(world));
}

/** Roll the chat back so that the given line (on the branch in view) is the last one. Returns the transcript. */
export async function rollbackWorldChat(world: World, nodeId: string): Promise<WorldMessage[]> {
  const node = world.ledger.get(nodeId);
  if (!node || world.projection.path[node.turn] !== node.id)
    throw new WorldError("world.not_on_branch", `Turn ${nodeId} is not on branch ${world.current}.`, {
      hint: "Roll back to a line shown in the chat; to revive another alternative, choose it instead.",
    });
  await world.rollback(node.turn);
  return world.read(() => worldTranscript(world));
}

/** Branch the chat at any line (default: the last) and continue on the new branch. */
export async function branchWorldChat(world: World, name: string, at?: string): Promise<Branch> {
  return world.createBranch(name, { ...(at ? { from: at } : {}), checkout: true });
}

/** Continue the chat on another branch. Proposal branches are not for chatting: accept or discard them. */
export async function checkoutWorldBranch(world: World, name: string): Promise<WorldMessage[]> {
  if (world.branch(name).status !== "active")
    throw new WorldError("world.branch_not_active", `Branch ${name} is ${world.branch(name).status}, not active.`, {
      hint: "Switch to an active branch; an away proposal is accepted or discarded instead.",
    });
  await world.checkout(name);
  return world.read(() => worldTranscript(world));
}

/** What happened while the user was away, proposed on its own branch until accepted or discarded. */
export interface AwayProposal {
  /** The proposal's id (its branch is `proposal/<id>`). */
  id: string;
  branch: string;
  /** The node it forked from and the story time span it covers. */
  base: string;
  fromStoryTime: number;
  toStoryTime: number;
  steps: DigestStep[];
  /** The digest as readable text. */
  text: string;
  status: Branch["status"];
}

const PROPOSAL_PREFIX = "proposal/";

/** The branch of an away proposal id (`away-1` → `proposal/away-1`); a full branch name is accepted too. */
export function awayBranch(world: World, id: string): string {
  const name = id.startsWith(PROPOSAL_PREFIX) ? id : `${PROPOSAL_PREFIX}${id}`;
  if (!world.ledger.branches.has(name))
    throw new WorldError("world.no_proposal", `No away proposal "${id}".`, {
      hint: "Propose one first (away with a duration).",
    });
  return name;
}

/** Let `elapsedMinutes` of story time pass off-screen; the chat's branch does not move until accepted. */
export async function proposeAway(
  world: World,
  model: ChatModel,
  elapsedMinutes: number,
  options: { signal?: AbortSignal; maxSteps?: number } = {},
): Promise<AwayProposal> {
  const digest = await simulateOffscreen(world, {
    elapsedMinutes,
    model,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
  });
  return {
    id: digest.branch.slice(PROPOSAL_PREFIX.length),
    branch: digest.branch,
    base: digest.base,
    fromStoryTime: digest.from,
    toStoryTime: digest.to,
    steps: digest.steps,
    text: digest.text,
    status: world.branch(digest.branch).status,
  };
}

/** Accept an away proposal onto the branch in view: its head moves to the proposal's. Returns the transcript. */
export async function acceptAway(world: World, id: string, keepSteps?: number): Promise<WorldMessage[]> {
  const branch = awayBranch(world, id);
  let upTo: string | undefined;
  if (keepSteps !== undefined) {
    // An edited digest: keep the first `keepSteps` committed steps (the proposal is a chain, one node per step).
    const nodes = world.ledger.pathTo(world.branch(branch).head).filter((n) => n.branch === branch);
    if (!Number.isInteger(keepSteps) || keepSteps < 1 || keepSteps > nodes.length)
      throw new WorldError(
        "world.bad_keep",
        `Keep between 1 and ${nodes.length} of the proposal's ${nodes.length} committed steps (or discard it).`,
      );
    upTo = nodes[keepSteps - 1]?.id;
  }
  await acceptProposal(world, branch, world.current, upTo);
  return world.read(() => worldTranscript(world));
}

/** Discard an away proposal: none of it reaches the chat. */
export async function discardAway(world: World, id: string): Promise<void> {
  await discardProposal(world, awayBranch(world, id));
}
