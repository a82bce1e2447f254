import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { FeedbackBatchSchema, ingestEvents } from "../../feedback/index.ts";
import type { Store } from "../../store/index.ts";
import { HttpError } from "../http-error.ts";

/** The most a batch may weigh: sendBeacon's whole budget is 64 KiB. */
export const EVENTS_BODY_LIMIT = 64 * 1024;

/** Options of the events route. */
export interface EventsRoutesOptions {
  store: Store;
  now: () => number;
  rateLimit?: { max: number; timeWindow: number };
}

/**
 * `POST /events`: feedback events in batches, idempotent by event id (a batch sent twice is stored once). Accepts
 * JSON and text/plain (what sendBeacon sends for a string), so the leave beacon needs no preflight.
 */
export async function eventsRoutes(appBase: FastifyInstance, options: EventsRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    "text/plain",
    { parseAs: "string", bodyLimit: EVENTS_BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new HttpError(400, "invalid_json", "The events body is not valid JSON."), undefined);
      }
    },
  );
  app.post(
    "/events",
    {
      bodyLimit: EVENTS_BODY_LIMIT,
      config: { csrfExempt: true, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) },
      schema: {
        tags: ["events"],
        summary: "Store a batch of feedback events (idempotent by event_id); invalid events are reported by index",
        body: FeedbackBatchSchema,
        response: {
          200: z.object({
            accepted: z.number(),
            duplicates: z.number(),
            rejected: z.array(z.object({ index: z.number(), message: z.string() })),
          }),
        },
      },
    },
    async (request) => {
      const actor = request.actor;
      if (!actor) throw new HttpError(401, "auth.required", "Sign in first.");
      return ingestEvents(options.store, actor.userId, request.body.events, {
        now: options.now(),
        sentAtClient: request.body.sent_at_client,
        source: "serve",
      });
    },
  );
}
