import type { Kysely } from "kysely";
import { type Migration, migrate, type Store } from "../store/index.ts";
import type { ChatResult } from "./chat-result.ts";

/** The llm domain's tables. */
export interface LlmTables {
  llm_cache: {
    key: string;
    model: string;
    role: string | null;
    result: string;
    created_at: number;
  };
}

/** Forward-only migrations of the llm domain (never edit a released one; append). */
export const LLM_MIGRATIONS: readonly Migration[] = [
  {
    name: "create_llm_cache",
    async up(db) {
      await db.schema
        .createTable("llm_cache")
        .ifNotExists()
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("role", "text")
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("llm_cache_model").ifNotExists().on("llm_cache").column("model").execute();
    },
  },
];

/**
 * Content-addressed model answers in the store (`llm_cache`), keyed by `requestKey`. Only successful answers are
 * written; an error is never cached, so a transient failure cannot become a permanent one.
 */
export class ResponseCache {
  private ready: Promise<void> | undefined;
  private readonly db: Kysely<LlmTables>;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.db = store.db as Kysely<LlmTables>;
  }

  private migrated(): Promise<void> {
    this.ready ??= migrate(this.store, "llm", LLM_MIGRATIONS);
    return this.ready;
  }

  /** The stored answer for a key, if any. */
  async get(key: string): Promise<ChatResult | undefined> {
    await this.migrated();
    const row = await this.db.selectFrom("llm_cache").select("result").where("key", "=", key).executeTakeFirst();
    return row ? (JSON.parse(row.result) as ChatResult) : undefined;
  }

  /** Store an answer; an existing entry for the key wins (concurrent equal calls store once). */
  async put(key: string, meta: { model: string; role?: string | undefined }, result: ChatResult): Promise<void> {
    await this.migrated();
    await this.db
      .insertInto("llm_cache")
      .values({
        key,
        model: meta.model,
        role: meta.role ?? null,
        result: JSON.stringify(result),
        created_at: this.now(),
      })
      .onConflict((oc) => oc.column("key").doNothing())
      .execute();
  }

  /** Number of stored answers (for `troupe` status output and tests). */
  async size(): Promise<number> {
    await this.migrated();
    const row = await this.db
      .selectFrom("llm_cache")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
