import type { CallOptions, ChatModel, ChatRequest, ChatResult, Usage } from "../llm/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { chooseSpeaker } from "./director.ts";
import type { EventDraft } from "./node-builder.ts";
import { EVERYONE } from "./projection.ts";
import {
  checkProposal,
  commitProposal,
  type Proposal,
  proposeLine,
  proposeText,
  proposeUserLine,
  resolveViolation,
} from "./turn-pipeline.ts";
import { World } from "./world.ts";
import type { WorldSetupInput } from "./world-setup.ts";

/**
 * The parts of a bench scenario a world-aware player reads (structurally the bench's `Scenario`). A scenario's
 * optional `world` seed may hold `facts: [{subject, predicate, object, hard?}]` and `startTime` (story minutes):
 * they become common-knowledge facts at the root.
 */
export interface WorldPlayerScenario {
  id: string;
  aiName: string;
  aiSetting: string;
  userName: string;
  userSetting: string;
  world?: Record<string, unknown>;
}

/** One dialogue turn as the bench stores it. */
export interface WorldPlayerTurnRecord {
  role: "ai" | "user";
  round: number;
  text: string;
}

/** What the bench asks a player for (structurally the bench's `PlayerInput`). */
export interface WorldPlayerInput {
  scenario: WorldPlayerScenario;
  history: readonly WorldPlayerTurnRecord[];
  round: number;
  seed: number;
  runIndex: number;
  signal?: AbortSignal;
  tags?: Record<string, string | number>;
}

/** The NPC's turn and its cost (structurally the bench's `PlayerTurn`). */
export interface WorldPlayerTurn {
  text: string;
  model: string;
  latencyMs: number;
  usage: Usage;
  costUsd?: number;
  retries: number;
  finishReason: string;
  calls: number;
}

export interface WorldPlayerOptions {
  /** Recorded as the run's player spec (default: the generator's id). */
  spec?: string;
  /** Prompt token budget per generation. */
  budgetTokens?: number;
  /** Regenerations tried when a line breaks an invariant, before the last attempt is accepted as a retcon. */
  maxRegenerations?: number;
  /** Sessions kept in memory (least recently used beyond this are rebuilt from the history when needed). */
  maxSessions?: number;
  /** Where the session worlds live (default: an in-memory SQLite database of their own). */
  store?: Store;
  /** Sampling parameters of the NPC's generations. */
  params?: { temperature?: number; maxTokens?: number };
}

/** Sum the cost of every call a turn makes, whatever model wrapper is underneath. */
class TurnMeter {
  usage: Usage = { promptTokens: 0, completionTokens: 0 };
  costUsd: number | undefined;
  latencyMs = 0;
  retries = 0;
  calls = 0;
  last: ChatResult | undefined;

  wrap(model: ChatModel): ChatModel {
    const record = (r: ChatResult) => {
      this.calls++;
      this.usage = {
        promptTokens: this.usage.promptTokens + r.usage.promptTokens,
        completionTokens: this.usage.completionTokens + r.usage.completionTokens,
        ...(this.usage.estimated || r.usage.estimated ? { estimated: true } : {}),
      };
      if (r.costUsd !== undefined) this.costUsd = (this.costUsd ?? 0) + r.costUsd;
      this.latencyMs += r.latencyMs;
      this.retries += r.retries ?? 0;
      return r;
    };
    return {
      id: model.id,
      provider: model.provider,
      chat: async (request: ChatRequest, options?: CallOptions) => {
        const r = record(await model.chat(request, options));
        if (options?.role === "player") this.last = r;
        return r;
      },
      stream: (request: ChatRequest, options?: CallOptions) => model.stream(request, options),
    };
  }
}

/**
 * The cast of a group scene: a scenario's `world.cast` of 2–4 members with a name and a description (the bench's
 * group scenes), or undefined for a one-character scenario.
 */
function groupCast(s: WorldPlayerScenario): Array<{ name: string; description: string }> | undefined {
  const cast = s.world?.["cast"];
  if (!Array.isArray(cast) || cast.length < 2 || cast.length > 4) return undefined;
  const members = cast.filter(
    (c): c is { name: string; description: string } =>
      typeof c === "object" && c !== null && typeof c.name === "string" && typeof c.description === "string",
  );
  return members.length === cast.length
    ? members.map((c) => ({ name: c.name, description: c.description }))
    : undefined;
}

/** Who said an AI line of the history: its `Name:` label when it names a cast member, else the default speaker. */
function spokenBy(world: World, text: string, fallback: string): { speaker: string; text: string } {
  const match = /^\s*\**([^:*\n]{1,60})\**\s*:\s*/.exec(text);
  const named = match?.[1]?.trim();
  const member = named ? world.setup.cast.find((c) => c.name === named) : undefined;
  if (member && match) return { speaker: member.name, text: text.slice(match[0].length) };
  const cast = world.setup.cast.map((c) => c.name);
  return { speaker: cast.includes(fallback) ? fallback : (cast[0] ?? fallback), text };
}

/**
 * A bench player that runs the world engine: each session gets a world (the NPC's card as its cast, the user's
 * persona, the scenario's world seed); user turns are committed with their extracted events; the NPC's reply is
 * generated from the assembled context (knowledge, memories, hooks), checked against the invariants, and
 * regenerated when it breaks one (up to `maxRegenerations`, then accepted as a retcon and recorded). It satisfies
 * the bench's `Player` interface structurally, so neither domain imports the other.
 */
export function createWorldPlayer(
  models: { generator: ChatModel; extractor?: ChatModel },
  options: WorldPlayerOptions = {},
) {
  const sessions = new Map<string, { world: World; turns: number }>();
  let storePromise: Promise<Store> | undefined;
  const store = () =>
    (storePromise ??= options.store ? Promise.resolve(options.store) : openStore({ databaseUrl: ":memory:" }));
  const maxSessions = options.maxSessions ?? 64;
  const maxRegenerations = options.maxRegenerations ?? 2;

  const setupFor = (s: WorldPlayerScenario): WorldSetupInput => ({
    name: `bench ${s.id}`,
    userName: s.userName,
    persona: s.userSetting,
    cast: groupCast(s) ?? [{ name: s.aiName, description: s.aiSetting }],
    ...(typeof s.world?.["startTime"] === "number" ? { startTime: s.world["startTime"] as number } : {}),
  });

  async function seedWorld(world: World, s: WorldPlayerScenario): Promise<void> {
    const facts = Array.isArray(s.world?.["facts"]) ? (s.world?.["facts"] as Array<Record<string, unknown>>) : [];
    const drafts: EventDraft[] = facts
      .filter(
        (f) =>
          typeof f["subject"] === "string" && typeof f["predicate"] === "string" && typeof f["object"] === "string",
      )
      .map((f) => ({
        kind: "user_edit",
        payload: {
          op: "set",
          subject: f["subject"],
          predicate: f["predicate"],
          object: f["object"],
          hard: f["hard"] === true,
          reason: "scenario world seed",
        },
        witnesses: [EVERYONE],
      }));
    if (drafts.length > 0) await world.commit({ kind: "edit", events: drafts });
  }

  /** Bring the session's world up to the history (all of it on a fresh or resumed session). */
  async function sync(input: WorldPlayerInput, m: { generator: ChatModel; extractor: ChatModel }) {
    const key = `${input.scenario.id}#${input.runIndex}`;
    let session = sessions.get(key);
    if (session && session.turns > input.history.length) session = undefined; // a different session reusing the key
    if (!session) {
      const world = await World.create(await store(), setupFor(input.scenario));
      await seedWorld(world, input.scenario);
      session = { world, turns: 0 };
    }
    sessions.delete(key);
    sessions.set(key, session);
    while (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value as string);
    for (let i = session.turns; i < input.history.length; i++) {
      const turn = input.history[i] as WorldPlayerTurnRecord;
      const proposal =
        turn.role === "user"
          ? await proposeUserLine(session.world, turn.text, { generator: m.generator, extractor: m.extractor })
          : await (() => {
              const line = spokenBy(session.world, turn.text, input.scenario.aiName);
              return proposeText(session.world, line.speaker, line.text, {
                generator: m.generator,
                extractor: m.extractor,
              });
            })();
      await settle(session.world, proposal, []);
      session.turns = i + 1;
    }
    return session;
  }

  /** Commit a proposal, accepting whatever it breaks (used for history, which is fixed, and the last attempt). */
  async function settle(world: World, first: Proposal, found: Awaited<ReturnType<typeof checkProposal>>) {
    let proposal = first;
    let violations = found.length ? found : await checkProposal(world, proposal);
    for (let round = 0; violations.length > 0 && round < 4; round++) {
      for (const v of violations)
        proposal = await resolveViolation(
          world,
          proposal,
          v,
          v.options.includes("accept_retcon") ? "accept_retcon" : "drop_event",
        );
      violations = await checkProposal(world, proposal);
    }
    return commitProposal(world, proposal, violations);
  }

  return {
    /** The world of a session (scenario id and run index), while it is kept in memory. */
    worldOf: (scenarioId: string, runIndex: number): World | undefined =>
      sessions.get(`${scenarioId}#${runIndex}`)?.world,
    id: `world:${models.generator.id}`,
    spec: options.spec ?? models.generator.id,
    modelId: models.generator.id,
    describe: () => ({
      kind: "world",
      model: models.generator.id,
      extractor: (models.extractor ?? models.generator).id,
      budgetTokens: options.budgetTokens ?? 3000,
      maxRegenerations,
      ...options.params,
    }),
    async nextTurn(input: WorldPlayerInput): Promise<WorldPlayerTurn> {
      const meter = new TurnMeter();
      const generator = meter.wrap(models.generator);
      const extractor = models.extractor ? meter.wrap(models.extractor) : generator;
      const session = await sync(input, { generator, extractor });
      // In a group scene the director picks who answers (and the line is labelled with the speaker's name, so the
      // judge sees who said what); alone, the scenario's character always does.
      const group = groupCast(input.scenario) !== undefined;
      const speaker = group
        ? await session.world.read((p) => chooseSpeaker(p, session.world.setup).speaker)
        : input.scenario.aiName;
      let proposal: Proposal | undefined;
      let violations: Awaited<ReturnType<typeof checkProposal>> = [];
      for (let attempt = 0; attempt <= maxRegenerations; attempt++) {
        proposal = await proposeLine(
          session.world,
          speaker,
          { generator, extractor },
          {
            ...(options.budgetTokens ? { budgetTokens: options.budgetTokens } : {}),
            seed: input.seed + attempt,
            generationType: attempt === 0 ? "normal" : "regenerate",
            ...(input.signal ? { signal: input.signal } : {}),
          },
        );
        violations = await checkProposal(session.world, proposal);
        if (violations.length === 0) break;
      }
      const chosen = proposal as Proposal;
      await settle(session.world, chosen, violations);
      session.turns = input.history.length + 1;
      return {
        text: group ? `${speaker}: ${chosen.text}` : chosen.text,
        model: meter.last?.model ?? models.generator.id,
        latencyMs: meter.latencyMs,
        usage: meter.usage,
        ...(meter.costUsd === undefined ? {} : { costUsd: meter.costUsd }),
        retries: meter.retries,
        finishReason: meter.last?.finishReason ?? "stop",
        calls: meter.calls,
      };
    },
  };
}
