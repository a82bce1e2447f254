import type { ChatSession } from "./chat-session.ts";

/** How a chat loop talks to its front end: where lines go and how to ask for the next input. */
export interface ChatLoopIo {
  /** Where output lines go. */
  out: (line: string) => void;
  /** Ask for the next input line (a terminal shows its prompt); called before each line is read. */
  prompt: () => void;
}

/** What a failed line prints: the error's message and, when it has one, its hint. */
export function errorText(error: unknown): string {
  const e = error as { message?: string; hint?: string };
  return `error: ${e.message ?? String(error)}${e.hint ? `\n  hint: ${e.hint}` : ""}`;
}

/**
 * Feed input lines to a session until it ends (/quit) or the input does. The front end owns the lines (a terminal's
 * readline, a test's array): this loop holds no I/O of its own.
 */
export async function runChatLoop(session: ChatSession, lines: AsyncIterable<string>, io: ChatLoopIo): Promise<void> {
  io.prompt();
  for await (const line of lines) {
    let go = true;
    try {
      go = await session.handle(line);
    } catch (error) {
      // A failed call or a bad command must not end the session: say what happened and keep going.
      io.out(errorText(error));
    }
    if (!go) break;
    io.prompt();
  }
}
