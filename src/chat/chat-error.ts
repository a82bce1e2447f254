import { TroupeError, type TroupeErrorOptions } from "../core/index.ts";

/** What a chat operation can refuse: something missing (or someone else's), or an action that does not apply. */
export type ChatErrorKind = "not_found" | "invalid" | "conflict";

/**
 * A chat-domain failure with a stable code (`chat.not_found`, `message.invalid_action`, `character.invalid_card`).
 * Routes map `kind` to a status: not_found → 404, invalid → 400, conflict → 409.
 */
export class ChatError extends TroupeError {
  constructor(
    readonly kind: ChatErrorKind,
    code: string,
    message: string,
    options: TroupeErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** The thing does not exist or belongs to another owner: the two are indistinguishable on purpose. */
export function chatNotFound(what: "chat" | "character" | "message" | "candidate", id: string): ChatError {
  return new ChatError("not_found", `${what}.not_found`, `No ${what} "${id}".`);
}
