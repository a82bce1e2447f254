import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import type { ReplyPolicy } from "../../chat/index.ts";
import {
  acceptAway,
  branchTree,
  branchWorldChat,
  checkoutWorldBranch,
  decideWorldLine,
  discardAway,
  factsAsOf,
  factsAtLine,
  knowledgeOf,
  manifestOf,
  proposeAway,
  timelineOf,
  whyFact,
  worldTranscript,
} from "../../chat/world-chat.ts";
import {
  decideWorldChatLine,
  syncWorldChat,
  type WorldChatDeps,
  worldNodeOfMessage,
} from "../../chat/world-chat-rows.ts";
import { parseDuration, pendingLines, type TurnModels, type World } from "../../world/index.ts";
import type { Actor } from "../actor.ts";
import { HttpError, notFound } from "../http-error.ts";
import { clientGoneSignal } from "../sse.ts";
import { asHttp } from "./world-http-error.ts";
import {
  AwayProposalSchema,
  BranchesSchema,
  BranchViewSchema,
  CharacterKnowledgeSchema,
  FactsAsOfSchema,
  ManifestSchema,
  TimelineTurnSchema,
  TranscriptSchema,
  WhySchema,
  WorldMessageSchema,
} from "./world-schemas.ts";

/** Options of the world routes: how a chat's world and models are found (the server owns both). */
export interface WorldRoutesOptions {
  /** The world behind a chat the actor owns; throws HttpError 404 for any other chat, or a chat without a world. */
  resolveWorld(actor: Actor, chatId: string): Promise<World>;
  /** The models the chat's world turns use; `generator` also runs the off-screen simulation. */
  resolveModels(actor: Actor, chatId: string): Promise<TurnModels>;
  /**
   * The world node of one of the chat's message ids (chat message rows carry their world node id). Absent: message
   * ids are world node ids.
   */
  nodeOf?(actor: Actor, chatId: string, messageId: string): Promise<string | undefined>;
  /** Per-key limit of the routes that call a model (passed to @fastify/rate-limit). */
  rateLimit?: { max: number; timeWindow: number };
  /**
   * When the chat's lines are also message rows (src/chat world-chat-rows): message ids are resolved through the
   * rows, rows follow every change of the world these routes make, and a held line is decided row and all.
   */
  rows?: { deps: WorldChatDeps; policy(actor: Actor, chatId: string): Promise<ReplyPolicy> };
}

const ChatParams = z.object({ id: z.string().min(1).max(200) });
const TAGS = ["world"];

const actorOf = (request: FastifyRequest): Actor => {
  if (!request.actor) throw new HttpError(401, "auth.required", "Sign in first.");
  return request.actor;
};

/**
 * `/chats/:id/world/*`: what a world-backed chat's world holds (facts as of a turn, timeline, knowledge, branches,
 * the manifest of a reply, why a fact holds) and what the user may do to it (away proposals, branches, checkout,
 * decisions about a held line). Every route resolves the chat through `resolveWorld`, scoped by the actor.
 */
export async function worldRoutes(appBase: FastifyInstance, options: WorldRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const worldOf = (request: FastifyRequest, chatId: string) => options.resolveWorld(actorOf(request), chatId);
  const nodeOf = async (request: FastifyRequest, chatId: string, world: World, messageId: string) => {
    const node = options.nodeOf
      ? await options.nodeOf(actorOf(request), chatId, messageId)
      : options.rows
        ? await worldNodeOfMessage(options.rows.deps.store, actorOf(request).userId, chatId, messageId)
        : world.ledger.get(messageId)?.id;
    if (!node) throw notFound("message", messageId);
    return node;
  };
  // Rows follow the world after a route moved it (branch, checkout, an accepted proposal).
  const follow = async (request: FastifyRequest, chatId: string, world: World) => {
    if (options.rows) await syncWorldChat(options.rows.deps, actorOf(request).userId, chatId, world);
  };
  const limited = options.rateLimit ? { config: { rateLimit: options.rateLimit } } : {};

  app.get(
    "/chats/:id/world/facts",
    {
      schema: {
        tags: TAGS,
        summary: "Facts of the chat's world as of a turn (default: now), optionally about one subject",
        params: ChatParams,
        querystring: z.object({
          turn: z.coerce.number().int().nonnegative().optional().describe("as of this turn of the branch in view"),
          at: z.string().min(1).max(200).optional().describe("as of this message instead (any line, on its own path)"),
          subject: z.string().min(1).max(200).optional(),
        }),
        response: { 200: FactsAsOfSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const { turn, subject, at } = request.query;
      if (at !== undefined) {
        if (turn !== undefined)
          throw new HttpError(400, "invalid_request", "Ask for facts as of a turn or as of a message, not both.", {
            param: "turn",
          });
        const node = await nodeOf(request, request.params.id, world, at);
        return asHttp(() => factsAtLine(world, node, subject === undefined ? {} : { subject }));
      }
      return asHttp(() =>
        world.read(() =>
          factsAsOf(world, { ...(turn === undefined ? {} : { turn }), ...(subject === undefined ? {} : { subject }) }),
        ),
      );
    },
  );

  app.get(
    "/chats/:id/world/timeline",
    {
      schema: {
        tags: TAGS,
        summary: "The turns of the branch in view, with their events",
        params: ChatParams,
        querystring: z.object({
          from: z.coerce.number().int().nonnegative().optional(),
          to: z.coerce.number().int().nonnegative().optional(),
        }),
        response: { 200: z.object({ branch: z.string(), turns: z.array(TimelineTurnSchema) }) },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const { from, to } = request.query;
      return world.read(() => ({
        branch: world.current,
        turns: timelineOf(world, { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }),
      }));
    },
  );

  app.get(
    "/chats/:id/world/knowledge",
    {
      schema: {
        tags: TAGS,
        summary: "What each character (or the one named) knows, and how they learned it",
        params: ChatParams,
        querystring: z.object({ character: z.string().min(1).max(200).optional() }),
        response: { 200: z.object({ characters: z.array(CharacterKnowledgeSchema) }) },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      return asHttp(() => world.read(() => ({ characters: knowledgeOf(world, request.query.character) })));
    },
  );

  app.get(
    "/chats/:id/world/branches",
    {
      schema: {
        tags: TAGS,
        summary: "The branch tree: every branch, where it forked and its status",
        params: ChatParams,
        response: { 200: BranchesSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      return world.read(() => ({ current: world.current, branches: branchTree(world) }));
    },
  );

  app.get(
    "/chats/:id/world/manifest/:messageId",
    {
      schema: {
        tags: TAGS,
        summary: "Why a reply was written: its context manifest (every item considered for the prompt, and why)",
        params: ChatParams.extend({ messageId: z.string().min(1).max(200) }),
        response: { 200: ManifestSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const node = await nodeOf(request, request.params.id, world, request.params.messageId);
      return asHttp(() => manifestOf(world, node));
    },
  );

  app.get(
    "/chats/:id/world/why",
    {
      schema: {
        tags: TAGS,
        summary: "Why a fact holds: its causal chain back to the events, and who knows it",
        params: ChatParams,
        querystring: z.object({
          fact: z.string().min(1).max(500).describe('a fact id, or "subject predicate [object]"'),
        }),
        response: { 200: z.object({ answers: z.array(WhySchema) }) },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      return asHttp(() => world.read(() => ({ answers: whyFact(world, request.query.fact) })));
    },
  );

  app.post(
    "/chats/:id/world/away",
    {
      ...limited,
      schema: {
        tags: TAGS,
        summary:
          "Let story time pass while the user is away: a proposal of what the characters did, to accept or discard",
        params: ChatParams,
        body: z.object({
          duration: z
            .union([z.string().min(1).max(40), z.number().int().positive()])
            .describe('story time that passes: "45m", "8h", "1d 3h", or minutes'),
          maxSteps: z.number().int().min(1).max(50).optional().describe("at most this many actions (default 6)"),
        }),
        response: { 200: AwayProposalSchema },
      },
    },
    async (request, reply) => {
      const world = await worldOf(request, request.params.id);
      const { duration, maxSteps } = request.body;
      const minutes = await asHttp(() => (typeof duration === "number" ? duration : parseDuration(duration)));
      const models = await options.resolveModels(actorOf(request), request.params.id);
      return asHttp(() =>
        proposeAway(world, models.generator, minutes, {
          signal: clientGoneSignal(reply.raw),
          ...(maxSteps === undefined ? {} : { maxSteps }),
        }),
      );
    },
  );

  const ProposalParams = ChatParams.extend({ proposalId: z.string().min(1).max(200) });

  app.post(
    "/chats/:id/world/away/:proposalId/accept",
    {
      schema: {
        tags: TAGS,
        summary:
          "Accept an away proposal: the chat's branch moves on to it; with keepSteps, an edited digest: only its " +
          "first steps are kept",
        params: ProposalParams,
        body: z.object({ keepSteps: z.number().int().min(1).max(100).optional() }).nullish(),
        response: { 200: TranscriptSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const keep = request.body?.keepSteps;
      const messages = await asHttp(() => acceptAway(world, request.params.proposalId, keep));
      await follow(request, request.params.id, world);
      return { branch: world.current, messages };
    },
  );

  app.post(
    "/chats/:id/world/away/:proposalId/discard",
    {
      schema: {
        tags: TAGS,
        summary: "Discard an away proposal: none of it reaches the chat",
        params: ProposalParams,
        response: { 200: z.object({ id: z.string(), status: z.literal("discarded") }) },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      await asHttp(() => discardAway(world, request.params.proposalId));
      return { id: request.params.proposalId, status: "discarded" as const };
    },
  );

  app.post(
    "/chats/:id/world/branches",
    {
      schema: {
        tags: TAGS,
        summary: "Branch the chat at a message (default: the last) and continue on the new branch",
        params: ChatParams,
        body: z.object({
          name: z.string().min(1).max(64).describe("letters, digits, '-', '_', '.', '/'"),
          at: z.string().min(1).max(200).optional().describe("the message to branch at"),
        }),
        response: { 201: BranchViewSchema },
      },
    },
    async (request, reply) => {
      const world = await worldOf(request, request.params.id);
      const at =
        request.body.at === undefined ? undefined : await nodeOf(request, request.params.id, world, request.body.at);
      const branch = await asHttp(() => branchWorldChat(world, request.body.name, at));
      await follow(request, request.params.id, world);
      const view = branchTree(world).find((b) => b.name === branch.name);
      if (!view) throw notFound("branch", branch.name);
      return reply.code(201).send(view);
    },
  );

  app.post(
    "/chats/:id/world/checkout",
    {
      schema: {
        tags: TAGS,
        summary: "Continue the chat on another branch; returns its messages",
        params: ChatParams,
        body: z.object({ branch: z.string().min(1).max(64) }),
        response: { 200: TranscriptSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const messages = await asHttp(() => checkoutWorldBranch(world, request.body.branch));
      await follow(request, request.params.id, world);
      return { branch: world.current, messages };
    },
  );

  const PendingSchema = z.object({
    id: z.string(),
    branch: z.string(),
    speaker: z.string(),
    text: z.string(),
    parentNodeId: z.string(),
    violations: z.array(
      z.object({ code: z.string(), message: z.string(), options: z.array(z.string()), retcon: z.string().optional() }),
    ),
    createdAt: z.number(),
  });

  app.get(
    "/chats/:id/world/pending",
    {
      schema: {
        tags: TAGS,
        summary: "Generated lines that broke a rule and wait for the user's decision (nothing of them is committed)",
        params: ChatParams,
        response: { 200: z.object({ pending: z.array(PendingSchema) }) },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      const held = await pendingLines(world);
      return {
        pending: held.map((p) => ({
          id: p.id,
          branch: p.branch,
          speaker: p.proposal.speaker,
          text: p.proposal.text,
          parentNodeId: p.proposal.parent,
          violations: p.violations.map((v) => ({
            code: v.code,
            message: v.message,
            options: v.options,
            ...(v.retcon ? { retcon: v.retcon } : {}),
          })),
          createdAt: p.createdAt,
        })),
      };
    },
  );

  app.post(
    "/chats/:id/world/pending/:pendingId",
    {
      ...limited,
      schema: {
        tags: TAGS,
        summary: "Decide about a held line: accept violations as retcons, drop an event, edit, regenerate or cancel",
        params: ChatParams.extend({ pendingId: z.string().min(1).max(200) }),
        body: z.discriminatedUnion("action", [
          z.object({
            action: z.literal("accept"),
            violations: z.array(z.number().int().nonnegative()).optional().describe("0-based; all when absent"),
          }),
          z.object({ action: z.literal("drop"), violation: z.number().int().nonnegative() }),
          z.object({ action: z.literal("edit"), text: z.string().min(1).max(20_000) }),
          z.object({ action: z.literal("regenerate") }),
          z.object({ action: z.literal("cancel") }),
        ]),
        response: {
          200: z.object({
            status: z.enum(["committed", "pending", "cancelled"]),
            message: WorldMessageSchema.optional().describe("the committed line"),
            pendingId: z.string().optional().describe("the line held again, when the new version breaks a rule too"),
          }),
        },
      },
    },
    async (request, reply) => {
      const world = await worldOf(request, request.params.id);
      const models = await options.resolveModels(actorOf(request), request.params.id);
      const body = request.body;
      const decision =
        body.action === "accept"
          ? { action: "accept" as const, ...(body.violations ? { violations: body.violations } : {}) }
          : body;
      const signal = clientGoneSignal(reply.raw);
      const rows = options.rows;
      const outcome = await asHttp(async () =>
        rows
          ? (
              await decideWorldChatLine(
                rows.deps,
                actorOf(request).userId,
                request.params.id,
                world,
                await rows.policy(actorOf(request), request.params.id),
                request.params.pendingId,
                decision,
                { signal },
              )
            ).outcome
          : decideWorldLine(world, models, request.params.pendingId, decision, { signal }),
      );
      if (outcome.status === "committed") return { status: "committed" as const, message: outcome.message };
      if (outcome.status === "pending") return { status: "pending" as const, pendingId: outcome.pending.id };
      if (outcome.status === "cancelled") return { status: "cancelled" as const };
      throw new HttpError(409, "world.no_speaker", outcome.reason);
    },
  );

  // The transcript as the world holds it: what the chat shows, for clients that read a world chat directly.
  app.get(
    "/chats/:id/world/transcript",
    {
      schema: {
        tags: TAGS,
        summary: "The lines of the branch in view, as the world holds them",
        params: ChatParams,
        response: { 200: TranscriptSchema },
      },
    },
    async (request) => {
      const world = await worldOf(request, request.params.id);
      return world.read(() => ({ branch: world.current, messages: worldTranscript(world) }));
    },
  );
}
