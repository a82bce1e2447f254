import type { Kysely } from "kysely";
import { TroupeError, UsageError } from "../../core/index.ts";
import { type Migration, migrate, type Store } from "../../store/index.ts";
import { type ChunkJudgement, type ChunkJudgementCache, ChunkJudgementSchema } from "./chunk-judgement.ts";

/** A judgement: one pass of a judge panel over a run (or an official dialogues file), with its settings. */
interface JudgementRow {
  id: string;
  source: string;
  source_kind: string;
  status: string;
  config_json: string;
  created_at: number;
  updated_at: number;
}

/** A judged chunk, addressed by the hash of everything that determined it (the cache of judge calls). */
interface JudgedChunkRow {
  cache_key: string;
  judge: string;
  session_key: string;
  chunk_index: number;
  status: string;
  judgement_json: string;
  created_at: number;
}

/** Which judged chunks make up a judgement. */
interface JudgementChunkRow {
  judgement_id: string;
  session_key: string;
  judge: string;
  chunk_index: number;
  cache_key: string;
}

interface JudgeTables {
  bench_judgements: JudgementRow;
  bench_judged_chunks: JudgedChunkRow;
  bench_judgement_chunks: JudgementChunkRow;
}

const MIGRATIONS: readonly Migration[] = [
  {
    name: "judge_tables",
    async up(db) {
      await db.schema
        .createTable("bench_judgements")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("source_kind", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("config_json", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("bench_judgements_source").on("bench_judgements").column("source").execute();
      await db.schema
        .createTable("bench_judged_chunks")
        .addColumn("cache_key", "text", (c) => c.primaryKey())
        .addColumn("judge", "text", (c) => c.notNull())
        .addColumn("session_key", "text", (c) => c.notNull())
        .addColumn("chunk_index", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("judgement_json", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("bench_judgement_chunks")
        .addColumn("judgement_id", "text", (c) => c.notNull())
        .addColumn("session_key", "text", (c) => c.notNull())
        .addColumn("judge", "text", (c) => c.notNull())
        .addColumn("chunk_index", "integer", (c) => c.notNull())
        .addColumn("cache_key", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("bench_judgement_chunks_pk", ["judgement_id", "session_key", "judge", "chunk_index"])
        .execute();
    },
  },
];

async function judgeDb(store: Store): Promise<Kysely<JudgeTables>> {
  await migrate(store, "bench_judge", MIGRATIONS);
  return store.db as Kysely<JudgeTables>;
}

export type JudgementStatus = "running" | "complete" | "partial" | "interrupted" | "budget";

/** A stored judgement's header. `config` holds judges, prompt version and hash, chunking, panel and scoring. */
export interface JudgementRecord {
  id: string;
  /** Run id, or the path of an official dialogues file. */
  source: string;
  sourceKind: "run" | "dialogues";
  status: JudgementStatus;
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

function toRecord(row: JudgementRow): JudgementRecord {
  return {
    id: row.id,
    source: row.source,
    sourceKind: row.source_kind as JudgementRecord["sourceKind"],
    status: row.status as JudgementStatus,
    config: JSON.parse(row.config_json) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Create a judgement, or reuse the one with the same id (re-running the same judges and settings resumes it). */
export async function upsertJudgement(
  store: Store,
  record: Omit<JudgementRecord, "createdAt" | "updatedAt">,
  now: number,
): Promise<void> {
  const db = await judgeDb(store);
  await db
    .insertInto("bench_judgements")
    .values({
      id: record.id,
      source: record.source,
      source_kind: record.sourceKind,
      status: record.status,
      config_json: JSON.stringify(record.config),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("id").doUpdateSet({ status: record.status, updated_at: now }))
    .execute();
}

/** Set a judgement's status. */
export async function setJudgementStatus(
  store: Store,
  id: string,
  status: JudgementStatus,
  now: number,
): Promise<void> {
  const db = await judgeDb(store);
  await db.updateTable("bench_judgements").set({ status, updated_at: now }).where("id", "=", id).execute();
}

/** Judgements of a source (a run id or a file path), newest first. */
export async function listJudgements(store: Store, source?: string): Promise<JudgementRecord[]> {
  const db = await judgeDb(store);
  let query = db.selectFrom("bench_judgements").selectAll().orderBy("created_at", "desc").orderBy("id");
  if (source !== undefined) query = query.where("source", "=", source);
  return (await query.execute()).map(toRecord);
}

/** One judgement by id or unique id prefix. */
export async function getJudgement(store: Store, idOrPrefix: string): Promise<JudgementRecord> {
  const db = await judgeDb(store);
  const rows = await db
    .selectFrom("bench_judgements")
    .selectAll()
    .where("id", "like", `${idOrPrefix.replace(/[%_]/g, "")}%`)
    .limit(2)
    .execute();
  if (rows.length === 0)
    throw new UsageError("bench.judgement_not_found", `No judgement "${idOrPrefix}".`, {
      hint: "List them with `troupe bench judge <run> --list`.",
    });
  if (rows.length > 1)
    throw new UsageError("bench.judgement_ambiguous", `"${idOrPrefix}" matches several judgements.`, {
      hint: "Give more characters of the id.",
    });
  return toRecord(rows[0]!);
}

/** Every judged chunk of a judgement: `sessionKey → judge → chunks in order`. */
export async function loadJudgementChunks(
  store: Store,
  judgementId: string,
): Promise<Map<string, Map<string, ChunkJudgement[]>>> {
  const db = await judgeDb(store);
  const rows = await db
    .selectFrom("bench_judgement_chunks as l")
    .innerJoin("bench_judged_chunks as c", "c.cache_key", "l.cache_key")
    .select(["l.session_key", "l.judge", "l.chunk_index", "c.judgement_json"])
    .where("l.judgement_id", "=", judgementId)
    .orderBy("l.session_key")
    .orderBy("l.judge")
    .orderBy("l.chunk_index")
    .execute();
  const out = new Map<string, Map<string, ChunkJudgement[]>>();
  for (const row of rows) {
    const byJudge = out.get(row.session_key) ?? new Map<string, ChunkJudgement[]>();
    out.set(row.session_key, byJudge);
    const list = byJudge.get(row.judge) ?? [];
    byJudge.set(row.judge, list);
    list.push(parseChunk(row.judgement_json, row.session_key));
  }
  return out;
}

function parseChunk(json: string, sessionKey: string): ChunkJudgement {
  const parsed = ChunkJudgementSchema.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new TroupeError("bench.judged_chunk_invalid", `A stored judged chunk of ${sessionKey} is not readable.`, {
      hint: "It was written by an incompatible troupe version; re-judge with `troupe bench judge <run> --fresh`.",
    });
  return parsed.data;
}

/**
 * The store as a chunk cache. A chunk is committed (with its link to the judgement) as soon as it is judged, so a
 * judgement killed at any moment resumes from its last committed chunk. Failed chunks are stored for the record
 * but never served from the cache: resuming tries them again.
 */
export function storeChunkCache(store: Store, now: () => number = Date.now): ChunkJudgementCache {
  return {
    async get(key) {
      const db = await judgeDb(store);
      const row = await db
        .selectFrom("bench_judged_chunks")
        .select(["judgement_json", "session_key"])
        .where("cache_key", "=", key)
        .where("status", "=", "ok")
        .executeTakeFirst();
      return row ? parseChunk(row.judgement_json, row.session_key) : undefined;
    },
    async put(key, judgement, meta) {
      const db = await judgeDb(store);
      const json = JSON.stringify(judgement);
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto("bench_judged_chunks")
          .values({
            cache_key: key,
            judge: judgement.judge,
            session_key: meta.sessionKey,
            chunk_index: judgement.chunkIndex,
            status: judgement.status,
            judgement_json: json,
            created_at: now(),
          })
          .onConflict((oc) =>
            oc.column("cache_key").doUpdateSet({ status: judgement.status, judgement_json: json, created_at: now() }),
          )
          .execute();
        await linkChunk(tx, key, judgement, meta);
      });
    },
    async link(key, judgement, meta) {
      await linkChunk(await judgeDb(store), key, judgement, meta);
    },
  };
}

/** Record that a judgement uses the chunk stored under `key` (nothing without a judgement id). */
async function linkChunk(
  db: Kysely<JudgeTables>,
  key: string,
  judgement: ChunkJudgement,
  meta: { judgementId?: string | undefined; sessionKey: string },
): Promise<void> {
  if (!meta.judgementId) return;
  await db
    .insertInto("bench_judgement_chunks")
    .values({
      judgement_id: meta.judgementId,
      session_key: meta.sessionKey,
      judge: judgement.judge,
      chunk_index: judgement.chunkIndex,
      cache_key: key,
    })
    .onConflict((oc) =>
      oc.columns(["judgement_id", "session_key", "judge", "chunk_index"]).doUpdateSet({ cache_key: key }),
    )
    .execute();
}
