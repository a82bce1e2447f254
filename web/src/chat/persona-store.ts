import type { Persona } from "../api/types.ts";

const KEY = "troupe.persona";

/** The persona used last (a chat keeps its own; this only prefills the next one). */
export function savedPersona(): Persona {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? "null") as Persona | null;
    if (value && typeof value.name === "string") return value;
  } catch {
    // ignore a damaged entry
  }
  return { name: "You", description: "" };
}

/** Remember the persona for the next chat. */
export function savePersona(persona: Persona): void {
  localStorage.setItem(KEY, JSON.stringify(persona));
}
