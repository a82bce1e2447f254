import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { createWorldChatFromCharacters, createWorldChatOnWorld, worldChatView } from "../../chat/index.ts";
import { requireAdmin } from "../auth/authenticate.ts";
import { HttpError } from "../http-error.ts";
import { chatHttp } from "./chat-http-error.ts";
import { actorOf, type ChatRoutesOptions, ownerOf } from "./chat-routes-options.ts";
import {
  ChatParams,
  ChatSummarySchema,
  ChatViewSchema,
  CreateChatBody,
  ErrorSchema,
  UpdateChatBody,
} from "./chat-schemas.ts";
import type { WorldChatRouteOptions } from "./world-chat-actions.ts";
import { worldChatHttpError } from "./world-chat-answer.ts";

const TAGS = ["chats"];

/**
 * `/chats`: start a chat with a character or a world-backed chat with several, list, read (the shown path with
 * swipe counts) and delete chats.
 */
export async function chatRoutes(
  appBase: FastifyInstance,
  options: ChatRoutesOptions & { worlds?: WorldChatRouteOptions },
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { chats, worlds } = options;

  app.post(
    "/chats",
    {
      schema: {
        tags: TAGS,
        summary:
          "Start a chat with a character (its greeting first, alternate greetings as the greeting's swipes), or " +
          "with `world: true` a world-backed chat with one or more of your characters (`characterIds`), or (admins) a " +
          "chat on an existing world (`worldRef`)",
        body: CreateChatBody,
        response: { 201: ChatViewSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { characterId, characterIds, world, worldRef, persona, model, sampling, title } = request.body;
      if (worldRef !== undefined) {
        // Worlds made outside the server (troupe world new) have no owner: only an admin may hand one to a chat.
        requireAdmin(actorOf(request));
        if (!worlds) throw new HttpError(400, "world.not_served", "This server does not keep world-backed chats.");
        if (characterId || characterIds || persona || sampling)
          throw new HttpError(400, "invalid_request", "A chat on an existing world takes its cast and user from it.", {
            param: "worldRef",
          });
        const made = await createWorldChatOnWorld(worlds.deps, ownerOf(request), worldRef, {
          ...(model !== undefined ? { model } : {}),
          ...(title !== undefined ? { title } : {}),
        }).catch((error: unknown) => {
          throw worldChatHttpError(error);
        });
        worlds.keep?.(made.world);
        return reply.code(201).send(await worldChatView(worlds.deps, ownerOf(request), made.chatId, made.world));
      }
      if (world) {
        if (!worlds) throw new HttpError(400, "world.not_served", "This server does not keep world-backed chats.");
        const ids = characterIds ?? (characterId ? [characterId] : []);
        if (ids.length === 0 || (characterIds && characterId))
          throw new HttpError(400, "invalid_request", "A world chat names its cast in characterIds (one or more).", {
            param: "characterIds",
          });
        if (sampling)
          throw new HttpError(400, "invalid_request", "A world chat takes its sampling from the model's policy.", {
            param: "sampling",
          });
        const made = await createWorldChatFromCharacters(worlds.deps, ownerOf(request), {
          characterIds: ids,
          ...(persona ? { persona } : {}),
          ...(model !== undefined ? { model } : {}),
          ...(title !== undefined ? { title } : {}),
        }).catch((error: unknown) => {
          throw worldChatHttpError(error);
        });
        worlds.keep?.(made.world);
        return reply.code(201).send(await worldChatView(worlds.deps, ownerOf(request), made.chatId, made.world));
      }
      if (characterId === undefined || characterIds !== undefined)
        throw new HttpError(
          400,
          "invalid_request",
          characterIds !== undefined
            ? "characterIds makes a world-backed chat: add world: true, or name one characterId."
            : "Name the character to chat with (characterId).",
          { param: characterIds !== undefined ? "characterIds" : "characterId" },
        );
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
    async (request) => {
      const view = await chatHttp(() => chats.getChat(ownerOf(request), request.params.id));
      // A world chat's rows keep every alternative; the world says where its branch in view ends.
      if (!view.chat.worldId || !worlds) return view;
      const world = await worlds.world(view.chat.worldId);
      return worldChatView(worlds.deps, ownerOf(request), request.params.id, world);
    },
  );

  app.patch(
    "/chats/:id",
    {
      schema: {
        tags: TAGS,
        summary: "Change a chat's persona, model, sampling or title; later replies use them",
        params: ChatParams,
        body: UpdateChatBody,
        response: { 200: ChatSummarySchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { persona, model, sampling, title } = request.body;
      return chatHttp(() =>
        chats.updateChat(ownerOf(request), request.params.id, {
          ...(persona ? { persona } : {}),
          ...(model !== undefined ? { model } : {}),
          ...(sampling ? { sampling } : {}),
          ...(title !== undefined ? { title } : {}),
        }),
      );
    },
  );

  app.delete(
    "/chats/:id",
    {
      schema: {
        tags: TAGS,
        summary:
          "Delete a chat with all its messages, ratings and candidate-log rows (and a world-backed chat's world)",
        params: ChatParams,
        response: { 204: z.null(), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const worldId = worlds?.forget
        ? (await chatHttp(() => chats.chatSummary(ownerOf(request), request.params.id))).worldId
        : null;
      await chatHttp(() => chats.deleteChat(ownerOf(request), request.params.id));
      // The world went with its chat: this process lets go of it too.
      if (worldId) worlds?.forget?.(worldId);
      return reply.code(204).send(null);
    },
  );
}
