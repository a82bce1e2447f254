// The API's shapes, derived (types only: nothing of zod reaches the bundle) from the server's own schemas.
import type * as z from "zod";
import type {
  CharacterFieldsSchema,
  CharacterSchema,
  CharacterSummarySchema,
  ChatSummarySchema,
  ChatViewSchema,
  MessageSchema,
  PersonaSchema,
  RatingSchema,
  SamplingSchema,
} from "../../../src/server/api/chat-schemas.ts";
import type {
  AwayProposalSchema,
  BranchesSchema,
  CharacterKnowledgeSchema,
  FactsAsOfSchema,
  ManifestSchema,
  TimelineTurnSchema,
  WhySchema,
} from "../../../src/server/api/world-schemas.ts";

export type CharacterSummary = z.infer<typeof CharacterSummarySchema>;
export type Character = z.infer<typeof CharacterSchema>;
export type CharacterFields = z.infer<typeof CharacterFieldsSchema>;
export type ChatSummary = z.infer<typeof ChatSummarySchema>;
export type ChatView = z.infer<typeof ChatViewSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type Rating = z.infer<typeof RatingSchema>;
export type Persona = z.input<typeof PersonaSchema>;
export type Sampling = z.infer<typeof SamplingSchema>;

export type FactsAsOf = z.infer<typeof FactsAsOfSchema>;
export type TimelineTurn = z.infer<typeof TimelineTurnSchema>;
export type CharacterKnowledge = z.infer<typeof CharacterKnowledgeSchema>;
export type Branches = z.infer<typeof BranchesSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
export type Why = z.infer<typeof WhySchema>;
export type AwayProposal = z.infer<typeof AwayProposalSchema>;

/** The signed-in user as GET/POST /api/session return them. */
export interface SessionUser {
  id: string;
  name: string;
  role: "admin" | "user";
  createdAt: number;
  hasPassword: boolean;
}

/** Events of a streamed generation (`text/event-stream` of the message routes). */
export type StreamEvent =
  | { type: "message"; message: Message }
  | {
      type: "start";
      replies: Array<{
        messageId: string;
        candidateId: string;
        displayedPosition: number;
        siblingPosition: number;
        /** World-backed chats: who answers, and why the director chose them. */
        speaker?: string;
        reason?: string;
      }>;
    }
  | { type: "delta"; messageId: string; text: string }
  | {
      type: "done";
      message: Message;
      candidateId: string | null;
      error?: { code: string; message: string };
      reason?: string;
    }
  /** World-backed chats: the reply broke a world rule and waits for a decision. */
  | {
      type: "held";
      message: Message;
      candidateId: string | null;
      pendingId: string;
      violations: Violation[];
      reason?: string;
    }
  /** World-backed chats: nobody answered (and why). */
  | { type: "no_reply"; reason: string }
  | { type: "error"; error: { code: string; message: string } };

/** A world rule a held reply broke, and what may be done about it. */
export interface Violation {
  code: string;
  message: string;
  options: string[];
  retcon?: string;
}

/** A decision about a held reply. */
export type PendingDecision =
  | { action: "accept"; violations?: number[] }
  | { action: "drop"; violation: number }
  | { action: "edit"; text: string }
  | { action: "regenerate" }
  | { action: "cancel" };
