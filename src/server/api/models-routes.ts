import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import type { Gateway } from "../gateway.ts";
import { HttpError } from "../http-error.ts";

/**
 * `GET /models`: the model names this user may chat with — served names, their characters and world chats — the
 * same list as /v1/models, for the web app (which signs in with a cookie, never a key).
 */
export async function modelsRoutes(appBase: FastifyInstance, options: { gateway: Gateway }): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/models",
    {
      schema: {
        tags: ["models"],
        summary: "Model names you can use: served models, your characters (character:…) and world chats (world:…)",
        response: { 200: z.array(z.object({ id: z.string(), created: z.number(), ownedBy: z.string() })) },
      },
    },
    async (request) => {
      if (!request.actor) throw new HttpError(401, "auth.required", "Sign in first.");
      return options.gateway.models(request.actor);
    },
  );
}
