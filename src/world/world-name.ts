/**
 * A name no other world has: the name itself when it is free, else "name (2)", "name (3)", … — the first free one.
 * Worlds are opened by name, so two worlds sharing one would make the name point at either.
 */
export function uniqueWorldName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  let n = 2;
  while (taken.has(`${name} (${n})`)) n++;
  return `${name} (${n})`;
}
