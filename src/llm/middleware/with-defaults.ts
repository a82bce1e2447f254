import type { ChatModelMiddleware } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { RequestDefaults } from "../model-spec.ts";

/** Fill sampling parameters the request left unset. Pure. */
export function applyDefaults(request: ChatRequest, defaults: RequestDefaults): ChatRequest {
  const out = { ...request };
  if (out.temperature === undefined && defaults.temperature !== undefined) out.temperature = defaults.temperature;
  if (out.topP === undefined && defaults.topP !== undefined) out.topP = defaults.topP;
  if (out.maxTokens === undefined && defaults.maxTokens !== undefined) out.maxTokens = defaults.maxTokens;
  return out;
}

/**
 * Apply an endpoint's sampling defaults. Outermost in the stack, so the cache and cassette keys see the parameters
 * that were actually sent.
 */
export function withDefaults(defaults: RequestDefaults): ChatModelMiddleware {
  return (model) =>
    Object.keys(defaults).length === 0
      ? model
      : {
          id: model.id,
          provider: model.provider,
          chat: (request, options) => model.chat(applyDefaults(request, defaults), options),
          stream: (request, options) => model.stream(applyDefaults(request, defaults), options),
        };
}
