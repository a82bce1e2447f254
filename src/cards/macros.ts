import { createRng, type Rng, seedFrom } from "../core/index.ts";
import type { CharacterCardV3 } from "./card-schema.ts";
import type { MacroContext } from "./lore-types.ts";

/**
 * What the text is for: `prompt` (sent to the model: comments and hidden keys vanish), `scan` (scanned for lore
 * keys during recursion: `{{hidden_key:A}}` becomes `A`), `display` (shown to a person: `{{comment: A}}` shows `A`).
 */
export type MacroMode = "prompt" | "scan" | "display";

const MAX_OUTPUT = 4 * 1024 * 1024;
const MAX_ROLLS = 100;

/** Split `A,B\,C` on unescaped commas (V3: `,` is escaped as `\,`); SillyTavern's `A::B` form is accepted too. */
function splitArgs(raw: string): string[] {
  if (raw.startsWith(":")) return raw.slice(1).split("::");
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\" && raw[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

interface Expander {
  ctx: MacroContext;
  mode: MacroMode;
  rng: Rng;
  seedKey: number | string;
  pickCounts: Map<string, number>;
}

function roll(spec: string, rng: Rng): string | undefined {
  const m = /^\s*(\d*)\s*d\s*(\d+)\s*$/i.exec(spec) ?? /^\s*()(\d+)\s*$/.exec(spec);
  if (!m) return undefined;
  const count = m[1] ? Number(m[1]) : 1;
  const sides = Number(m[2]);
  if (sides < 1 || count < 1 || count > MAX_ROLLS || !Number.isSafeInteger(sides)) return undefined;
  let total = 0;
  for (let i = 0; i < count; i++) total += 1 + rng.int(sides);
  return String(total);
}

/** Evaluate the inside of one `{{…}}` (already expanded inside); undefined = not a macro we know, keep as written. */
function evaluate(inner: string, x: Expander): string | undefined {
  const trimmed = inner.trim();
  const lower = trimmed.toLowerCase();
  if (lower.startsWith("//")) return "";
  if (lower === "char" || lower === "bot") return x.ctx.char;
  if (lower === "user") return x.ctx.user;
  if (lower === "original") return x.ctx.original ?? "";
  const colon = trimmed.indexOf(":");
  if (colon < 0) return undefined;
  const name = lower.slice(0, colon).trim();
  const arg = trimmed.slice(colon + 1);
  switch (name) {
    case "random": {
      const options = splitArgs(arg);
      return options[x.rng.int(options.length)];
    }
    case "pick": {
      // Stable per prompt: the same seed, the same option list and the same occurrence always give the same value.
      const options = splitArgs(arg);
      const n = x.pickCounts.get(arg) ?? 0;
      x.pickCounts.set(arg, n + 1);
      return options[createRng(seedFrom("pick", x.seedKey, arg, n)).int(options.length)];
    }
    case "roll":
      return roll(arg, x.rng);
    case "hidden_key":
      return x.mode === "scan" ? arg.trim() : "";
    case "comment":
      return x.mode === "display" ? arg.trim() : "";
    case "reverse":
      return [...arg].reverse().join("");
    default:
      return undefined;
  }
}

/**
 * Expand card macros: `{{char}}`/`<BOT>`/`<CHAR>`, `{{user}}`/`<USER>` (case-insensitive), `{{original}}`, and the V3
 * curly-brace syntax: `{{random:A,B}}`, `{{pick:A,B}}` (stable for a seed), `{{roll:N}}`/`{{roll:dN}}`, `{{// …}}`,
 * `{{hidden_key:A}}`, `{{comment: A}}`, `{{reverse:A}}`. Macros nest (`{{random:{{char}},{{user}}}}`); unknown ones and
 * `{{char}}`/`{{user}}` without a value are left as written. Deterministic for a given `ctx.seed` (default 0).
 */
export function expandMacros(text: string, ctx: MacroContext, options: { mode?: MacroMode } = {}): string {
  let source = text;
  if (ctx.char !== undefined) source = source.replace(/<(?:bot|char)>/gi, ctx.char);
  if (ctx.user !== undefined) source = source.replace(/<user>/gi, ctx.user);
  if (!source.includes("{{")) return source;
  const seedKey = ctx.seed ?? 0;
  const x: Expander = {
    ctx,
    mode: options.mode ?? "prompt",
    rng: createRng(seedFrom("macros", seedKey)),
    seedKey,
    pickCounts: new Map(),
  };
  // A stack of open `{{`: each level collects its text until the matching `}}`, so nesting costs one linear pass.
  const stack: string[] = [""];
  let i = 0;
  while (i < source.length) {
    if (source.startsWith("{{", i)) {
      stack.push("");
      i += 2;
    } else if (source.startsWith("}}", i) && stack.length > 1) {
      const inner = stack.pop() as string;
      const value = evaluate(inner, x);
      const top = stack.length - 1;
      stack[top] += value ?? `{{${inner}}}`;
      if ((stack[top] as string).length > MAX_OUTPUT) break;
      i += 2;
    } else {
      const next = nextSpecial(source, i + 1);
      stack[stack.length - 1] += source.slice(i, next);
      i = next;
    }
  }
  // Unclosed `{{` are literal text.
  let out = stack[0] as string;
  for (let level = 1; level < stack.length; level++) out += `{{${stack[level]}`;
  return i < source.length ? out + source.slice(i) : out;
}

function nextSpecial(s: string, from: number): number {
  const a = s.indexOf("{{", from);
  const b = s.indexOf("}}", from);
  const m = a < 0 ? b : b < 0 ? a : Math.min(a, b);
  return m < 0 ? s.length : m;
}

/** Macro values for a card: `{{char}}` is the V3 `nickname` when set, else the name. */
export function macroContextFromCard(card: CharacterCardV3, user?: string, seed?: number | string): MacroContext {
  const nickname = card.data.nickname;
  return {
    char: nickname !== undefined && nickname !== "" ? nickname : card.data.name,
    ...(user === undefined ? {} : { user }),
    ...(seed === undefined ? {} : { seed }),
  };
}
