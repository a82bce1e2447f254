import { UsageError } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { clearRunLeases, type LivenessCheck, leaseIsLive, listRunLeases, RunBusyError } from "./run-lease.ts";
import { countRunTurns, deleteRunRecords, getRun, runExists } from "./run-store.ts";

/** What `removeRun` deleted. */
export interface RemovedRun {
  id: string;
  status: string;
  turns: number;
}

/** How `removeRun` judges a run: liveness (clock, pid check) and whether to override a live holder. */
export type RemoveOptions = Partial<LivenessCheck> & { force?: boolean };

/**
 * Delete a run, its sessions and turns. The id must be exact (a prefix could name a run the user did not mean);
 * a run a live process holds is refused with RunBusyError unless `force`.
 */
export async function removeRun(store: Store, runId: string, options: RemoveOptions = {}): Promise<RemovedRun> {
  const removed = await checkRemovable(store, runId, options);
  await deleteRunRecords(store, runId);
  await clearRunLeases(store, runId);
  return removed;
}

/** What `removeRun` would delete, or the error it would throw, without deleting anything. */
export async function checkRemovable(store: Store, runId: string, options: RemoveOptions = {}): Promise<RemovedRun> {
  if (!(await runExists(store, runId))) {
    // getRun throws the usual "no such run" error, or finds what a prefix would have matched.
    const near = await getRun(store, runId);
    throw new UsageError("bench.rm_needs_exact_id", `No bench run "${runId}"; did you mean ${near.id}?`, {
      hint: "bench rm takes whole run ids (see `troupe bench ls`), so a prefix never deletes the wrong run.",
    });
  }
  const run = await getRun(store, runId);
  const now = options.now ?? Date.now();
  const live = (await listRunLeases(store, run.id)).filter((l) => leaseIsLive(l, { ...options, now }));
  const holder = live[0];
  if (holder && !options.force) throw new RunBusyError(run.id, holder, now);
  return { id: run.id, status: run.status, turns: await countRunTurns(store, run.id) };
}

/**
 * Delete a run that never got going (its start was refused: an unpriced budget, an unreachable queue), so a
 * refused start leaves no "running" run behind. A run with committed turns is kept. Returns whether it was deleted.
 */
export async function discardUnstartedRun(store: Store, runId: string): Promise<boolean> {
  if (!(await runExists(store, runId)) || (await countRunTurns(store, runId)) > 0) return false;
  await deleteRunRecords(store, runId);
  await clearRunLeases(store, runId);
  return true;
}
