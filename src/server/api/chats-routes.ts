import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { chatHttp } from "./chat-http-error.ts";
import { type ChatRoutesOptions, ownerOf } from "./chat-routes-options.ts";
import { ChatParams, ChatSummarySchema, ChatViewSchema, CreateChatBody, ErrorSchema } from "./chat-schemas.ts";

const TAGS = ["chats"];

/** `/chats`: start a chat with a character, list, read (the shown path with swipe counts) and delete chats. */
export async function chatRoutes(appBase: FastifyInstance, options: ChatRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { chats } = options;

  app.post(
    "/chats",
    {
      schema: {
        tags: TAGS,
        summary: "Start a chat with a character: its greeting first, alternate greetings as the greeting's swipes",
        body: CreateChatBody,
        response: { 201: ChatViewSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { characterId, persona, model, sampling, title } = request.body;
      const view = await chatHttp(() =>
        chats.createChat(ownerOf(request), {
          characterId,
          ...(persona ? { persona } : {}),
          ...(model !== undefined ? { model } : {}),
          ...(sampling ? { sampling } : {}),
          ...(title !== undefined ? { title } : {}),
        }),
      );
      return reply.code(201).send(view);
    },
  );

  app.get(
    "/chats",
    {
      schema: {
        tags: TAGS,
        summary: "The caller's chats, most recently active first",
        response: { 200: z.object({ chats: z.array(ChatSummarySchema) }) },
      },
    },
    async (request) => ({ chats: await chats.listChats(ownerOf(request)) }),
  );

  app.get(
    "/chats/:id",
    {
      schema: {
        tags: TAGS,
        summary:
          "A chat and its shown path: per message its swipe position (index of count), siblings and candidate id",
        params: ChatParams,
        response: { 200: ChatViewSchema, 404: ErrorSchema },
      },
    },
    async (request) => chatHttp(() => chats.getChat(ownerOf(request), request.params.id)),
  );

  app.delete(
    "/chats/:id",
    {
      schema: {
        tags: TAGS,
        summary: "Delete a chat with all its messages, ratings and candidate-log rows",
        params: ChatParams,
        response: { 204: z.null(), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      await chatHttp(() => chats.deleteChat(ownerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );
}
