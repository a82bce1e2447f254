import type { TroupeConfig } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { ServedModelInfo } from "./gateway.ts";
import { HttpError } from "./http-error.ts";
import { choosePolicy, type PolicyArm } from "./policy-split.ts";

/** A served name's chosen policy with its ready model. */
export interface ResolvedPolicy {
  name: string;
  arm: PolicyArm;
  propensity: number;
  model: ChatModel;
}

/**
 * The model names a server answers to: `serve.models` (each split over policies), the configured named models,
 * and the specs given with `--model`. Models are built on first use and shared by every request.
 */
export class ModelRegistry {
  private readonly served = new Map<string, PolicyArm[]>();
  private readonly models = new Map<string, Promise<ChatModel>>();
  readonly defaultName: string | undefined;

  constructor(
    config: TroupeConfig,
    private readonly resolve: (spec: string) => Promise<ChatModel>,
    extraSpecs: readonly string[] = [],
    private readonly startedAt = Math.floor(Date.now() / 1000),
  ) {
    for (const [name, entry] of Object.entries(config.serve.models ?? {}))
      this.served.set(
        name,
        entry.policies.map((p, i) => ({
          id: p.id ?? `${name}/${i}`,
          model: p.model,
          weight: p.weight ?? 1,
          ...(p.version ? { version: p.version } : {}),
          ...(p.promptVersion ? { promptVersion: p.promptVersion } : {}),
          sampling: {
            ...(p.temperature === undefined ? {} : { temperature: p.temperature }),
            ...(p.topP === undefined ? {} : { topP: p.topP }),
            ...(p.maxTokens === undefined ? {} : { maxTokens: p.maxTokens }),
          },
        })),
      );
    for (const name of Object.keys(config.models))
      if (!this.served.has(name)) this.served.set(name, [{ id: name, model: name, weight: 1 }]);
    for (const spec of extraSpecs)
      if (!this.served.has(spec)) this.served.set(spec, [{ id: spec, model: spec, weight: 1 }]);
    this.defaultName = config.serve.defaultModel ?? extraSpecs[0] ?? this.served.keys().next().value;
    if (this.defaultName !== undefined && !this.served.has(this.defaultName))
      throw new HttpError(
        400,
        "serve.bad_default_model",
        `serve.defaultModel "${this.defaultName}" is not a served model name.`,
      );
  }

  /** Served names, for GET /v1/models. */
  list(): ServedModelInfo[] {
    return [...this.served.keys()].map((id) => ({ id, created: this.startedAt, ownedBy: "troupe" }));
  }

  /** Whether a name is served. */
  has(name: string): boolean {
    return this.served.has(name);
  }

  /** Pick the user's policy for a served name and its model; 404 for a name the server does not serve. */
  async choose(name: string, userKey: string): Promise<ResolvedPolicy> {
    const arms = this.served.get(name);
    if (!arms)
      throw new HttpError(
        404,
        "model_not_found",
        `The model "${name}" does not exist or you do not have access to it.`,
        {
          param: "model",
        },
      );
    const { arm, propensity } = choosePolicy(arms, userKey, name);
    return { name, arm, propensity, model: await this.model(arm.model) };
  }

  /** A model by spec, built once. */
  model(spec: string): Promise<ChatModel> {
    let model = this.models.get(spec);
    if (!model) {
      model = this.resolve(spec);
      // A spec that failed to build is tried again next time rather than failing forever.
      model.catch(() => this.models.delete(spec));
      this.models.set(spec, model);
    }
    return model;
  }
}
