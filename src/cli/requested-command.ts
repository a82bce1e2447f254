/** Global options that take a value, so the word after them is not mistaken for a command. */
const VALUE_OPTIONS = new Set(["-c", "--config", "--home", "--database"]);

/**
 * The command words a command line asks for: `["bench", "ls"]` for `troupe --home x bench ls --json`, `[]` for
 * `troupe --help`; `troupe help bench` asks for `["bench"]` and `troupe bench help ls` for `["bench", "ls"]`. Reads argv as node gives it (two leading entries: the
 * node binary and the script). Only the first two words matter: no command is nested deeper than a group.
 */
export function requestedCommand(argv: readonly string[]): string[] {
  const words = argv.slice(2);
  const path: string[] = [];
  for (let i = 0; i < words.length && path.length < 2; i++) {
    const word = words[i] as string;
    if (word === "--") break;
    if (word.startsWith("-")) {
      if (path.length === 0 && VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    // `troupe help bench` and `troupe bench help ls` ask for help on what follows.
    if (word === "help") continue;
    path.push(word);
  }
  return path;
}
