import type { ChatMessage } from "./chat-message.ts";

/** Ask the model for JSON that matches a JSON Schema. Providers translate it to their own mechanism. */
export interface JsonSchemaFormat {
  type: "json_schema";
  /** A short identifier for the schema (OpenAI requires one). */
  name: string;
  /** A JSON Schema object (draft 2020-12 subset). */
  schema: Record<string, unknown>;
}

/** Everything that determines a model's answer. Equal requests (plus role, seed, run) hit the same cache entry. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** Sampling temperature; providers validate their own range (MiniMax: (0, 1]). */
  temperature?: number;
  topP?: number;
  /** Upper bound on generated tokens (MiniMax: at most 2048). */
  maxTokens?: number;
  stop?: string[];
  responseFormat?: JsonSchemaFormat;
  /** Provider-specific extras passed through unchanged (e.g. `{ top_k: 40 }` for vLLM). */
  extra?: Record<string, unknown>;
}
