import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ChatService } from "../../chat/index.ts";
import { HttpError } from "../http-error.ts";
import { openSse } from "../sse.ts";
import type { StreamBus } from "../state/stream-bus.ts";
import { chatHttp } from "./chat-http-error.ts";
import { ownerOf } from "./chat-routes-options.ts";
import { ErrorSchema, MessageParams } from "./chat-schemas.ts";

/** Options of the reply-stream route. */
export interface ReplyStreamRoutesOptions {
  chats: ChatService;
  bus: StreamBus;
  pingMs?: number;
}

/**
 * `GET /chats/:id/messages/:mid/stream`: follow a reply from any server process — every piece so far, then the rest
 * as it is generated (SSE `delta` {messageId, text}, then `done` {message}); a finished reply answers with `done`
 * at once. For a second tab, or a client whose connection dropped mid-reply.
 */
export async function replyStreamRoutes(appBase: FastifyInstance, options: ReplyStreamRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/chats/:id/messages/:mid/stream",
    {
      schema: {
        tags: ["messages"],
        summary: "Follow a reply being generated, from its first token, from any server process",
        description:
          "Streams Server-Sent Events: `delta` ({messageId, text}) pieces in order, then `done` ({message}).",
        params: MessageParams,
        produces: ["text/event-stream"],
        response: { 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const owner = ownerOf(request);
      const { id, mid } = request.params;
      const find = async () => {
        const view = await chatHttp(() => options.chats.getChat(owner, id));
        return view.messages.find((m) => m.id === mid);
      };
      const message = await find();
      if (!message) throw new HttpError(404, "message.not_found", `No message "${mid}".`);
      const sse = openSse(request, reply, options.pingMs === undefined ? {} : { pingMs: options.pingMs });
      try {
        if (message.status === "streaming") {
          for await (const event of options.bus.read(mid, { signal: sse.signal })) {
            if (event.kind === "delta") await sse.send(JSON.stringify({ messageId: mid, text: event.text }), "delta");
            else {
              await sse.send(JSON.stringify({ message: event.message }), "done");
              return;
            }
          }
        }
        // Finished before we looked, or a reply the bus does not know (its process had no shared bus): as stored.
        const stored = (await find()) ?? message;
        await sse.send(JSON.stringify({ message: stored }), "done");
      } finally {
        sse.end();
      }
    },
  );
}
