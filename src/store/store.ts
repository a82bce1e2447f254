import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, sql } from "kysely";
import { ExitCode, redactUrl, TroupeError } from "../core/index.ts";
import { type BackgroundWriter, SqliteBackground } from "./sqlite-background.ts";
import { ImmediateSqliteDialect } from "./sqlite-dialect.ts";

/** A failure to open, migrate or use the database. */
export class StorageError extends TroupeError {
  constructor(code: string, message: string, options: ConstructorParameters<typeof TroupeError>[2] = {}) {
    super(code, message, { exitCode: ExitCode.storage, ...options });
  }
}

export type Dialect = "sqlite" | "postgres";

/**
 * An open database. Domains share one connection and own their tables; they reach the tables through `db`,
 * typed per domain with their own table interfaces (`store.db as Kysely<WorldTables>`).
 */
export interface Store {
  // biome-ignore lint/suspicious/noExplicitAny: each domain narrows this to its own tables.
  readonly db: Kysely<any>;
  readonly dialect: Dialect;
  /** Where the data lives, with any password removed: safe to print. */
  readonly location: string;
  /**
   * A second connection on another thread, for hot batched writes that should not stall the event loop (SQLite
   * files only; see sqlite-background.ts). Its `run` rejects with BackgroundUnavailableError when the caller must
   * write on `db` instead.
   */
  readonly background?: BackgroundWriter;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… selects PostgreSQL; a file path or `:memory:` selects SQLite. */
  databaseUrl?: string | undefined;
  /** State folder holding `troupe.db` when no URL is given. */
  home?: string;
  /** How long a writer waits for a lock before failing, in ms (SQLite busy timeout, PostgreSQL lock timeout). */
  busyTimeoutMs?: number;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** Open SQLite (default, `<home>/troupe.db`) or PostgreSQL (when the URL says postgres). Fails fast and clearly. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, options);
  if (url && /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith("file:")) {
    throw new StorageError(
      "store.unsupported_url",
      `DATABASE_URL ${redactUrl(url)} is neither PostgreSQL nor SQLite.`,
      {
        hint: "Use postgres://user@host:5432/db, a SQLite file path, or unset DATABASE_URL for the default SQLite file.",
      },
    );
  }
  const path = url ? url.replace(/^file:(\/\/)?/, "") : join(options.home ?? ".troupe", "troupe.db");
  return openSqlite(path, options.busyTimeoutMs ?? 5_000);
}

function openSqlite(path: string, busyTimeoutMs: number): Store {
  let database: Database.Database;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    database = new Database(path, { timeout: busyTimeoutMs });
    // WAL lets readers run beside the one writer and keeps a commit durable once it returns.
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
  } catch (error) {
    throw new StorageError(
      "store.sqlite_open",
      `Cannot open the SQLite database at ${path}: ${(error as Error).message}`,
      {
        hint: "Check that the folder is writable (set TROUPE_HOME to move it) and that the file is a troupe database.",
        cause: error,
      },
    );
  }
  const db = new Kysely<unknown>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }) });
  const background = path === ":memory:" ? undefined : new SqliteBackground(database, path, busyTimeoutMs);
  return {
    db,
    dialect: "sqlite",
    location: path,
    ...(background ? { background } : {}),
    close: async () => {
      await background?.close();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares a new SQLite statement for every query; compiling the same SQL again costs more than running it
 * for the small hot queries troupe repeats thousands of times (turn inserts, cache lookups). Prepared statements are
 * kept per SQL text (bounded, least recently used dropped) and reused; a statement still busy iterating is never
 * shared. SQLite re-prepares a cached statement by itself if the schema changes underneath it.
 */
function withStatementCache(database: Database.Database, limit = 256) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > limit) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

/** The PostgreSQL driver, imported on first use: SQLite users never pay for loading it. */
async function loadPg() {
  const pg = (await import("pg")).default;
  // PostgreSQL returns int8 (COUNT, BIGINT) as strings to be safe beyond 2^53; our counters and millisecond
  // timestamps stay far below that, and numbers keep the two dialects returning the same shapes.
  pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));
  pg.types.setTypeParser(1700, (value) => Number.parseFloat(value));
  return pg;
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const pg = await loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server must not crash the process; the next query reports the error.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new StorageError(
      "store.postgres_connect",
      `Cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`,
      {
        hint: "Check that the server is running and the URL (host, port, database, user) is right, or unset DATABASE_URL to use SQLite.",
        cause: error,
      },
    );
  }
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  if (options.busyTimeoutMs)
    await sql`select set_config('lock_timeout', ${`${options.busyTimeoutMs}ms`}, false)`.execute(db);
  return { db, dialect: "postgres", location: redactUrl(url), close: () => db.destroy() };
}
