// kill -9 during commits: after each crash the world reopens whole (no torn turn, every acknowledged turn
// kept), its projection equals a replay from scratch, and committing goes on.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";
import { projectionSnapshot, replay, World } from "../../src/world/index.ts";

const CHILD = resolve(import.meta.dirname, "crash-child.ts");
const dir = mkdtempSync(join(tmpdir(), "troupe-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start the child, let it commit until `minTurns` are acknowledged plus `extraMs`, then SIGKILL it. */
async function runAndKill(args: string[], minTurns: number, extraMs: number) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CHILD, dir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let worldId = "";
  let acknowledged = -1;
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  await new Promise<void>((resolveRun, reject) => {
    let killing = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.startsWith("world ")) worldId = line.slice(6);
        if (line.startsWith("committed ")) acknowledged = Number(line.slice(10));
      }
      if (!killing && acknowledged >= minTurns) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), extraMs);
      }
    });
    // "close", not "exit": "exit" may come before the last lines in the pipe were read, and an acknowledgement
    // read late would make a correct world look one turn too long on a busy machine.
    child.on("close", (_code, signal) =>
      signal === "SIGKILL" ? resolveRun() : reject(new Error(`child exited on its own: ${stderr}`)),
    );
  });
  return { worldId, acknowledged };
}

describe("kill -9 during a commit", () => {
  it("leaves a consistent world every time", async () => {
    let worldId = "";
    let lastTurn = 0;
    for (const [trial, extraMs] of [7, 23, 41].entries()) {
      const run = await runAndKill(worldId ? [worldId] : [], lastTurn + 15, extraMs);
      worldId ||= run.worldId;
      const store = await openStore({ home: dir });
      try {
        const world = await World.open(store, worldId);
        const head = world.head();
        // Every acknowledged commit survived; at most the one in flight was added besides.
        expect(head.turn, `trial ${trial}`).toBeGreaterThanOrEqual(run.acknowledged);
        expect(head.turn, `trial ${trial}`).toBeLessThanOrEqual(run.acknowledged + 1);
        for (const node of world.ledger.nodes.values()) if (node.speaker) expect(node.events).toHaveLength(8);
        expect(projectionSnapshot(world.projection)).toEqual(projectionSnapshot(replay(world.ledger, head.id)));
        const next = await world.commit({
          storyTime: head.storyTime + 1,
          events: [{ kind: "happened", payload: { description: "after the crash" } }],
        });
        expect(next.turn).toBe(head.turn + 1);
        lastTurn = next.turn;
      } finally {
        await store.close();
      }
    }
  }, 120_000);
});
