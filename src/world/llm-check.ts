import * as z from "zod";
import { type ChatModel, generateObject, LlmError } from "../llm/index.ts";
import type { WorldNode } from "./event.ts";
import { factText } from "./fact.ts";
import type { Violation } from "./invariants.ts";
import type { Projection } from "./projection.ts";
import { currentFacts } from "./queries.ts";
import type { WorldSetup } from "./world-setup.ts";

/** What the optional LLM consistency check answers. */
export const LlmCheckSchema = z.object({
  violations: z
    .array(
      z.object({
        message: z.string().describe("what contradicts what, in one sentence"),
        kind: z.enum(["contradiction", "user_agency", "out_of_character", "other"]).default("contradiction"),
      }),
    )
    .default([]),
});

/**
 * The second line of defence after the deterministic invariants: a model reads the established facts and the
 * proposed line and lists contradictions. Its findings come back as `llm_check` violations with the same
 * options; a checker that cannot answer validly yields one violation saying so rather than a silent pass.
 */
export async function llmConsistencyCheck(
  model: ChatModel,
  p: Projection,
  setup: WorldSetup,
  node: WorldNode,
  options: { signal?: AbortSignal } = {},
): Promise<Violation[]> {
  const facts = currentFacts(p)
    .filter((f) => f.predicate !== "type" && f.predicate !== "role")
    .slice(0, 80)
    .map((f) => `- ${factText(f)}${f.hard ? " [hard fact]" : ""}`);
  const recent = p.nodes
    .slice(-6)
    .filter((n) => n.text)
    .map((n) => `${n.speaker}: ${n.text}`);
  const proposed = node.events
    .filter((e) => e.kind !== "happened" || !e.payload.utterance)
    .map((e) =>
      e.kind === "changed"
        ? `- change: ${factText(e.payload)}`
        : `- ${e.kind}: ${"description" in e.payload ? e.payload.description : ""}`,
    );
  const request = {
    messages: [
      {
        role: "system" as const,
        content:
          `You check a role-play for consistency. List every way the new line contradicts established facts or lore, ` +
          `or decides what ${setup.userName} (the user) says, does or feels. Minor style issues are not violations. ` +
          `If there is nothing, return an empty list.`,
      },
      {
        role: "user" as const,
        content: [
          `Established facts:\n${facts.join("\n") || "(none)"}`,
          `Recent lines:\n${recent.join("\n") || "(none)"}`,
          `New line by ${node.speaker}: ${node.text ?? ""}`,
          proposed.length ? `Its proposed world changes:\n${proposed.join("\n")}` : "",
        ]
          .filter(Boolean)
          .join("\n\n"),
      },
    ],
    temperature: 0,
  };
  try {
    const { object } = await generateObject(model, request, LlmCheckSchema, {
      name: "consistency_check",
      role: "judge",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return object.violations.map((v) => ({
      code: "llm_check" as const,
      message: `${v.kind.replace(/_/g, " ")}: ${v.message}`,
      options: ["regenerate", "accept_retcon", "edit"],
    }));
  } catch (error) {
    if (error instanceof LlmError && error.kind === "invalid_output")
      return [
        {
          code: "llm_check",
          message: `the consistency checker (${model.id}) gave no valid verdict; the line is unchecked`,
          options: ["regenerate", "accept_retcon"],
        },
      ];
    throw error;
  }
}
