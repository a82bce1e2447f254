import type {} from "fastify";

/** Who is calling: the owner every query is scoped by. Taken from the API key or session, never from the body. */
export interface Actor {
  userId: string;
  role: "admin" | "user";
  /** How the caller proved who they are. */
  via: "key" | "session";
  /** The API key's public id, when called with a key (for per-key rate limits and logs). */
  keyId?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the authentication hook of /v1, /minimax and /api routes; absent on public routes. */
    actor?: Actor;
  }
}
