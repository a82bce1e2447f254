import type { ServedModelInfo } from "../gateway.ts";

/** One OpenAI `model` object. */
export function openaiModel(model: ServedModelInfo): Record<string, unknown> {
  return { id: model.id, object: "model", created: model.created, owned_by: model.ownedBy };
}

/** OpenAI's model list: the client's `Page` reads `data` and never paginates (reference §1.5). */
export function openaiModelList(models: ServedModelInfo[]): Record<string, unknown> {
  return { object: "list", data: models.map(openaiModel) };
}
