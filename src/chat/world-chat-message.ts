import type { World, WorldNode } from "../world/index.ts";

/**
 * One line of a world-backed chat as plain data: a world node that carries a line. The chat's message rows point
 * at `nodeId`, so the candidate log and feedback events name the same line for plain and world chats alike.
 */
export interface WorldMessage {
  nodeId: string;
  /** The node it hangs under (its previous turn; a line's alternatives share it). */
  parentNodeId: string | null;
  turn: number;
  role: "user" | "assistant";
  speaker: string;
  text: string;
  /** Story minutes since the epoch when the line was said. */
  storyTime: number;
  createdAt: number;
  /** How many lines hang under the same parent (this one included), and this one's 0-based place among them. */
  siblingCount: number;
  siblingIndex: number;
  /** The model that generated it (absent for the user's lines and the greeting). */
  model?: string;
  greeting?: boolean;
}

/** Whether a node carries a line of the conversation (not the root, an edit or an off-screen step). */
export function isLine(node: WorldNode): boolean {
  return node.text !== undefined && node.speaker !== undefined;
}

/** A world node as a chat message; its alternatives are the other lines under the same parent. */
export function worldMessage(world: World, node: WorldNode): WorldMessage {
  const siblings = node.parent === null ? [node] : world.ledger.childrenOf(node.parent).filter(isLine);
  const model = node.meta?.["model"];
  return {
    nodeId: node.id,
    parentNodeId: node.parent,
    turn: node.turn,
    role: node.speaker === world.setup.userName ? "user" : "assistant",
    speaker: node.speaker ?? "",
    text: node.text ?? "",
    storyTime: node.storyTime,
    createdAt: node.createdAt,
    siblingCount: Math.max(1, siblings.length),
    siblingIndex: Math.max(
      0,
      siblings.findIndex((s) => s.id === node.id),
    ),
    ...(typeof model === "string" ? { model } : {}),
    ...(node.meta?.["greeting"] === true ? { greeting: true } : {}),
  };
}

/** The lines on the branch in view, oldest first: what the chat shows. */
export function worldTranscript(world: World): WorldMessage[] {
  return world.projection.nodes.filter(isLine).map((n) => worldMessage(world, n));
}

/** A node by id, or a WorldError-free undefined when the world has none. */
export function lineNode(world: World, nodeId: string): WorldNode | undefined {
  const node = world.ledger.get(nodeId);
  return node && isLine(node) ? node : undefined;
}
