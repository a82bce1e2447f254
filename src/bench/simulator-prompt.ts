import { stableHash } from "../core/index.ts";
import type { ChatMessage } from "../llm/index.ts";
import { PERSONAS, type PersonaId } from "./persona.ts";
import { eventInstruction, PERTURBATION_INSTRUCTIONS, type PerturbationEvent, SILENCE_TEXT } from "./perturbation.ts";
import type { Lang, Scenario } from "./scenario.ts";
import type { Turn } from "./turn.ts";

/**
 * Version of the user-simulator prompt. Bump it whenever the wording below changes: the simulator is part of the
 * instrument, so two runs are only comparable when their version and hash match. The hash also covers the persona
 * and perturbation texts.
 */
export const SIMULATOR_PROMPT_VERSION = "usersim-1";

const TEMPLATES: Readonly<Record<Lang, { main: string; card: string; next: string; correction: string }>> = {
  en: {
    main: [
      "You are role-playing as {user}, a person chatting with {ai} in an ongoing interactive story. Write only {user}'s next message.",
      "",
      "Who you are ({user}):",
      "{user_setting}",
      "{card}",
      "Rules:",
      "- Write exactly one message from {user}, reacting to what {ai} just said or did.",
      "- Never write {ai}'s words, actions or thoughts, and never narrate for {ai}.",
      "- Never mention simulations, tests, AI, language models or these instructions, and do not put a name in front of your message.",
      "- Do not repeat your earlier messages; move the conversation along in your own way.",
      "- Write in English.",
      "- {persona}",
    ].join("\n"),
    card: "\nWhat you know about {ai}:\n{ai_setting}\n",
    next: "For this message only: {instruction}",
    correction: "Your previous draft was rejected ({reason}). Write {user}'s message again, following the rules.",
  },
  zh: {
    main: [
      "你正在扮演{user}，在一个进行中的互动故事里与{ai}聊天。你只写{user}的下一条消息。",
      "",
      "你是谁（{user}）：",
      "{user_setting}",
      "{card}",
      "规则：",
      "- 只写一条来自{user}的消息，回应{ai}刚才说的话或做的事。",
      "- 绝不替{ai}说话、行动或描写其想法，也不要替{ai}叙述。",
      "- 不要提到模拟、测试、AI、语言模型或这些指令，也不要在消息前面加名字。",
      "- 不要重复你之前说过的话；用你自己的方式推动对话。",
      "- 用中文写。",
      "- {persona}",
    ].join("\n"),
    card: "\n你对{ai}的了解：\n{ai_setting}\n",
    next: "仅限这条消息：{instruction}",
    correction: "你上一稿没有通过（{reason}）。请按照规则重新写{user}的消息。",
  },
};

const REASONS: Readonly<Record<Lang, Record<string, string>>> = {
  en: {
    empty: "it was empty",
    speaks_as_npc: "it spoke as {ai}",
    leaks_instructions: "it mentioned the instructions or the simulation",
    repeats_itself: "it repeated an earlier message",
  },
  zh: {
    empty: "内容为空",
    speaks_as_npc: "替{ai}说了话",
    leaks_instructions: "提到了指令或模拟",
    repeats_itself: "重复了之前的消息",
  },
};

let cachedHash: string | undefined;

/** Hash of every text the simulator can be given, recorded on each run beside the version. */
export function simulatorPromptHash(): string {
  cachedHash ??= stableHash({
    version: SIMULATOR_PROMPT_VERSION,
    TEMPLATES,
    REASONS,
    personas: Object.values(PERSONAS).map((p) => [
      p.id,
      p.instructions,
      p.scripted ?? null,
      p.scriptedShare ?? null,
      p.transform ?? null,
    ]),
    PERTURBATION_INSTRUCTIONS,
    SILENCE_TEXT,
  }).slice(0, 16);
  return cachedHash;
}

export interface SimulatorPromptOptions {
  persona: PersonaId;
  /** Whether the simulator may read the NPC's card (default off; recorded on the run). */
  seesCard: boolean;
  /** The event scheduled on this round, if any. */
  event?: PerturbationEvent;
  /** Why the previous draft was rejected (simulator QA), when regenerating. */
  rejected?: string;
  /** Keep only the last N turns of history (default: all). */
  historyTurns?: number;
}

/** The system prompt of the simulator for one scenario and persona. */
export function simulatorSystemPrompt(scenario: Scenario, persona: PersonaId, seesCard: boolean): string {
  // Built once per scenario and persona: a session asks for it on every one of its fifty-odd user turns.
  let byPersona = systemPrompts.get(scenario);
  if (!byPersona) {
    byPersona = new Map();
    systemPrompts.set(scenario, byPersona);
  }
  const key = `${persona}|${seesCard}`;
  let prompt = byPersona.get(key);
  if (prompt === undefined) {
    const t = TEMPLATES[scenario.lang];
    const fill = (s: string) =>
      s.replaceAll("{user}", () => scenario.userName).replaceAll("{ai}", () => scenario.aiName);
    // Replacer functions, not strings: a card's own text may contain "$&" or "$'", which a replacement string expands.
    prompt = fill(t.main)
      .replace("{user_setting}", () => scenario.userSetting)
      .replace("{card}", () => (seesCard ? fill(t.card).replace("{ai_setting}", () => scenario.aiSetting) : ""))
      .replace("{persona}", () => PERSONAS[persona].instructions[scenario.lang]);
    byPersona.set(key, prompt);
  }
  return prompt;
}

const systemPrompts = new WeakMap<Scenario, Map<string, string>>();

/**
 * The simulator's request: its instructions, then the dialogue with roles flipped (the NPC's turns are what the
 * simulator hears, its own turns what it said), then this round's instruction or correction, if any.
 */
export function buildSimulatorMessages(
  scenario: Scenario,
  history: readonly Turn[],
  options: SimulatorPromptOptions,
): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: "system", content: simulatorSystemPrompt(scenario, options.persona, options.seesCard) },
  ];
  const from = options.historyTurns === undefined ? 0 : Math.max(0, history.length - options.historyTurns);
  for (let i = from; i < history.length; i++) {
    const turn = history[i] as Turn;
    // No `name` fields: OpenAI rejects names outside [A-Za-z0-9_-], and character names rarely fit.
    messages.push({ role: turn.role === "ai" ? "user" : "assistant", content: turn.text });
  }
  const t = TEMPLATES[scenario.lang];
  const instruction = options.event
    ? eventInstruction(options.event, scenario.lang, scenario.aiName, scenario.userName)
    : undefined;
  if (instruction) messages.push({ role: "system", content: t.next.replace("{instruction}", () => instruction) });
  if (options.rejected) {
    const reason = (REASONS[scenario.lang][options.rejected] ?? options.rejected).replaceAll(
      "{ai}",
      () => scenario.aiName,
    );
    messages.push({
      role: "system",
      content: t.correction.replace("{reason}", () => reason).replaceAll("{user}", () => scenario.userName),
    });
  }
  return messages;
}
