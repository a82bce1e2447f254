import type { ChatMessage } from "../llm/index.ts";

/**
 * A card's `mes_example` as MiniMax-style sample messages: blocks start with `<START>`; a line beginning with
 * `{{user}}:` or `{{char}}:` (or the expanded names) opens a turn and other lines continue it. Providers without
 * these roles fold them into the system message (llm foldRoleplayRoles), so every backend sees the examples.
 */
export function exampleDialogue(
  mesExample: string,
  names: { char: string; user: string },
  expand: (text: string) => string,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  const userPrefixes = ["{{user}}:", `${names.user}:`];
  const charPrefixes = ["{{char}}:", `${names.char}:`];
  const starts = (line: string, prefixes: string[]) =>
    prefixes.find((p) => line.toLowerCase().startsWith(p.toLowerCase()));
  let current: ChatMessage | undefined;
  const flush = () => {
    if (current && current.content.trim() !== "") out.push({ ...current, content: expand(current.content.trim()) });
    current = undefined;
  };
  for (const raw of mesExample.split(/\r?\n/)) {
    const line = raw.trimStart();
    if (/^<start>/i.test(line)) {
      flush();
      continue;
    }
    const user = starts(line, userPrefixes);
    const char = user ? undefined : starts(line, charPrefixes);
    if (user || char) {
      flush();
      current = user
        ? { role: "sample_message_user", name: names.user, content: line.slice(user.length) }
        : { role: "sample_message_ai", name: names.char, content: line.slice((char as string).length) };
    } else if (current) current.content += `\n${raw}`;
  }
  flush();
  return out;
}
