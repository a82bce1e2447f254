/** One V3 decorator line (`@@name value`) that the engine will honour. */
export interface Decorator {
  /** Lower-case name without `@@` (`depth`, `additional_keys`). */
  name: string;
  /** Everything after the name, trimmed ("" for flags). */
  value: string;
  /** The value split on commas and trimmed (for `additional_keys a,b`). */
  args: string[];
  /** The line as written. */
  line: string;
  /** When this decorator was chosen as a `@@@` fallback, the name of the decorator it stands in for. */
  fallbackFor?: string;
}

/** The result of reading the decorator block at the top of an entry's content. */
export interface ParsedDecorators {
  /** Decorators in force, after fallbacks were resolved. */
  decorators: Decorator[];
  /** Lines that were ignored because neither they nor any of their fallbacks are supported. */
  ignored: string[];
  /** The content with the decorator block (and the blank lines right after it) removed. */
  content: string;
}

const ROLES = new Set(["assistant", "system", "user"]);
const POSITIONS = new Set([
  "before_char",
  "after_char",
  "an_top",
  "an_bottom",
  "em_top",
  "em_bottom",
  "before_desc",
  "after_desc",
  "personality",
  "scenario",
]);
const UI_PROMPTS = new Set(["post_history_instructions", "system_prompt"]);
const isCount = (v: string, min: number) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= 1_000_000;

// Decorators the engine implements, each with the values it accepts. The token-based `instruct_*` decorators and
// the `reverse_*` ones are for non-chat contexts (the spec says a chat-based application ignores them), so they are
// not listed: their `@@@` fallbacks are tried instead, which is exactly what fallbacks are for.
const SUPPORTED = new Map<string, (value: string) => boolean>(
  Object.entries({
    activate: () => true,
    dont_activate: () => true,
    keep_activate_after_match: () => true,
    dont_activate_after_match: () => true,
    ignore_on_max_context: () => true,
    activate_only_after: (v) => isCount(v, 0),
    activate_only_every: (v) => isCount(v, 1),
    depth: (v) => isCount(v, 0),
    scan_depth: (v) => isCount(v, 0),
    is_greeting: (v) => isCount(v, 0),
    role: (v) => ROLES.has(v.toLowerCase()),
    position: (v) => POSITIONS.has(v.toLowerCase()),
    additional_keys: (v) => v.split(",").some((k) => k.trim() !== ""),
    exclude_keys: (v) => v.split(",").some((k) => k.trim() !== ""),
    is_user_icon: (v) => v.trim() !== "",
    disable_ui_prompt: (v: string) => UI_PROMPTS.has(v.toLowerCase()),
  }),
);

/** True when the engine honours this decorator with this value. */
export function isSupportedDecorator(name: string, value: string): boolean {
  return SUPPORTED.get(name)?.(value) === true;
}

function parseLine(line: string, at: number): Decorator {
  const body = line.slice(at).trim();
  const space = body.search(/\s/);
  const name = (space < 0 ? body : body.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : body.slice(space + 1).trim();
  return {
    name,
    value,
    args: value
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== ""),
    line,
  };
}

/**
 * Read the V3 decorator block: the `@@` lines at the very top of an entry's content. A `@@@` line is a fallback for
 * the decorator above it and is used only when that one is not supported; chains of any length are followed.
 */
export function parseDecorators(content: string): ParsedDecorators {
  if (!content.startsWith("@@")) return { decorators: [], ignored: [], content };
  const lines = content.split("\n");
  const groups: string[][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (!line.startsWith("@@")) break;
    if (line.startsWith("@@@") && groups.length > 0) groups[groups.length - 1]?.push(line);
    else groups.push([line]);
  }
  // The spec asks for the newlines around the block to go too, so the prompt does not start with blank lines.
  while (i < lines.length && (lines[i] as string).replace(/\r$/, "") === "") i++;
  const decorators: Decorator[] = [];
  const ignored: string[] = [];
  for (const group of groups) {
    let chosen: Decorator | undefined;
    for (const [n, line] of group.entries()) {
      const d = parseLine(line, line.startsWith("@@@") ? 3 : 2);
      if (isSupportedDecorator(d.name, d.value)) {
        chosen = n === 0 ? d : { ...d, fallbackFor: parseLine(group[0] as string, 2).name };
        break;
      }
    }
    if (chosen) decorators.push(chosen);
    else ignored.push(...group);
  }
  return { decorators, ignored, content: lines.slice(i).join("\n") };
}

/** The content with any decorator block removed (what a V2 backfill must carry). */
export function stripDecorators(content: string): string {
  if (!content.startsWith("@@")) return content;
  const lines = content.split("\n");
  let i = 0;
  while (i < lines.length && (lines[i] as string).startsWith("@@")) i++;
  while (i < lines.length && (lines[i] as string).replace(/\r$/, "") === "") i++;
  return lines.slice(i).join("\n");
}
