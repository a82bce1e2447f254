import type { ServerExtension, ServerParts } from "./start-server.ts";

/**
 * The chat domain's part of the server: its /api routes, characters served as models, and the candidate log of
 * /v1 completions.
 */
export async function chatExtension(_parts: ServerParts): Promise<ServerExtension> {
  return {};
}
