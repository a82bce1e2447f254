import type { Rng } from "../core/index.ts";
import type { Lang } from "./scenario.ts";

const KEY_NEIGHBOURS: Readonly<Record<string, string>> = {
  a: "qs",
  b: "vn",
  c: "xv",
  d: "sf",
  e: "wr",
  f: "dg",
  g: "fh",
  h: "gj",
  i: "uo",
  j: "hk",
  k: "jl",
  l: "k",
  m: "n",
  n: "bm",
  o: "ip",
  p: "o",
  q: "w",
  r: "et",
  s: "ad",
  t: "ry",
  u: "yi",
  v: "cb",
  w: "qe",
  x: "zc",
  y: "tu",
  z: "x",
};

// Characters Chinese typists commonly confuse (homophones picked by a pinyin IME).
const ZH_CONFUSIONS: ReadonlyArray<readonly [string, string]> = [
  ["的", "地"],
  ["地", "得"],
  ["得", "的"],
  ["在", "再"],
  ["再", "在"],
  ["做", "作"],
  ["那", "哪"],
  ["哪", "那"],
  ["已", "以"],
  ["以", "已"],
  ["他", "她"],
  ["她", "他"],
  ["吗", "嘛"],
  ["吧", "把"],
  ["是", "事"],
  ["象", "像"],
];

/**
 * Make text look carelessly typed: in English, swapped, dropped, doubled or neighbouring-key letters, lowercase
 * sentence starts and missing final punctuation; in Chinese, homophone slips and dropped punctuation. Deterministic
 * for a given generator, and never empties the text.
 */
export function addTypos(text: string, lang: Lang, rng: Rng, rate = 0.12): string {
  if (lang === "zh") {
    let out = "";
    for (const ch of text) {
      const slip = ZH_CONFUSIONS.find(([from]) => from === ch);
      if (slip && rng.next() < rate * 3) out += slip[1];
      else if ((ch === "，" || ch === "。") && rng.next() < 0.4) out += rng.next() < 0.5 ? " " : "";
      else out += ch;
    }
    return out.trim() || text;
  }
  const words = text.split(/(\s+)/);
  const out = words.map((word) => {
    if (!/^[a-z]{3,}$/i.test(word.replace(/[^a-z]/gi, "")) || rng.next() >= rate) return word;
    const i = 1 + rng.int(Math.max(1, word.length - 2));
    switch (rng.int(4)) {
      case 0:
        return word.slice(0, i - 1) + (word[i] ?? "") + (word[i - 1] ?? "") + word.slice(i + 1);
      case 1:
        return word.slice(0, i) + word.slice(i + 1);
      case 2:
        return word.slice(0, i) + (word[i] ?? "") + word.slice(i);
      default: {
        const near = KEY_NEIGHBOURS[(word[i] ?? "").toLowerCase()];
        return near ? word.slice(0, i) + (near[rng.int(near.length)] ?? "") + word.slice(i + 1) : word;
      }
    }
  });
  let result = out.join("");
  if (rng.next() < 0.6)
    result = result.replace(/(^|[.!?]\s+)([A-Z])/g, (_m, pre: string, c: string) => pre + c.toLowerCase());
  if (rng.next() < 0.5) result = result.replace(/[.!]+\s*$/, "");
  return result.trim() || text;
}

/**
 * Give text non-standard formatting, one or two of: shouting caps, repeated punctuation, no punctuation, a line
 * break per sentence, a trailing emoji or laugh. Deterministic for a given generator.
 */
export function messUpFormat(text: string, lang: Lang, rng: Rng): string {
  const ops = [shout, repeatPunctuation, stripPunctuation, breakLines, addTail];
  let result = text;
  const count = 1 + rng.int(2);
  const used = new Set<number>();
  for (let k = 0; k < count; k++) {
    const i = rng.int(ops.length);
    if (used.has(i)) continue;
    used.add(i);
    result = (ops[i] as (t: string, l: Lang, r: Rng) => string)(result, lang, rng);
  }
  return result.trim() || text;
}

function shout(text: string, lang: Lang, rng: Rng): string {
  if (lang === "zh") return text.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
  const words = text.split(" ");
  return words.map((w) => (w.length > 2 && rng.next() < 0.3 ? w.toUpperCase() : w)).join(" ");
}

function repeatPunctuation(text: string, lang: Lang, rng: Rng): string {
  const times = 2 + rng.int(3);
  return lang === "zh"
    ? text.replace(/([！？])/g, (p) => p.repeat(times)).replace(/。$/, "！".repeat(times))
    : text.replace(/([!?])/g, (p) => p.repeat(times)).replace(/\.$/, "!".repeat(times));
}

function stripPunctuation(text: string, lang: Lang): string {
  return lang === "zh" ? text.replace(/[，。、；：]/g, " ").replace(/ +/g, " ") : text.replace(/[,.;:]/g, "");
}

function breakLines(text: string, lang: Lang): string {
  return lang === "zh" ? text.replace(/([。！？])\s*/g, "$1\n") : text.replace(/([.!?])\s+/g, "$1\n");
}

function addTail(text: string, lang: Lang, rng: Rng): string {
  const tails = lang === "zh" ? [" 哈哈哈", " 😂", " 嘿嘿", " QAQ", " 🙃"] : [" lol", " 😂", " haha", " :)", " 🙃"];
  return text + (tails[rng.int(tails.length)] as string);
}
