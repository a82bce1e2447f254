import { TroupeError } from "../../core/index.ts";
import { HttpError } from "../http-error.ts";

/** World errors about something that is not there (or not the caller's): 404. */
const NOT_FOUND = new Set([
  "world.no_branch",
  "world.no_node",
  "world.no_fact",
  "world.no_manifest",
  "world.no_proposal",
  "world.no_pending",
  "world.no_character",
  "world.not_found",
]);

/** World errors about the state the world is in rather than the request: 409. */
const CONFLICT = new Set([
  "world.branch_exists",
  "world.proposal_stale",
  "world.not_proposal",
  "world.decision_pending",
  "world.pending_elsewhere",
  "world.commit_conflict",
  "world.branch_not_active",
]);

/**
 * A world operation's refusal as the HTTP error the client can act on (message and hint together); anything that
 * is not a world refusal is returned unchanged, for the API's error handler to classify.
 */
export function worldHttpError(error: unknown): unknown {
  // A storage failure is the server's, not the caller's: it stays a 500.
  if (!(error instanceof TroupeError) || !error.code.startsWith("world.") || error.code === "world.storage")
    return error;
  const status = NOT_FOUND.has(error.code) ? 404 : CONFLICT.has(error.code) ? 409 : 400;
  return new HttpError(status, error.code, error.hint ? `${error.message} ${error.hint}` : error.message);
}

/** Run a world operation, turning its refusals into HTTP errors. */
export async function asHttp<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw worldHttpError(error);
  }
}
