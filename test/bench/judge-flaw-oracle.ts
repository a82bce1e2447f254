// A deterministic judge double for the judge-level calibration: it knows the flaw templates and finds each flaw
// exactly when a careful judge could — a contradiction only when the fact it contradicts is visible (in the chunk
// or in the canon ledger it keeps), a revealed secret only when the hiding is visible. So ledger on/off changes
// what it finds the way the ledger should. "noisy" also flags the first scored round of every chunk.
import {
  JUDGE_FLAW_PHRASES_EN,
  JUDGE_FLAW_PHRASES_ZH,
  type JudgeFlawPhrases,
} from "../../src/bench/calibration/judge-flaw-phrases.ts";

/** The longest literal piece of a template once its {npc}/{user} slots are removed: present in every filled copy. */
function core(template: string): string {
  return template
    .split(/\{npc\}|\{user\}/)
    .map((s) => s.trim())
    .sort((a, b) => b.length - a.length)[0]!;
}

function quoteOf(piece: string): string {
  const words = piece.split(/\s+/);
  return words.length > 20
    ? words.slice(0, 12).join(" ")
    : piece.length > 60 && !/\s/.test(piece)
      ? piece.slice(0, 30)
      : piece;
}

interface Parsed {
  setting: string;
  ledger: { round: number; statement: string }[];
  turns: Map<number, string>;
  scored: number[];
}

function parse(user: string): Parsed {
  const setting = JSON.parse(/^NPC ".*?": (".*")$/m.exec(user)?.[1] ?? '""') as string;
  const ledger = [...user.matchAll(/^R(\d+) (?:fact|relationship|world_rule): (".*")$/gm)].map((m) => ({
    round: Number(m[1]),
    statement: JSON.parse(m[2]!) as string,
  }));
  const turns = new Map<number, string>();
  for (const m of user.matchAll(/^R(\d+) (?:NPC|USER)(?: scripted| context)? (".*")$/gm))
    turns.set(Number(m[1]), JSON.parse(m[2]!) as string);
  const scored = (/scored NPC rounds: ([\d, ]+)/.exec(user)?.[1] ?? "")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  return { setting, ledger, turns, scored };
}

/** The oracle's answer (the JSON a judge returns) for one judge prompt's user message. */
export function judgeFlawOracle(user: string, options: { noisy?: boolean } = {}): string {
  const { setting, ledger, turns, scored } = parse(user);
  const zh = /language: "zh"/.test(user);
  const p: JudgeFlawPhrases = zh ? JUDGE_FLAW_PHRASES_ZH : JUDGE_FLAW_PHRASES_EN;
  const visible = [...ledger.map((e) => e.statement), ...turns.values()].join("\n");
  const flags: object[] = [];
  const newLedger: object[] = [];
  const flag = (round: number, piece: string, subtype: string) =>
    flags.push({ round, quote: quoteOf(piece), reason: "does not fit", subtype, severity: 2 });
  for (const [round, text] of turns) {
    for (const f of p.facts) if (text.includes(f.set)) newLedger.push({ kind: "fact", round, statement: f.set });
    for (const s of p.secrets)
      if (text.includes(core(s.hide)))
        newLedger.push({ kind: "fact", round, statement: `kept secret: ${core(s.hide)}` });
  }
  for (const round of scored) {
    const text = turns.get(round) ?? "";
    for (const f of p.facts)
      if (text.includes(f.contradict) && visible.includes(f.set)) flag(round, f.contradict, "forgotten_relationship");
    for (const r of p.rules)
      if (setting.includes(r.rule) && text.includes(core(r.violation)))
        flag(round, core(r.violation), "world_law_violation");
    for (const s of p.secrets)
      if (text.includes(s.reveal) && visible.includes(core(s.hide))) flag(round, s.reveal, "impossible_knowledge");
    for (const d of p.oocDrift) if (text.includes(core(d[1]))) flag(round, core(d[1]), "unmotivated_ooc");
    for (const r of p.rushed) if (text.includes(core(r))) flag(round, core(r), "rushed_pacing");
    for (const e of p.factualErrors) if (text.includes(e)) flag(round, e, "factual_error");
    if (text.includes(p.erosion[2]!)) flag(round, p.erosion[2]!, "immersion_erosion");
    // Only a judge shown the cast can tell the partner should not know the NPC's secret.
    for (const g of p.groupSecrets)
      if (user.includes("CAST (group scene") && text.includes(g.leak)) flag(round, g.leak, "impossible_knowledge");
  }
  if (options.noisy && scored[0] !== undefined) {
    const text = turns.get(scored[0])!;
    flags.push({
      round: scored[0],
      quote: text.slice(0, 12),
      reason: "seems off",
      subtype: "incoherence",
      severity: 1,
    });
  }
  return JSON.stringify({ flags, ledger: newLedger });
}
