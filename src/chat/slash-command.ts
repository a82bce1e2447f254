/** One line of chat input: nothing, a line the user speaks, or a slash command with its argument. */
export type ChatInput =
  | { kind: "empty" }
  | { kind: "line"; text: string }
  | { kind: "command"; name: string; arg: string };

/** Read one raw input line: `/name rest…` is a command (its words after the name joined by single spaces). */
export function parseChatInput(raw: string): ChatInput {
  const input = raw.trim();
  if (!input) return { kind: "empty" };
  if (!input.startsWith("/")) return { kind: "line", text: input };
  const [name = "", ...rest] = input.slice(1).split(/\s+/);
  return { kind: "command", name, arg: rest.join(" ") };
}
