import type {} from "@fastify/cookie";
import type { FastifyRequest } from "fastify";
import type { Actor } from "../actor.ts";
import { HttpError } from "../http-error.ts";
import type { IdentityStore } from "./identity-store.ts";

/** The browser session cookie. `__Host-` needs HTTPS, so plain-HTTP local servers use the bare name. */
export const SESSION_COOKIE = "troupe_sid";
/** The header a browser sends its CSRF token in on every state-changing /api call. */
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The bearer token of a request (Authorization: Bearer …, or x-api-key as some clients send). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const alt = request.headers["x-api-key"];
  return typeof alt === "string" ? alt : undefined;
}

/** For /v1 and MiniMax routes: a valid API key or 401. Cookies are never accepted there. */
export function keyAuthenticator(identity: IdentityStore): (request: FastifyRequest) => Promise<Actor> {
  return async (request) => {
    const token = bearerToken(request);
    if (!token) throw new HttpError(401, "invalid_api_key", "No API key: send it as 'Authorization: Bearer <key>'.");
    const actor = await identity.actorForKey(token);
    if (!actor) throw new HttpError(401, "invalid_api_key", "The API key is not valid or has been revoked.");
    request.actor = actor;
    return actor;
  };
}

/** Options of the /api authenticator. */
export interface ApiAuthOptions {
  /** Routes a browser may call without the CSRF header (sendBeacon cannot set one): only the Fetch-Metadata check. */
  csrfExempt?: (request: FastifyRequest) => boolean;
}

/**
 * For /api: a bearer key (scripts) or the session cookie (the web app). A cookie-authenticated write must come from
 * this origin (Sec-Fetch-Site / Origin) and carry the session's CSRF token, so another site cannot act for a
 * signed-in user.
 */
export function apiAuthenticator(
  identity: IdentityStore,
  options: ApiAuthOptions = {},
): (request: FastifyRequest) => Promise<Actor> {
  return async (request) => {
    const token = bearerToken(request);
    if (token) {
      const actor = await identity.actorForKey(token);
      if (!actor) throw new HttpError(401, "auth.invalid_key", "The API key is not valid or has been revoked.");
      request.actor = actor;
      return actor;
    }
    const sessionId = request.cookies?.[SESSION_COOKIE];
    const actor = sessionId ? await identity.actorForSession(sessionId) : undefined;
    if (!actor || !sessionId)
      throw new HttpError(401, "auth.required", "Sign in first, or send an API key as 'Authorization: Bearer <key>'.");
    if (!SAFE_METHODS.has(request.method)) {
      checkSameOrigin(request);
      if (!options.csrfExempt?.(request)) {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== "string" || sent !== (await identity.csrfToken(sessionId)))
          throw new HttpError(403, "auth.csrf", "Missing or wrong CSRF token: reload the page and try again.");
      }
    }
    request.actor = actor;
    return actor;
  };
}

/** Refuse a cookie-carrying write that the browser says came from another site. */
export function checkSameOrigin(request: FastifyRequest): void {
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string") {
    if (site !== "same-origin" && site !== "none")
      throw new HttpError(403, "auth.cross_site", "Cross-site requests cannot change anything here.");
    return;
  }
  const origin = request.headers.origin;
  if (typeof origin === "string" && origin !== "null") {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new HttpError(403, "auth.cross_site", "Cross-site requests cannot change anything here.");
    }
    if (host !== request.headers.host)
      throw new HttpError(403, "auth.cross_site", "Cross-site requests cannot change anything here.");
  }
}

/** Admin-only routes: 403 for everyone else. */
export function requireAdmin(actor: Actor): void {
  if (actor.role !== "admin") throw new HttpError(403, "auth.admin_only", "Only an admin can do this.");
}
