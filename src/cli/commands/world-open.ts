import { UsageError } from "../../core/index.ts";
import { World } from "../../world/index.ts";
import type { CommandContext } from "../context.ts";

// Shared by the `world` subcommand files; kept apart from world.ts, which registers them, so no file imports back.

/** Open a world (by id, id prefix or name), optionally viewing another branch. */
export async function openWorld(ctx: CommandContext, ref: string, branch?: string): Promise<World> {
  const world = await World.open(await ctx.store(), ref);
  if (branch) world.focus(branch);
  return world;
}

/** Parse a non-negative integer flag. */
export function turnFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError("world.bad_flag", `${flag} must be a turn number (0, 1, 2, …), not "${value}".`, {
      hint: "See `troupe world timeline <world>` for the turns.",
    });
  return Number(value);
}
