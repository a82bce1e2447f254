import { ExitCode, TroupeError, type TroupeErrorOptions } from "../core/index.ts";

/** A world operation the user asked for cannot be done as asked (unknown world, branch, turn, event…). */
export class WorldError extends TroupeError {
  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.usage, ...options });
  }
}
