/** Keys whose values are secrets wherever they appear in a config or a log record. */
const SECRET_KEY = /(api[-_]?key|secret|token|password|authorization)$/i;

/** Replace a URL's password (postgres://user:pw@host) with "***". */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Show only enough of a secret to tell two keys apart: "sk-a…9f3c (51 chars)". */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return "***";
  return `${secret.slice(0, 4)}…${secret.slice(-4)} (${secret.length} chars)`;
}

/** A deep copy with every secret-looking field masked and every URL password removed. */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === "string") {
      if (key !== undefined && SECRET_KEY.test(key)) return maskSecret(v);
      return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i.test(v) ? redactUrl(v) : v;
    }
    if (Array.isArray(v)) return v.map((item) => walk(item, undefined));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) out[k] = walk(child, k);
      return out;
    }
    return v;
  };
  return walk(value, undefined) as T;
}
