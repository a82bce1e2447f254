/** A substring every match of a regex must contain. */
export interface RequiredLiteral {
  literal: string;
  /** Compare against case-folded text (the regex has the `i` flag). */
  caseInsensitive: boolean;
}

/**
 * Find a literal that every match of `pattern` contains, so a regex key can be ruled out with one `includes` before
 * the (linear but slower) RE2 engine runs. Deliberately conservative: top-level alternation, inline flags and
 * `\Q…\E` give up; groups, classes, escapes like `\d` and quantified characters only end a literal run. Under `i`
 * only ASCII literals are used, because those are the only ones whose case folding `toLowerCase` plus `ſ→s`
 * reproduces exactly (see foldForLiteral).
 */
export function requiredLiteral(pattern: string, flags: string): RequiredLiteral | undefined {
  if (pattern.includes("(?") && /\(\?(?!:)/.test(pattern)) return undefined;
  if (pattern.includes("\\Q")) return undefined;
  const runs: string[] = [];
  let run = "";
  const end = () => {
    if (run) runs.push(run);
    run = "";
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "|") return undefined;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      if (/[A-Za-z0-9]/.test(next)) {
        end();
        i += 2;
        if ((next === "p" || next === "P" || next === "x") && pattern[i] === "{")
          i = pattern.indexOf("}", i) + 1 || pattern.length;
        continue;
      }
      run += next;
      i += 2;
    } else if (c === "[") {
      end();
      i++;
      if (pattern[i] === "^") i++;
      if (pattern[i] === "]") i++;
      while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "(") {
      end();
      let depth = 0;
      while (i < pattern.length) {
        const g = pattern[i];
        if (g === "\\") i++;
        else if (g === "[") {
          i++;
          while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
        } else if (g === "(") depth++;
        else if (g === ")" && --depth === 0) break;
        i++;
      }
      i++;
    } else if (c === "*" || c === "?" || c === "{" || c === "+") {
      // The quantifier applies to the last character of the run (or to a group/class, which already ended it).
      let optional = c === "*" || c === "?";
      let next = i + 1;
      if (c === "{") {
        const close = pattern.indexOf("}", i);
        if (close < 0) return undefined;
        optional = /^\{0*(,|\})/.test(pattern.slice(i, close + 1));
        next = close + 1;
      }
      if (optional) run = run.slice(0, -1);
      end();
      i = pattern[next] === "?" ? next + 1 : next;
    } else if (c === "." || c === "^" || c === "$" || c === ")") {
      end();
      i++;
    } else {
      run += c;
      i++;
    }
  }
  end();
  const caseInsensitive = flags.includes("i");
  let best = "";
  for (const r of runs) {
    if (caseInsensitive && !/^[\x20-\x7e]+$/.test(r)) continue;
    if (r.length > best.length) best = r;
  }
  if (best.length < 2) return undefined;
  return { literal: caseInsensitive ? best.toLowerCase() : best, caseInsensitive };
}

/**
 * Case-fold text for an ASCII literal: `toLowerCase` maps every character whose RE2 case-fold orbit contains an
 * ASCII letter to that letter (including the Kelvin sign), except the long s `ſ`, which is mapped here.
 */
export function foldForLiteral(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes("ſ") ? lower.replace(/ſ/g, "s") : lower;
}
