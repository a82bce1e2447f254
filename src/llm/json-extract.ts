import { stripThink } from "./think.ts";

/** The outcome of reading JSON out of model text. */
export type ExtractedJson = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Read a JSON value out of a model's answer, forgiving the usual wrapping: reasoning blocks, ```json fences and
 * prose around the value. Strict JSON inside: no comments, no trailing commas (those are for the repair retry).
 */
export function extractJson(text: string): ExtractedJson {
  let body = stripThink(text).trim();
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(body);
  if (fence?.[1] !== undefined) body = fence[1].trim();
  if (body === "") return { ok: false, error: "the answer was empty" };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    const objectAt = body.indexOf("{");
    const arrayAt = body.indexOf("[");
    const start = objectAt === -1 ? arrayAt : arrayAt === -1 ? objectAt : Math.min(objectAt, arrayAt);
    if (start !== -1) {
      const end = body.lastIndexOf(body[start] === "{" ? "}" : "]");
      if (end > start) {
        try {
          return { ok: true, value: JSON.parse(body.slice(start, end + 1)) };
        } catch {
          // Report the first error below; it describes the whole answer.
        }
      }
    }
    return { ok: false, error: `the answer is not valid JSON (${(error as Error).message})` };
  }
}
