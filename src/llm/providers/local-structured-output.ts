import * as z from "zod";
import type { JsonSchemaFormat } from "../chat-request.ts";
import { type GrammarJsonSchema, toGrammarJsonSchema, UnsupportedSchemaError } from "../json-schema-grammar.ts";
import { LlmError } from "../llm-error.ts";

/** A structured-output request made ready for the local provider: the grammar schema plus a validator. */
export interface PreparedStructuredOutput {
  /** The schema in node-llama-cpp's grammar dialect. */
  grammarSchema: GrammarJsonSchema;
  /** Parse the model's text and check it against the caller's original schema; throws `LlmError("invalid_output")`. */
  check(text: string, finishedBy: "stop" | "length"): unknown;
}

/**
 * Prepare a JSON-schema response format before generating, so a schema that cannot be used fails fast as a bad
 * request instead of after spending tokens. The grammar only steers generation; the validator built here from the
 * *original* schema is what decides whether the answer is acceptable (bounds, patterns, anyOf, formats).
 */
export function prepareStructuredOutput(format: JsonSchemaFormat, modelId: string): PreparedStructuredOutput {
  let grammarSchema: GrammarJsonSchema;
  let validator: z.ZodType;
  try {
    grammarSchema = toGrammarJsonSchema(format.schema);
    validator = z.fromJSONSchema(format.schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    const reason = error instanceof UnsupportedSchemaError || error instanceof Error ? error.message : String(error);
    throw new LlmError("invalid_request", `The JSON schema "${format.name}" cannot be used: ${reason}.`, {
      hint: "Use a JSON Schema (draft 2020-12) made of objects, arrays, strings, numbers, enums and oneOf/anyOf.",
      model: modelId,
      cause: error,
    });
  }
  return {
    grammarSchema,
    check(text, finishedBy) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new LlmError(
          "invalid_output",
          finishedBy === "length"
            ? `The answer for schema "${format.name}" was cut at the token limit before its JSON was complete.`
            : `The answer for schema "${format.name}" is not valid JSON.`,
          {
            hint: finishedBy === "length" ? "Raise maxTokens or simplify the schema." : undefined,
            model: modelId,
            cause: error,
            details: { text: text.slice(0, 2000) },
          },
        );
      }
      const result = validator.safeParse(value);
      if (!result.success) {
        const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
        throw new LlmError(
          "invalid_output",
          `The answer does not match schema "${format.name}": ${issues.slice(0, 5).join("; ")}.`,
          {
            hint: "The grammar cannot enforce every JSON Schema rule (bounds, patterns); retry or use a stronger model.",
            model: modelId,
            details: { issues, text: text.slice(0, 2000) },
          },
        );
      }
      return value;
    },
  };
}
