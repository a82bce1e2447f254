import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import type { Actor } from "../actor.ts";
import { requireAdmin, SESSION_COOKIE } from "../auth/authenticate.ts";
import { type IdentityStore, SESSION_MAX_MS } from "../auth/identity-store.ts";
import { HttpError } from "../http-error.ts";

const User = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(["admin", "user"]),
  createdAt: z.number(),
  hasPassword: z.boolean(),
});
const Session = z.object({ user: User, csrfToken: z.string().nullable() });
const KeyInfo = z.object({
  id: z.string(),
  label: z.string(),
  hint: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
const NewKey = z.object({ key: z.string().describe("shown once; only its hash is stored"), info: KeyInfo });
const Login = z.union([
  z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
  z.object({ apiKey: z.string().min(1).max(200) }),
]);

/** Options of the identity routes. */
export interface AuthRoutesOptions {
  identity: IdentityStore;
  /** Per-IP limit on sign-in attempts (passed to @fastify/rate-limit). */
  loginRateLimit: { max: number; timeWindow: number };
}

const actorOf = (request: FastifyRequest): Actor => {
  if (!request.actor) throw new HttpError(401, "auth.required", "Sign in first.");
  return request.actor;
};

/** Sign-in and sign-out (cookie sessions), the signed-in user, users (admins) and API keys (each user's own). */
export async function authRoutes(appBase: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { identity } = options;

  const startSession = async (reply: FastifyReply, request: FastifyRequest, userId: string) => {
    const sessionId = await identity.createSession(userId);
    reply.setCookie(SESSION_COOKIE, sessionId, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: request.protocol === "https",
      maxAge: SESSION_MAX_MS / 1000,
    });
    return identity.csrfToken(sessionId);
  };

  app.post(
    "/session",
    {
      config: { public: true, rateLimit: options.loginRateLimit },
      schema: {
        tags: ["auth"],
        summary: "Sign in with a name and password, or an API key; sets the session cookie",
        body: Login,
        response: { 200: Session },
      },
    },
    async (request, reply) => {
      const body = request.body;
      let user: Awaited<ReturnType<IdentityStore["getUser"]>>;
      if ("apiKey" in body) {
        const actor = await identity.actorForKey(body.apiKey);
        user = actor ? await identity.getUser(actor.userId) : undefined;
      } else user = await identity.checkPassword(body.name, body.password);
      if (!user) throw new HttpError(401, "auth.bad_credentials", "Wrong name, password or key.");
      // A new id at every sign-in: a session id planted before sign-in is worthless afterwards.
      const old = request.cookies[SESSION_COOKIE];
      if (old) await identity.deleteSession(old);
      const csrfToken = await startSession(reply, request, user.id);
      return { user, csrfToken };
    },
  );

  app.get(
    "/session",
    {
      schema: {
        tags: ["auth"],
        summary: "The signed-in user and the CSRF token for writes",
        response: { 200: Session },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const user = await identity.getUser(actor.userId);
      if (!user) throw new HttpError(401, "auth.required", "Sign in first.");
      const sessionId = request.cookies[SESSION_COOKIE];
      return { user, csrfToken: actor.via === "session" && sessionId ? await identity.csrfToken(sessionId) : null };
    },
  );

  app.delete(
    "/session",
    { schema: { tags: ["auth"], summary: "Sign out", response: { 204: z.null() } } },
    async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await identity.deleteSession(sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/users",
    { schema: { tags: ["users"], summary: "Every user (admins only)", response: { 200: z.array(User) } } },
    async (request) => {
      requireAdmin(actorOf(request));
      return identity.listUsers();
    },
  );

  app.post(
    "/users",
    {
      schema: {
        tags: ["users"],
        summary: "Create a user (admins only); returns a first API key for them",
        body: z.object({
          name: z.string(),
          role: z.enum(["admin", "user"]).optional(),
          password: z.string().max(1024).optional(),
        }),
        response: { 201: z.object({ user: User, key: z.string() }) },
      },
    },
    async (request, reply) => {
      requireAdmin(actorOf(request));
      const body = request.body;
      const user = await identity.createUser({
        name: body.name,
        ...(body.role ? { role: body.role } : {}),
        ...(body.password === undefined ? {} : { password: body.password }),
      });
      const { key } = await identity.createKey(user.id, "first key");
      return reply.code(201).send({ user, key });
    },
  );

  app.get(
    "/keys",
    {
      schema: {
        tags: ["keys"],
        summary: "Your API keys (never the keys themselves)",
        response: { 200: z.array(KeyInfo) },
      },
    },
    async (request) => identity.listKeys(actorOf(request).userId),
  );

  app.post(
    "/keys",
    {
      schema: {
        tags: ["keys"],
        summary: "Create an API key; the key is in this response only",
        body: z.object({ label: z.string().max(100).optional() }).optional(),
        response: { 201: NewKey },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await identity.createKey(actorOf(request).userId, request.body?.label ?? "default")),
  );

  app.delete(
    "/keys/:id",
    {
      schema: {
        tags: ["keys"],
        summary: "Revoke one of your API keys (immediately)",
        params: z.object({ id: z.string() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      if (!(await identity.revokeKey(actorOf(request).userId, request.params.id)))
        throw new HttpError(404, "key.not_found", `No API key "${request.params.id}".`);
      return reply.code(204).send(null);
    },
  );
}
