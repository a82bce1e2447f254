/**
 * Turns a JSON Schema into the subset node-llama-cpp can compile into a GBNF grammar.
 *
 * The grammar only shapes what the model can emit; it is not a validator. node-llama-cpp ignores `minimum` and
 * `maximum`, does not know `anyOf`, reads a schema with `const` and `type` as a plain type, has no `pattern`, treats
 * a schema without a known keyword as `null`, and always emits every listed property. So this conversion keeps what
 * can be enforced while generating, and callers must still validate the parsed result against the original schema.
 *
 * Numeric bounds are enforced as far as a grammar can: small integer ranges and grids become enums, and otherwise a
 * bound's sign (`minimum: 0` admits no minus) and the unit interval [0, 1] become number rules of our own, which the
 * dialect cannot say: they travel through it as placeholder literals that `applyNumberRules` swaps for GBNF.
 */

/** A JSON Schema node as it arrives: an object, or `true`/`false` (accept anything / nothing). */
export type JsonSchemaNode = Record<string, unknown> | boolean;

/** A schema in node-llama-cpp's `GbnfJsonSchema` dialect (typed loosely; the library's own type is recursive). */
export type GrammarJsonSchema = Record<string, unknown>;

/** A bounded integer range with at most this many values is written as an `enum`; wider ranges stay `integer`. */
export const MAX_ENUM_RANGE = 1000;

/** String formats the grammar generator can enforce; any other `format` is dropped (validation still checks it). */
const GRAMMAR_STRING_FORMATS: ReadonlySet<string> = new Set(["date-time", "date", "time"]);

/** Any JSON value: node-llama-cpp has no "anything" schema, so spell it out from the shapes it does know. */
const ANY_VALUE: GrammarJsonSchema = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    { type: "array" },
  ],
};

const ROOT_DEF = "__root";

const DIGITS = '("0" | [1-9] [0-9]{0,15})';
const FRACTION = '("." [0-9]{1,16})?';
const EXPONENT = '([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?';

/** GBNF for number shapes node-llama-cpp's one number rule (with an optional minus) cannot express. */
export const NUMBER_RULES = {
  "non-negative-integer": DIGITS,
  "positive-integer": "[1-9] [0-9]{0,15}",
  "non-positive-integer": '("0" | "-" [1-9] [0-9]{0,15})',
  "negative-integer": '"-" [1-9] [0-9]{0,15}',
  "non-negative-number": `${DIGITS} ${FRACTION} ${EXPONENT}`,
  "non-positive-number": `("0" | "-" ${DIGITS} ${FRACTION} ${EXPONENT})`,
  // No exponent: 0.5 rather than 5e-1, and nothing above 1 (1, 1.0, 1.00 …).
  "unit-interval": `("0" ${FRACTION} | "1" ("." "0"{1,16})?)`,
} as const;

/** A number shape of our own. */
export type NumberRule = keyof typeof NUMBER_RULES;

const PLACEHOLDER_PREFIX = "__troupe_number_rule__";

/** The placeholder schema that stands for `rule` until the compiled grammar is patched. */
function numberRule(rule: NumberRule): GrammarJsonSchema {
  return { enum: [`${PLACEHOLDER_PREFIX}${rule}__`] };
}

/**
 * Swap the placeholders in a GBNF grammar that node-llama-cpp compiled from `toGrammarJsonSchema`'s output for the
 * number rules they stand for. Pure; a grammar without placeholders comes back unchanged.
 */
export function applyNumberRules(gbnf: string): string {
  // node-llama-cpp writes a string literal "x" into GBNF as "\"x\"".
  return gbnf.replace(/"\\"__troupe_number_rule__([a-z-]+)__\\""/g, (literal, name: string) =>
    name in NUMBER_RULES ? `(${NUMBER_RULES[name as NumberRule]})` : literal,
  );
}

/** The error thrown for a schema no JSON value can satisfy, or one that cannot be expressed at all. */
export class UnsupportedSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedSchemaError";
  }
}

interface Conversion {
  /** Definitions gathered from `$defs`/`definitions` anywhere in the schema, converted, by name. */
  defs: Record<string, GrammarJsonSchema>;
  /** Raw definitions still to convert (converted lazily so `$ref` cycles do not recurse). */
  pendingDefs: Map<string, JsonSchemaNode>;
  /** Set when some `$ref: "#"` points back at the root, which then has to become a definition too. */
  usesRoot: boolean;
}

/** Convert a JSON Schema into node-llama-cpp's grammar dialect. Pure; throws `UnsupportedSchemaError` for `false`. */
export function toGrammarJsonSchema(schema: JsonSchemaNode): GrammarJsonSchema {
  const state: Conversion = { defs: {}, pendingDefs: new Map(), usesRoot: false };
  collectDefs(schema, state);
  const root = convert(schema, state);
  while (state.pendingDefs.size > 0) {
    for (const [name, raw] of [...state.pendingDefs]) {
      state.pendingDefs.delete(name);
      state.defs[name] = convert(raw, state);
    }
  }
  if (state.usesRoot) state.defs[ROOT_DEF] = root;
  if (Object.keys(state.defs).length === 0) return root;
  if (state.usesRoot) return { $ref: `#/$defs/${ROOT_DEF}`, $defs: state.defs };
  // node-llama-cpp reads `$defs` on object, array, oneOf and $ref schemas only; wrap anything else in a oneOf.
  const hostsDefs = root["type"] === "object" || root["type"] === "array" || "oneOf" in root || "$ref" in root;
  return hostsDefs ? { ...root, $defs: state.defs } : { oneOf: [root], $defs: state.defs };
}

/** Hoist every `$defs` / `definitions` entry (at any depth) to one root-level table, first name wins. */
function collectDefs(node: unknown, state: Conversion): void {
  if (Array.isArray(node)) {
    for (const item of node) collectDefs(item, state);
    return;
  }
  if (!isObject(node)) return;
  for (const key of ["$defs", "definitions"]) {
    const table = node[key];
    if (!isObject(table)) continue;
    for (const [name, def] of Object.entries(table)) {
      if (!state.pendingDefs.has(name) && isSchemaNode(def)) state.pendingDefs.set(name, def);
    }
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== "const" && key !== "enum" && key !== "default" && key !== "examples") collectDefs(value, state);
  }
}

function convert(node: unknown, state: Conversion): GrammarJsonSchema {
  if (node === false)
    throw new UnsupportedSchemaError("the schema `false` accepts no value, so nothing can be generated");
  if (!isObject(node)) return ANY_VALUE;
  const described = (schema: GrammarJsonSchema): GrammarJsonSchema =>
    typeof node["description"] === "string" ? { ...schema, description: node["description"] } : schema;

  if (typeof node["$ref"] === "string") return described(convertRef(node["$ref"], state));
  if ("const" in node) return described(isLiteral(node["const"]) ? { const: node["const"] } : ANY_VALUE);
  if (Array.isArray(node["enum"])) {
    // The grammar can only emit literal members; object/array members are left for validation to reject.
    const literals = node["enum"].filter(isLiteral);
    return described(literals.length > 0 ? { enum: literals } : ANY_VALUE);
  }
  if (Array.isArray(node["allOf"])) return convert(mergeAllOf(node), state);

  const alternatives = Array.isArray(node["anyOf"])
    ? node["anyOf"]
    : Array.isArray(node["oneOf"])
      ? node["oneOf"]
      : null;
  if (alternatives) {
    // Sibling keywords apply to every alternative, so fold them into each one before converting.
    const { anyOf: _a, oneOf: _o, ...base } = node;
    const hasBase = Object.keys(base).some((key) => key !== "description" && key !== "title");
    const options = alternatives.map((alt) => convert(hasBase && isObject(alt) ? mergeSchemas(base, alt) : alt, state));
    return described(options.length === 1 ? options[0]! : { oneOf: options });
  }

  const type = node["type"] ?? inferType(node);
  if (Array.isArray(type)) {
    if (type.length === 1) return convert({ ...node, type: type[0] }, state);
    return described({ oneOf: type.map((t) => convert({ ...node, type: t }, state)) });
  }
  switch (type) {
    case "string":
      return described(convertString(node));
    case "integer":
      return described(convertInteger(node));
    case "number":
      return described(convertNumber(node));
    case "boolean":
    case "null":
      return described({ type });
    case "object":
      return described(convertObject(node, state));
    case "array":
      return described(convertArray(node, state));
    default:
      return described(ANY_VALUE);
  }
}

function convertRef(ref: string, state: Conversion): GrammarJsonSchema {
  if (ref === "#") {
    state.usesRoot = true;
    return { $ref: `#/$defs/${ROOT_DEF}` };
  }
  const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  const name = match?.[1];
  if (name !== undefined && (name in state.defs || state.pendingDefs.has(name))) return { $ref: `#/$defs/${name}` };
  // Remote or deep JSON-pointer references cannot be followed here; generate any value and let validation judge.
  return ANY_VALUE;
}

function convertString(node: Record<string, unknown>): GrammarJsonSchema {
  const format = node["format"];
  if (typeof format === "string" && GRAMMAR_STRING_FORMATS.has(format)) return { type: "string", format };
  const out: GrammarJsonSchema = { type: "string" };
  if (isCount(node["minLength"])) out["minLength"] = node["minLength"];
  if (isCount(node["maxLength"])) out["maxLength"] = node["maxLength"];
  return out;
}

/** Inclusive bounds from draft-2020 (`exclusiveMinimum: n`) and draft-4 (`exclusiveMinimum: true`) spellings. */
function bounds(node: Record<string, unknown>): {
  min?: number;
  max?: number;
  minExclusive: boolean;
  maxExclusive: boolean;
} {
  const out: { min?: number; max?: number; minExclusive: boolean; maxExclusive: boolean } = {
    minExclusive: false,
    maxExclusive: false,
  };
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = node;
  if (typeof minimum === "number") {
    out.min = minimum;
    out.minExclusive = exclusiveMinimum === true;
  }
  if (typeof exclusiveMinimum === "number" && (out.min === undefined || exclusiveMinimum >= out.min)) {
    out.min = exclusiveMinimum;
    out.minExclusive = true;
  }
  if (typeof maximum === "number") {
    out.max = maximum;
    out.maxExclusive = exclusiveMaximum === true;
  }
  if (typeof exclusiveMaximum === "number" && (out.max === undefined || exclusiveMaximum <= out.max)) {
    out.max = exclusiveMaximum;
    out.maxExclusive = true;
  }
  return out;
}

function convertInteger(node: Record<string, unknown>): GrammarJsonSchema {
  const { min, max, minExclusive, maxExclusive } = bounds(node);
  const low = min === undefined ? undefined : minExclusive ? Math.floor(min) + 1 : Math.ceil(min);
  const high = max === undefined ? undefined : maxExclusive ? Math.ceil(max) - 1 : Math.floor(max);
  // An empty range has no valid value to steer towards; validation reports it.
  if (low !== undefined && high !== undefined && high < low) return { type: "integer" };
  if (low === undefined || high === undefined || high - low + 1 > MAX_ENUM_RANGE) {
    if (low !== undefined && low >= 1) return numberRule("positive-integer");
    if (low !== undefined && low >= 0) return numberRule("non-negative-integer");
    if (high !== undefined && high <= -1) return numberRule("negative-integer");
    if (high !== undefined && high <= 0) return numberRule("non-positive-integer");
    return { type: "integer" };
  }
  const step = typeof node["multipleOf"] === "number" && node["multipleOf"] > 0 ? node["multipleOf"] : undefined;
  const values: number[] = [];
  for (let value = low; value <= high; value++) if (step === undefined || isMultiple(value, step)) values.push(value);
  return values.length > 0 ? { enum: values } : { type: "integer" };
}

/** The sign (and, for [0, 1], the range) of a number with these bounds, as far as a grammar can hold it. */
function signedNumber(min: number | undefined, max: number | undefined): GrammarJsonSchema {
  if (min !== undefined && max !== undefined && max < min) return { type: "number" };
  if (min !== undefined && min >= 0 && max !== undefined && max <= 1) return numberRule("unit-interval");
  if (min !== undefined && min >= 0) return numberRule("non-negative-number");
  if (max !== undefined && max <= 0) return numberRule("non-positive-number");
  return { type: "number" };
}

function convertNumber(node: Record<string, unknown>): GrammarJsonSchema {
  const step = node["multipleOf"];
  const { min, max, minExclusive, maxExclusive } = bounds(node);
  // Only a grid (`multipleOf`) inside bounds is finite; otherwise the sign is kept and the rest validated after.
  if (typeof step !== "number" || !(step > 0) || min === undefined || max === undefined) return signedNumber(min, max);
  const decimals = decimalPlaces(step);
  // Tolerate float error in the ratio (0.3 / 0.1 is 2.9999999999999996).
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  if (last < first || last - first + 1 > MAX_ENUM_RANGE) return signedNumber(min, max);
  const values: number[] = [];
  for (let k = first; k <= last; k++) {
    const value = Number((k * step).toFixed(decimals));
    if (value < min || value > max || (minExclusive && value <= min) || (maxExclusive && value >= max)) continue;
    values.push(value);
  }
  return values.length > 0 ? { enum: values } : signedNumber(min, max);
}

function convertObject(node: Record<string, unknown>, state: Conversion): GrammarJsonSchema {
  const properties = isObject(node["properties"]) ? node["properties"] : {};
  const names = Object.keys(properties);
  const out: GrammarJsonSchema = { type: "object" };
  if (names.length > 0) {
    // The grammar emits every listed property; extra keys are never needed for a valid answer, so none are allowed.
    out["properties"] = Object.fromEntries(names.map((name) => [name, convert(properties[name], state)]));
    const required = Array.isArray(node["required"]) ? node["required"].filter((r) => names.includes(r)) : [];
    if (required.length > 0) out["required"] = required;
    return out;
  }
  const extra = node["additionalProperties"];
  if (extra === false) return out;
  out["additionalProperties"] = isObject(extra) ? convert(extra, state) : true;
  if (isCount(node["minProperties"])) out["minProperties"] = node["minProperties"];
  if (isCount(node["maxProperties"])) out["maxProperties"] = node["maxProperties"];
  return out;
}

function convertArray(node: Record<string, unknown>, state: Conversion): GrammarJsonSchema {
  const out: GrammarJsonSchema = { type: "array" };
  const items = node["items"];
  let prefix: unknown[] | undefined = Array.isArray(node["prefixItems"]) ? node["prefixItems"] : undefined;
  let rest: unknown = items;
  if (Array.isArray(items)) {
    // Draft-4 tuple form: `items: [...]` with `additionalItems` for the rest.
    prefix = items;
    rest = node["additionalItems"];
  }
  if (prefix && prefix.length > 0) out["prefixItems"] = prefix.map((item) => convert(item, state));
  let maxItems = isCount(node["maxItems"]) ? node["maxItems"] : undefined;
  if (rest === false) maxItems = Math.min(maxItems ?? Number.POSITIVE_INFINITY, prefix?.length ?? 0);
  else if (isObject(rest)) out["items"] = convert(rest, state);
  if (isCount(node["minItems"])) out["minItems"] = node["minItems"];
  if (maxItems !== undefined) out["maxItems"] = maxItems;
  return out;
}

/** Merge `allOf` members into their parent: properties and `required` are unioned, other keywords overwritten. */
function mergeAllOf(node: Record<string, unknown>): Record<string, unknown> {
  const { allOf, ...base } = node;
  let merged: Record<string, unknown> = base;
  for (const part of allOf as unknown[]) if (isObject(part)) merged = mergeSchemas(merged, part);
  return merged;
}

function mergeSchemas(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...a, ...b };
  if (isObject(a["properties"]) || isObject(b["properties"])) {
    merged["properties"] = {
      ...(isObject(a["properties"]) ? a["properties"] : {}),
      ...(isObject(b["properties"]) ? b["properties"] : {}),
    };
  }
  if (Array.isArray(a["required"]) || Array.isArray(b["required"])) {
    const required = [
      ...(Array.isArray(a["required"]) ? a["required"] : []),
      ...(Array.isArray(b["required"]) ? b["required"] : []),
    ];
    merged["required"] = [...new Set(required)];
  }
  if (a["type"] !== undefined && b["type"] === undefined) merged["type"] = a["type"];
  return merged;
}

/** A schema without `type` still says what it is through the keywords it uses. */
function inferType(node: Record<string, unknown>): string | undefined {
  if ("properties" in node || "additionalProperties" in node || "required" in node) return "object";
  if ("items" in node || "prefixItems" in node || "minItems" in node || "maxItems" in node) return "array";
  if ("minLength" in node || "maxLength" in node || "pattern" in node || "format" in node) return "string";
  if ("minimum" in node || "maximum" in node || "exclusiveMinimum" in node || "exclusiveMaximum" in node)
    return "number";
  return undefined;
}

function isMultiple(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function decimalPlaces(value: number): number {
  const text = String(value);
  if (text.includes("e-")) return Number(text.split("e-")[1]) + (text.split("e-")[0]!.split(".")[1]?.length ?? 0);
  return text.split(".")[1]?.length ?? 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSchemaNode(value: unknown): value is JsonSchemaNode {
  return typeof value === "boolean" || isObject(value);
}

function isLiteral(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
