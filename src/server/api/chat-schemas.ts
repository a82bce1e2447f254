import * as z from "zod";

// The request and response shapes of the character, chat and message routes; OpenAPI is generated from them.

/** Path ids: opaque strings, bounded so a hostile id cannot bloat a query or a log line. */
export const Id = z.string().min(1).max(200);

export const CharacterParams = z.object({ id: Id });
export const ChatParams = z.object({ id: Id });
export const MessageParams = z.object({ id: Id, mid: Id });

const Text = z.string().max(200_000);
const ShortText = z.string().max(2_000);

/** Card fields a client can set (V3 `data` fields); other fields of the card are kept. */
export const CharacterFieldsSchema = z.object({
  name: z.string().min(1).max(500).optional(),
  description: Text.optional(),
  personality: Text.optional(),
  scenario: Text.optional(),
  first_mes: Text.optional(),
  mes_example: Text.optional(),
  creator_notes: Text.optional(),
  system_prompt: Text.optional(),
  post_history_instructions: Text.optional(),
  alternate_greetings: z.array(Text).max(100).optional(),
  tags: z.array(ShortText).max(200).optional(),
  creator: ShortText.optional(),
  character_version: ShortText.optional(),
  nickname: ShortText.optional(),
  character_book: z.record(z.string(), z.unknown()).optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

/** `POST /characters`: a whole card JSON (any spec) under `card`, or card fields with at least a name. */
export const CreateCharacterBody = z.union([
  z.object({ card: z.record(z.string(), z.unknown()) }).strict(),
  CharacterFieldsSchema.extend({ name: z.string().min(1).max(500) }),
]);

export const CharacterSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number(),
  tags: z.array(z.string()),
  creator: z.string(),
  hasAvatar: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const CharacterSchema = CharacterSummarySchema.extend({
  /** The card normalised to V3 (`chara_card_v3`), every field the source had kept. */
  card: z.record(z.string(), z.unknown()),
  source: z.object({
    spec: z.enum(["v1", "v2", "v3"]),
    specVersion: z.string(),
    container: z.enum(["json", "png", "charx"]),
    chunk: z.enum(["ccv3", "chara"]).optional(),
    addedDefaults: z.array(z.string()),
  }),
  warnings: z.array(z.string()),
});

export const ExportQuery = z.object({ format: z.enum(["json", "png", "charx"]).default("json") });

export const SamplingSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().min(1).max(32_768).optional(),
  stop: z.array(z.string().max(100)).max(8).optional(),
  seed: z.number().int().optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
});

export const PersonaSchema = z.object({ name: z.string().min(1).max(200), description: Text.default("") });

/**
 * `POST /chats`: a chat with one character (`characterId`), or a world-backed chat (`world: true`) whose world is
 * made from the caller's characters (`characterIds`; several make a group chat where the director picks who answers).
 */
export const CreateChatBody = z.object({
  characterId: Id.optional(),
  characterIds: z.array(Id).min(1).max(16).optional(),
  world: z.boolean().optional(),
  /** An existing world (id, id prefix or name) to chat in, instead of a new one from characters: admins only. */
  worldRef: z.string().min(1).max(200).optional(),
  persona: PersonaSchema.optional(),
  model: z.string().max(500).nullable().optional(),
  sampling: SamplingSchema.optional(),
  title: z.string().max(500).optional(),
});

export const UpdateChatBody = z.object({
  persona: PersonaSchema.optional(),
  model: z.string().max(500).nullable().optional(),
  sampling: SamplingSchema.optional(),
  title: z.string().min(1).max(500).optional(),
});

export const ChatSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  characterId: z.string().nullable(),
  characterIds: z.array(z.string()),
  worldId: z.string().nullable(),
  persona: z.object({ name: z.string(), description: z.string() }),
  model: z.string().nullable(),
  sampling: z.object({
    temperature: z.number().optional(),
    topP: z.number().optional(),
    maxTokens: z.number().optional(),
    stop: z.array(z.string()).optional(),
    seed: z.number().optional(),
    presencePenalty: z.number().optional(),
    frequencyPenalty: z.number().optional(),
  }),
  branchedFrom: z.object({ chatId: z.string(), messageId: z.string() }).nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const RatingSchema = z.object({
  thumbs: z.union([z.literal(1), z.literal(-1)]).nullable(),
  stars: z.number().nullable(),
});

export const MessageSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  parentId: z.string().nullable(),
  role: z.enum(["user", "assistant", "system"]),
  speaker: z.string(),
  text: z.string(),
  status: z.enum(["streaming", "complete", "incomplete"]),
  origin: z.enum(["greeting", "user", "generated", "edit", "continue"]),
  finishReason: z.string().nullable(),
  version: z.number(),
  editOf: z.string().nullable(),
  continuedFrom: z.string().nullable(),
  copiedFrom: z.string().nullable(),
  candidateId: z.string().nullable(),
  siblingIndex: z.number(),
  siblingCount: z.number(),
  siblingIds: z.array(z.string()),
  rating: RatingSchema.nullable(),
  worldNodeId: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const ChatViewSchema = z.object({ chat: ChatSummarySchema, messages: z.array(MessageSchema) });

/** `?stream=false` answers with JSON instead of Server-Sent Events. */
export const StreamQuery = z.object({
  stream: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export const SendBody = z.object({
  text: z.string().min(1).max(100_000),
  /** The client's id for this message: a retried send stores nothing twice. */
  clientMessageId: z.string().min(1).max(200).optional(),
  /** Reply candidates to generate as siblings (default 1). */
  candidates: z.number().int().min(1).max(8).optional(),
});

/** Optional bodies: Fastify passes null when none was sent. */
export const RegenerateBody = z.object({ candidates: z.number().int().min(1).max(8).optional() }).nullish();
export const EditBody = z.object({ text: z.string().max(100_000) });
export const BranchBody = z.object({ title: z.string().max(500).optional() }).nullish();
export const RatingBody = z
  .object({
    thumbs: z
      .union([z.literal(1), z.literal(-1)])
      .nullable()
      .optional(),
    stars: z.number().int().min(1).max(5).nullable().optional(),
  })
  .refine((r) => r.thumbs !== undefined || r.stars !== undefined, { message: "send thumbs, stars or both" });

/** One reply of a non-streamed generation. */
export const ReplySchema = z.object({
  message: MessageSchema,
  candidateId: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** World-backed chats: why this character answered (the director's reason). */
  reason: z.string().optional(),
  /** World-backed chats: the reply broke a rule and waits for a decision (`/world/pending/{pendingId}`). */
  held: z
    .object({
      pendingId: z.string(),
      violations: z.array(
        z.object({
          code: z.string(),
          message: z.string(),
          options: z.array(z.string()),
          retcon: z.string().optional(),
        }),
      ),
    })
    .optional(),
});

/** The JSON answer of a generation with `?stream=false`: the stored user message (on send) and the replies. */
export const GenerationSchema = z.object({
  message: MessageSchema.nullable(),
  replies: z.array(ReplySchema),
  /** World-backed chats: why nobody answered (manual director, nobody present). */
  noReply: z.string().optional(),
});

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), param: z.string().optional() }),
});
