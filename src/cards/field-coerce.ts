import { isRecord } from "./json-guard.ts";

/**
 * Bookkeeping while normalising a card or book: every default added is recorded by path (so writers can leave it
 * out of formats that do not define it) and every repair of a wrongly typed value becomes a warning. Real cards are
 * often slightly off-spec (`tags: "a, b"`, numbers as strings); they are repaired, never rejected, and the user is
 * told what changed.
 */
export interface NormalizeLog {
  warnings: string[];
  added: string[];
}

/** Where a value that cannot be repaired is kept, inside the object's own `extensions`. */
export const INVALID_FIELDS = "troupe_invalid_fields";

/** One object being normalised: its fields are repaired in place; unrepairable values move to its extensions. */
export class FieldScope {
  constructor(
    readonly obj: Record<string, unknown>,
    private readonly path: string,
    readonly log: NormalizeLog,
  ) {}

  at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  /**
   * Move a value the spec's type cannot hold to `extensions.troupe_invalid_fields.<key>`: the object gets a valid
   * shape and the data is still there for whoever wrote it (nothing a card carries is thrown away).
   */
  setAside(key: string, value: unknown, reason: string): void {
    let ext = this.obj["extensions"];
    if (!isRecord(ext)) {
      ext = {};
      this.obj["extensions"] = ext;
    }
    const bag = isRecord((ext as Record<string, unknown>)[INVALID_FIELDS])
      ? ((ext as Record<string, unknown>)[INVALID_FIELDS] as Record<string, unknown>)
      : {};
    bag[key] = value;
    (ext as Record<string, unknown>)[INVALID_FIELDS] = bag;
    this.log.warnings.push(
      `${this.at(key)} should be ${reason}; ${describe(value)} was moved to ${this.at(`extensions.${INVALID_FIELDS}.${key}`)}`,
    );
  }

  /** A string: absent → "" (recorded), null → "", numbers/booleans → String(v), objects → their JSON. */
  string(key: string): void {
    const v = this.obj[key];
    if (typeof v === "string") return;
    if (v === undefined) {
      this.obj[key] = "";
      this.log.added.push(this.at(key));
      return;
    }
    this.obj[key] = v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    this.log.warnings.push(`${this.at(key)} should be a string; ${describe(v)} was converted`);
  }

  /** A string array: absent → [] (recorded), a comma-separated string is split, items are stringified. */
  stringArray(key: string): void {
    const v = this.obj[key];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return;
    if (v === undefined) {
      this.obj[key] = [];
      this.log.added.push(this.at(key));
      return;
    }
    if (Array.isArray(v)) {
      this.obj[key] = v
        .filter((x) => x !== null && x !== undefined)
        .map((x) => (typeof x === "string" ? x : typeof x === "object" ? JSON.stringify(x) : String(x)));
    } else if (typeof v === "string") {
      this.obj[key] = v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    } else {
      this.obj[key] = [];
      if (v !== null) {
        this.setAside(key, v, "an array of strings");
        return;
      }
    }
    this.log.warnings.push(`${this.at(key)} should be an array of strings; ${describe(v)} was converted`);
  }

  /** An object (only used for `extensions`): absent → {} (recorded); anything else is set aside inside the new {}. */
  object(key: string): void {
    const v = this.obj[key];
    if (isRecord(v)) return;
    this.obj[key] = {};
    if (v === undefined) this.log.added.push(this.at(key));
    else this.setAside(key, v, "an object");
  }

  /** An optional scalar: numeric strings become numbers, "true"/"false"/0/1 booleans; null stays (means "unset"). */
  optional(key: string, type: "string" | "number" | "boolean"): void {
    const v = this.obj[key];
    if (v === undefined || v === null || typeof v === type) return;
    if (type === "number" && typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)))
      this.obj[key] = Number(v);
    else if (type === "boolean" && (v === "true" || v === "false")) this.obj[key] = v === "true";
    else if (type === "boolean" && (v === 0 || v === 1)) this.obj[key] = v === 1;
    else if (type === "string" && (typeof v === "number" || typeof v === "boolean")) this.obj[key] = String(v);
    else {
      delete this.obj[key];
      this.setAside(key, v, `a ${type}`);
      return;
    }
    this.log.warnings.push(`${this.at(key)} should be a ${type}; ${describe(v)} was converted`);
  }

  /** A required scalar with a default: absent → default (recorded); unrepairable → default, original set aside. */
  required(key: string, type: "number" | "boolean", fallback: number | boolean): void {
    const v = this.obj[key];
    if (typeof v === type) return;
    if (v === undefined) {
      this.obj[key] = fallback;
      this.log.added.push(this.at(key));
      return;
    }
    this.optional(key, type);
    if (typeof this.obj[key] !== type) {
      if (v === null) this.log.warnings.push(`${this.at(key)} was null; the default ${String(fallback)} was used`);
      this.obj[key] = fallback;
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `a ${typeof v}`;
}
