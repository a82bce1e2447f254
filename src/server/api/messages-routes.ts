import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import type { ChatSummary, ReplyEvent } from "../../chat/index.ts";
import { HttpError } from "../http-error.ts";
import { chatHttp } from "./chat-http-error.ts";
import { actorOf, type ChatRoutesOptions, ownerOf } from "./chat-routes-options.ts";
import {
  BranchBody,
  ChatParams,
  ChatViewSchema,
  EditBody,
  ErrorSchema,
  GenerationSchema,
  MessageParams,
  MessageSchema,
  RatingBody,
  RatingSchema,
  RegenerateBody,
  SendBody,
  StreamQuery,
} from "./chat-schemas.ts";
import { answerGeneration } from "./reply-answer.ts";
import {
  branchWorld,
  continueWorld,
  deleteWorld,
  editWorld,
  regenerateWorld,
  selectWorld,
  sendWorld,
  type WorldChatRouteOptions,
  type WorldChatTarget,
} from "./world-chat-actions.ts";

const TAGS = ["messages"];

const STREAMED =
  "Streams Server-Sent Events — `message` (the stored user message), `start` (the reply ids and candidate ids), " +
  "`delta` ({messageId, text}), `done` ({message, candidateId}) per reply, or `error` — unless `?stream=false`, " +
  "which answers once with JSON. A world-backed chat streams one reply: `start` names its speaker and the " +
  "director's reason, and a reply that breaks a world rule ends in `held` ({message, pendingId, violations}) " +
  "instead of `done`; `no_reply` ({reason}) when nobody answers.";

/**
 * `/chats/:id/messages…`: send (with a streamed reply), regenerate (a new sibling), choose a swipe, edit (a new
 * version; the original is kept), continue, delete (soft), branch into a new chat, and rate. Nothing a person
 * did is ever destroyed: alternatives stay in the chat's tree.
 */
export async function messageRoutes(
  appBase: FastifyInstance,
  options: ChatRoutesOptions & { worlds?: WorldChatRouteOptions },
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { chats } = options;
  const limited = options.rateLimit ? { config: { rateLimit: options.rateLimit } } : {};

  const summaryOf = (request: FastifyRequest, chatId: string): Promise<ChatSummary> =>
    chatHttp(() => chats.chatSummary(ownerOf(request), chatId));
  /** A world-backed chat's target for the world actions; undefined for a plain chat. */
  const worldTarget = (request: FastifyRequest, chat: ChatSummary): WorldChatTarget | undefined => {
    if (!chat.worldId) return undefined;
    if (!options.worlds) throw new HttpError(409, "world.not_served", "This server does not serve world-backed chats.");
    return { request, ownerId: ownerOf(request), chat, options: options.worlds };
  };
  const worldAnswer = (stream: boolean) => ({ stream, pingMs: options.pingMs, openSse: options.openSse });
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    stream: boolean,
    start: (signal: AbortSignal) => AsyncGenerator<ReplyEvent>,
  ) => answerGeneration(request, reply, start, { stream, pingMs: options.pingMs, openSse: options.openSse });

  const generationSchema = (summary: string, params: z.ZodType, body?: z.ZodType) => ({
    tags: TAGS,
    summary,
    description: STREAMED,
    params,
    querystring: StreamQuery,
    ...(body ? { body } : {}),
    produces: ["text/event-stream", "application/json"],
    response: { 200: GenerationSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
  });

  app.post(
    "/chats/:id/messages",
    {
      ...limited,
      schema: {
        ...generationSchema("Send a message and stream the character's reply (or several candidates)", ChatParams),
        params: ChatParams,
        body: SendBody,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const chat = await summaryOf(request, id);
      const policy = await options.resolvePolicy(actorOf(request), chat);
      const world = worldTarget(request, chat);
      if (world) return sendWorld(world, reply, policy, request.body, worldAnswer(request.query.stream));
      const owner = ownerOf(request);
      return answer(request, reply, request.query.stream, (signal) =>
        chats.sendMessage(owner, id, request.body, policy, { signal }),
      );
    },
  );

  app.post(
    "/chats/:id/messages/:mid/regenerate",
    {
      ...limited,
      schema: {
        ...generationSchema("Regenerate: a new sibling reply, shown; every earlier one is kept", MessageParams),
        params: MessageParams,
        body: RegenerateBody,
      },
    },
    async (request, reply) => {
      const { id, mid } = request.params;
      const chat = await summaryOf(request, id);
      const policy = await options.resolvePolicy(actorOf(request), chat);
      const owner = ownerOf(request);
      const candidates = request.body?.candidates;
      const world = worldTarget(request, chat);
      if (world) return regenerateWorld(world, reply, policy, mid, candidates, worldAnswer(request.query.stream));
      return answer(request, reply, request.query.stream, (signal) =>
        chats.regenerate(owner, id, mid, policy, { signal, ...(candidates ? { candidates } : {}) }),
      );
    },
  );

  app.post(
    "/chats/:id/messages/:mid/continue",
    {
      ...limited,
      schema: {
        ...generationSchema("Continue a reply: a new version with the added text (continuedFrom)", MessageParams),
        params: MessageParams,
      },
    },
    async (request, reply) => {
      const { id, mid } = request.params;
      const chat = await summaryOf(request, id);
      const world = worldTarget(request, chat);
      if (world) return continueWorld(world, mid);
      const policy = await options.resolvePolicy(actorOf(request), chat);
      const owner = ownerOf(request);
      return answer(request, reply, request.query.stream, (signal) =>
        chats.continueMessage(owner, id, mid, policy, { signal }),
      );
    },
  );

  app.post(
    "/chats/:id/messages/:mid/select",
    {
      schema: {
        tags: TAGS,
        summary: "Choose a swipe: show this message among its siblings",
        params: MessageParams,
        response: { 200: ChatViewSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => {
      const { id, mid } = request.params;
      const world = worldTarget(request, await summaryOf(request, id));
      if (world) return selectWorld(world, mid);
      return chatHttp(() => chats.selectMessage(ownerOf(request), id, mid));
    },
  );

  app.patch(
    "/chats/:id/messages/:mid",
    {
      schema: {
        tags: TAGS,
        summary: "Edit a message: a new version replaces it on the path; the original is kept (editOf)",
        params: MessageParams,
        body: EditBody,
        response: { 200: MessageSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => {
      const { id, mid } = request.params;
      const chat = await summaryOf(request, id);
      const world = worldTarget(request, chat);
      if (world) return editWorld(world, () => options.resolvePolicy(actorOf(request), chat), mid, request.body.text);
      return chatHttp(() => chats.editMessage(ownerOf(request), id, mid, request.body.text));
    },
  );

  app.delete(
    "/chats/:id/messages/:mid",
    {
      schema: {
        tags: TAGS,
        summary: "Delete a message (soft: it leaves the path, every version is kept)",
        params: MessageParams,
        response: { 204: z.null(), 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id, mid } = request.params;
      const chat = await summaryOf(request, id);
      const world = worldTarget(request, chat);
      if (world) await deleteWorld(world, () => options.resolvePolicy(actorOf(request), chat), mid);
      else await chatHttp(() => chats.deleteMessage(ownerOf(request), id, mid));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/chats/:id/messages/:mid/branch",
    {
      schema: {
        tags: TAGS,
        summary:
          "Branch: a new chat whose path is a copy up to this message, linked to its source (a world-backed chat " +
          "instead branches its world at this message and continues on the new branch, the same chat)",
        params: MessageParams,
        body: BranchBody,
        response: { 201: ChatViewSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id, mid } = request.params;
      const title = request.body?.title;
      const world = worldTarget(request, await summaryOf(request, id));
      if (world) return reply.code(201).send(await branchWorld(world, mid, title));
      const view = await chatHttp(() =>
        chats.branchChat(ownerOf(request), id, mid, title !== undefined ? { title } : {}),
      );
      return reply.code(201).send(view);
    },
  );

  app.post(
    "/chats/:id/messages/:mid/rating",
    {
      schema: {
        tags: TAGS,
        summary: "Rate a message: thumbs up/down (1/-1) and optional stars 1–5; null clears",
        params: MessageParams,
        body: RatingBody,
        response: { 200: RatingSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const { id, mid } = request.params;
      const { thumbs, stars } = request.body;
      return chatHttp(() =>
        chats.rateMessage(ownerOf(request), id, mid, {
          ...(thumbs !== undefined ? { thumbs } : {}),
          ...(stars !== undefined ? { stars } : {}),
        }),
      );
    },
  );
}
