// Deterministic synthetic role-play turns for the text-metric benchmark. Word and character frequencies follow a
// Zipf law (s ≈ 1, as natural text does), over a vocabulary of real frequent words or characters plus a long tail,
// so n-gram overlap between turns is realistic — a tiny vocabulary would make every metric look quadratic.
import { createRng, type Rng } from "../src/core/index.ts";

const EN_WORDS = (
  "the and to of a i you he she it in was that his her my your with for on at as but not is be had have they we " +
  "me him this what all so there from or by one if no up out when then just into like could would said back now " +
  "down over only see know look time eyes hand face voice door room way head light night long old new little " +
  "still something nothing before after again away through around toward against while though because even " +
  "castle forest river village tavern road stone fire rain wind sword letter king queen captain stranger smile " +
  "whisper breath shadow moment silence heart memory promise secret answer question story window table cup wine " +
  "bread coat cloak blade map lantern stair gate wall garden bridge ship harbor market street alley bell tower " +
  "looked turned smiled nodded laughed whispered watched waited reached pulled pushed stepped walked leaned " +
  "took gave held felt knew thought wanted asked answered said told kept left found called opened closed " +
  "quiet soft cold warm dark bright slow quick careful gentle sharp heavy tired strange familiar small large"
).split(" ");

const ZH_CHARS = Array.from(
  "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十" +
    "用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从知她把回手头眼声音走门" +
    "城堡森林河村酒馆路石火雨风剑信王后船长陌生微笑低语呼吸影子片刻沉默记忆承诺秘密回答问题故事窗桌杯酒面包外套斗篷" +
    "刀地图灯楼梯花园桥港口市场街巷钟塔轻慢快冷暖暗亮静柔重累怪熟悉望转点笑等伸拉推踏靠拿给握感想问告诉留找叫开关",
);

/** Zipf sampler over n ranks: P(rank r) ∝ 1 / (r + 1)^s. */
function zipf(rng: Rng, n: number, s = 1.0): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** s;
    cdf[r] = sum;
  }
  return () => {
    const u = rng.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** A generator of English turns of 40–120 words. */
export function englishTurns(seed: number | string): () => string {
  const rng = createRng(seed);
  const syllables = [
    "ar",
    "bel",
    "cor",
    "dan",
    "el",
    "fen",
    "gar",
    "hal",
    "is",
    "jor",
    "kel",
    "lin",
    "mor",
    "nor",
    "or",
    "pel",
    "quin",
    "ros",
    "sil",
    "tor",
    "ul",
    "ven",
    "wyn",
    "yr",
  ];
  const vocabulary = [...EN_WORDS];
  while (vocabulary.length < 4000) {
    const n = 1 + rng.int(3);
    let w = "";
    for (let i = 0; i < n; i++) w += syllables[rng.int(syllables.length)];
    vocabulary.push(w);
  }
  const pick = zipf(rng, vocabulary.length);
  return () => {
    const words = 40 + rng.int(81);
    const out: string[] = [];
    let sentence = 0;
    for (let i = 0; i < words; i++) {
      let w = vocabulary[pick()] as string;
      if (sentence === 0) w = w[0]?.toUpperCase() + w.slice(1);
      sentence++;
      if (sentence > 5 && rng.int(9) === 0) {
        w += [".", ".", "!", "?", ","][rng.int(5)];
        if (!w.endsWith(",")) sentence = 0;
      }
      out.push(w);
    }
    return `${out.join(" ")}.`;
  };
}

/** A generator of Chinese turns of 80–300 characters. */
export function chineseTurns(seed: number | string): () => string {
  const rng = createRng(seed);
  const vocabulary = [...ZH_CHARS];
  const seen = new Set(vocabulary);
  while (vocabulary.length < 3000) {
    const c = String.fromCodePoint(0x4e00 + rng.int(0x9fa5 - 0x4e00));
    if (!seen.has(c)) {
      seen.add(c);
      vocabulary.push(c);
    }
  }
  const pick = zipf(rng, vocabulary.length);
  return () => {
    const chars = 80 + rng.int(221);
    let out = "";
    let clause = 0;
    for (let i = 0; i < chars; i++) {
      out += vocabulary[pick()];
      clause++;
      if (clause > 6 && rng.int(10) === 0) {
        out += ["，", "，", "。", "！", "？"][rng.int(5)];
        clause = 0;
      }
    }
    return `${out}。`;
  };
}
