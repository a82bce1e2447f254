import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import * as z from "zod";
import { HttpError } from "../http-error.ts";
import { chatHttp } from "./chat-http-error.ts";
import { type ChatRoutesOptions, ownerOf } from "./chat-routes-options.ts";
import {
  CharacterFieldsSchema,
  CharacterParams,
  CharacterSchema,
  CharacterSummarySchema,
  CreateCharacterBody,
  ErrorSchema,
  ExportQuery,
} from "./chat-schemas.ts";

/** Cards can carry large images and lorebooks. */
export const CHARACTER_BODY_LIMIT = 16 * 1024 * 1024;

/** Raw card bodies: PNG/APNG, CharX (zip) or card JSON sent as bytes. */
const CARD_TYPES = ["application/octet-stream", "image/png", "image/apng", "application/zip", "application/x-charx"];

const TAGS = ["characters"];

/**
 * `/characters`: import (PNG/JSON/CharX bytes, or card JSON), create from fields, list, read, edit, export and
 * delete the caller's characters, and their avatar. Every query is scoped by the signed-in user.
 */
export async function characterRoutes(appBase: FastifyInstance, options: ChatRoutesOptions): Promise<void> {
  // A scope of its own, so the binary body parsers below never reach the other /api routes, however this
  // function is mounted (registered as a plugin or called on the /api scope).
  await appBase.register(async (scope) => characterScope(scope, options));
}

async function characterScope(scope: FastifyInstance, options: ChatRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { chats } = options;
  // Binary card bodies arrive whole as a Buffer.
  app.addContentTypeParser(CARD_TYPES, { parseAs: "buffer", bodyLimit: CHARACTER_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    "/characters",
    {
      bodyLimit: CHARACTER_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary: "Create a character from card fields, or import a card JSON (any spec) sent as {card}",
        body: CreateCharacterBody,
        response: { 201: CharacterSchema, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const owner = ownerOf(request);
      const body = request.body;
      const character = await chatHttp(() =>
        "card" in body
          ? chats.importCharacter(owner, new TextEncoder().encode(JSON.stringify(body.card)))
          : chats.createCharacter(owner, body),
      );
      return reply.code(201).send(character);
    },
  );

  app.post(
    "/characters/import",
    {
      bodyLimit: CHARACTER_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary: "Import a card file: PNG/APNG, CharX or JSON, sent as the raw body (up to 16 MiB)",
        consumes: [...CARD_TYPES, "application/json"],
        response: { 201: CharacterSchema, 400: ErrorSchema, 413: ErrorSchema },
      },
    },
    async (request, reply) => {
      const owner = ownerOf(request);
      const body = request.body;
      const bytes = Buffer.isBuffer(body)
        ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
        : body !== undefined && body !== null && typeof body === "object"
          ? new TextEncoder().encode(JSON.stringify(body))
          : undefined;
      if (!bytes || bytes.length === 0)
        throw new HttpError(400, "character.invalid_card", "Send the card file as the request body.");
      const character = await chatHttp(() => chats.importCharacter(owner, bytes));
      return reply.code(201).send(character);
    },
  );

  app.get(
    "/characters",
    {
      schema: {
        tags: TAGS,
        summary: "The caller's characters, most recently changed first",
        response: { 200: z.object({ characters: z.array(CharacterSummarySchema) }) },
      },
    },
    async (request) => ({ characters: await chats.listCharacters(ownerOf(request)) }),
  );

  app.get(
    "/characters/:id",
    {
      schema: {
        tags: TAGS,
        summary: "One character with its whole card",
        params: CharacterParams,
        response: { 200: CharacterSchema, 404: ErrorSchema },
      },
    },
    async (request) => chatHttp(() => chats.getCharacter(ownerOf(request), request.params.id)),
  );

  app.patch(
    "/characters/:id",
    {
      bodyLimit: CHARACTER_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary: "Change card fields (the character's version is bumped)",
        params: CharacterParams,
        body: CharacterFieldsSchema,
        response: { 200: CharacterSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => chatHttp(() => chats.updateCharacter(ownerOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/characters/:id",
    {
      schema: {
        tags: TAGS,
        summary: "Delete a character (its chats stay readable)",
        params: CharacterParams,
        response: { 204: z.null(), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      await chatHttp(() => chats.deleteCharacter(ownerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/characters/:id/export",
    {
      schema: {
        tags: TAGS,
        summary: "The card as a file: JSON (in the spec it came in), PNG (ccv3 + V2 backfill) or CharX",
        params: CharacterParams,
        querystring: ExportQuery,
        produces: ["application/json", "image/png", "application/zip"],
      },
    },
    async (request, reply) => {
      const out = await chatHttp(() =>
        chats.exportCharacter(ownerOf(request), request.params.id, request.query.format),
      );
      return reply
        .type(out.contentType)
        .header(
          "content-disposition",
          `attachment; filename="${asciiName(out.fileName)}"; filename*=UTF-8''${encodeURIComponent(out.fileName)}`,
        )
        .send(Buffer.from(out.bytes));
    },
  );

  app.get(
    "/characters/:id/avatar",
    {
      schema: {
        tags: TAGS,
        summary: "The character's avatar image (PNG)",
        params: CharacterParams,
        produces: ["image/png"],
      },
    },
    async (request, reply) => {
      const avatar = await chatHttp(() => chats.characterAvatar(ownerOf(request), request.params.id));
      if (!avatar)
        throw new HttpError(404, "character.no_avatar", `Character "${request.params.id}" has no avatar image.`);
      return reply.type("image/png").header("cache-control", "private, max-age=60").send(Buffer.from(avatar));
    },
  );
}

/** A file name safe inside a quoted header value (the UTF-8 form carries the real one). */
function asciiName(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, "_");
}
