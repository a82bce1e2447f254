import * as z from "zod";
import type { Scenario } from "./scenario.ts";

/** One member of a group scene's cast. */
export const GroupMemberSchema = z.object({ name: z.string().min(1), description: z.string().min(1) });
export type GroupMember = z.infer<typeof GroupMemberSchema>;

/** A group scene has 2 to 4 characters, as the seed's multi-character narratives do. */
export const GroupCastSchema = z.array(GroupMemberSchema).min(2).max(4);

/**
 * The cast of a group scene: the scenario's `world.cast` (2–4 members, each with a name and a description), or
 * undefined for a one-character scenario. A world-aware player seats this cast in its world and lets the director
 * choose who speaks; the default player voices them all in one turn, labelled `Name: …`, as the card asks.
 */
export function groupCastOf(scenario: Pick<Scenario, "world">): GroupMember[] | undefined {
  const parsed = GroupCastSchema.safeParse(scenario.world?.["cast"]);
  return parsed.success ? parsed.data : undefined;
}

/** True when `label` names a cast member: the full name or one of its words ("Dev" for "Dev Marchetti"). */
export function isCastLabel(label: string, cast: readonly string[]): boolean {
  const l = label.trim().toLowerCase();
  return cast.some((name) => {
    const n = name.toLowerCase();
    return n === l || n.split(/\s+/).includes(l);
  });
}
