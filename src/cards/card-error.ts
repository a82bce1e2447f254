import { type TroupeErrorOptions, UsageError } from "../core/index.ts";

/**
 * A card, lorebook or archive that cannot be read or written. Codes are stable (`card.png.bad_crc`,
 * `card.charx.path_traversal`, `card.json.too_deep`, …) and every error carries a hint a user can act on. It is a
 * usage error: the input file is at fault, so the CLI exits with code 2.
 */
export class CardError extends UsageError {
  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(code, message, options);
  }
}
