import { chatModelPlayer, type Player, type RunRecord, type SamplingParams } from "../../bench/index.ts";
import type { Price, TroupeConfig } from "../../core/index.ts";
import { UsageError } from "../../core/index.ts";
import {
  type CassetteMode,
  type ChatModel,
  createPriceTable,
  type ModelSpec,
  modelContextWindow,
  parseModelSpec,
  resolveModel,
} from "../../llm/index.ts";
import type { CommandContext } from "../context.ts";

/** Flags every bench command that calls models shares. */
export interface ModelFlags {
  cassette?: string;
  cassetteMode?: string;
  /**
   * Use the llm response cache. Off unless asked: every turn is committed to the bench tables anyway, a cassette is
   * the tool for replaying a run exactly, and the cache's per-call hashing and two queries cost more CPU than the
   * rest of the harness at high concurrency.
   */
  cache?: boolean;
}

/** The models of a run and how to price them. */
export interface BenchModels {
  player: Player;
  userModel: ChatModel;
  priceOf: (modelId: string) => Price | undefined;
  /** The specs as recorded on the run (local paths made absolute, so a resume from elsewhere finds the file). */
  playerSpec: string;
  userSpec: string;
}

const CASSETTE_MODES = ["record", "replay", "auto"] as const;

/** How to price a run's models: a named endpoint's own price first, then the configured price table. */
function priceLookup(config: TroupeConfig, specs: readonly ModelSpec[]): (modelId: string) => Price | undefined {
  const table = createPriceTable(config.prices);
  const endpointPrices = new Map<string, Price>();
  for (const parsed of specs) if (parsed.endpoint.price) endpointPrices.set(parsed.id, parsed.endpoint.price);
  return (id) => endpointPrices.get(id) ?? table.priceFor(id);
}

/** How to price judges given by spec: a named endpoint's own price first, then the configured price table. */
export function judgePriceOf(config: TroupeConfig, specs: readonly string[]): (modelId: string) => Price | undefined {
  return priceLookup(
    config,
    specs.map((s) => parseModelSpec(s, config, process.cwd(), { requireKey: false })),
  );
}

/** Register the model-related options on a bench command. */
export function cassetteHelp(): string {
  return "record/replay every model call in a JSONL cassette (reproducible runs; same seeds + same cassette = same dialogues)";
}

/**
 * Resolve the player and user-simulator models through the llm layer (retry, adaptive concurrency, cache,
 * cassette, usage and pricing). `concurrency` raises the endpoints' starting and maximum concurrency to the number
 * of sessions asked for: with one call in flight per session, that is what the user asked to run.
 */
export async function resolveBenchModels(
  ctx: CommandContext,
  specs: { player: string; user: string; playerParams: SamplingParams; concurrency: number; world?: boolean },
  flags: ModelFlags,
): Promise<BenchModels> {
  const config: TroupeConfig = {
    ...ctx.config,
    concurrency: {
      initial: Math.max(1, specs.concurrency),
      max: Math.max(ctx.config.concurrency.max, specs.concurrency),
    },
  };
  if (flags.cassetteMode && !(CASSETTE_MODES as readonly string[]).includes(flags.cassetteMode)) {
    throw new UsageError(
      "bench.invalid_cassette_mode",
      `--cassette-mode must be record, replay or auto, not "${flags.cassetteMode}".`,
    );
  }
  const store = await ctx.store();
  const common = {
    config,
    store,
    logger: ctx.logger,
    cache: flags.cache === true,
    ...(flags.cassette
      ? { cassette: { path: flags.cassette, mode: (flags.cassetteMode ?? "auto") as CassetteMode } }
      : {}),
  };
  const recordedSpec = (spec: string) => {
    const parsed = parseModelSpec(spec, config);
    return parsed.kind === "local" && parsed.path !== "default" ? parsed.id : spec;
  };
  const playerSpec = recordedSpec(specs.player);
  const userSpec = recordedSpec(specs.user);
  const playerModel = await resolveModel(playerSpec, common);
  const userModel = userSpec === playerSpec ? playerModel : await resolveModel(userSpec, common);
  // The world engine is imported only for --world runs: plain runs (and their --help) never load it.
  const player = specs.world
    ? (await import("../../world/index.ts")).createWorldPlayer(
        { generator: playerModel },
        { spec: playerSpec, params: specs.playerParams },
      )
    : chatModelPlayer(playerModel, specs.playerParams, playerSpec);
  return {
    player,
    userModel,
    priceOf: priceLookup(config, [parseModelSpec(playerSpec, config), parseModelSpec(userSpec, config)]),
    playerSpec,
    userSpec,
  };
}

/** Resolve the models a stored run was made with (for resume and workers). */
export async function modelsForRun(
  ctx: CommandContext,
  run: RunRecord,
  flags: ModelFlags,
  concurrency: number,
): Promise<BenchModels> {
  if (run.config.player.kind !== "chat" && run.config.player.kind !== "world") {
    throw new UsageError(
      "bench.custom_player",
      `Run ${run.id} used a "${run.config.player.kind}" player, which the CLI cannot rebuild.`,
      {
        hint: "Resume it through the library API (executeRun with the same player).",
      },
    );
  }
  return resolveBenchModels(
    ctx,
    {
      player: run.config.player.spec,
      user: run.config.userSimulator.spec,
      playerParams: run.config.player.params,
      concurrency,
      world: run.config.player.kind === "world",
    },
    flags,
  );
}

/** What a dry run knows of the two models without API keys, without loading or calling them. */
export interface EstimateModels {
  playerId: string;
  userId: string;
  priceOf: (modelId: string) => Price | undefined;
  /** Tokens each model holds, when known (a local GGUF's header, `#ctx=`, `contextSize:` on a named endpoint). */
  contextWindow: { player: number | undefined; "user-sim": number | undefined };
}

/** The ids, prices and context windows of a run's two models, from their specs alone (for `bench run --dry-run`). */
export async function modelsForEstimate(
  ctx: CommandContext,
  specs: { player: string; user: string },
): Promise<EstimateModels> {
  const player = parseModelSpec(specs.player, ctx.config, process.cwd(), { requireKey: false });
  const user = parseModelSpec(specs.user, ctx.config, process.cwd(), { requireKey: false });
  return {
    playerId: player.id,
    userId: user.id,
    priceOf: priceLookup(ctx.config, [player, user]),
    contextWindow: { player: await modelContextWindow(player), "user-sim": await modelContextWindow(user) },
  };
}
