import { type Kysely, type Migration as KyselyMigration, Migrator, sql } from "kysely";
import { StorageError, type Store } from "./store.ts";

/** One forward-only schema change. `name` is unique within its domain and never renamed once released. */
export interface Migration {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before any typed table exists.
  up(db: Kysely<any>, dialect: Store["dialect"]): Promise<void>;
}

const applied = new WeakMap<Store, Set<string>>();

/**
 * Bring a domain's tables up to date. Each domain keeps its own migration history table
 * (`troupe_migrations_<domain>`), so domains evolve independently and a tool that uses only one domain never
 * fails on another's history. Kysely's migrator takes a lock, so concurrent workers migrate safely.
 * Memoised per store: calling it at every entry point costs nothing after the first time.
 */
export async function migrate(store: Store, domain: string, migrations: readonly Migration[]): Promise<void> {
  if (!/^[a-z][a-z0-9_]*$/.test(domain)) throw new Error(`invalid migration domain "${domain}"`);
  const done = applied.get(store) ?? new Set<string>();
  applied.set(store, done);
  if (done.has(domain)) return;
  const byName: Record<string, KyselyMigration> = {};
  migrations.forEach((m, index) => {
    // Zero-padded index keeps Kysely's alphabetical order equal to the declared order.
    byName[`${String(index).padStart(4, "0")}_${m.name}`] = { up: (db) => m.up(db, store.dialect) };
  });
  const migrator = new Migrator({
    db: store.db,
    // Kysely looks for its history table in every schema unless given one: a database whose other schema already
    // holds troupe's tables would be taken as migrated. Tables go where unqualified names go (search_path).
    ...(store.dialect === "postgres" ? { migrationTableSchema: await currentSchema(store) } : {}),
    provider: { getMigrations: async () => byName },
    migrationTableName: `troupe_migrations_${domain}`,
    migrationLockTableName: `troupe_migrations_${domain}_lock`,
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's migration lock is a no-op on SQLite (it assumes one connection), so two processes can race. The
  // loser's transaction fails and rolls back whole; trying again then sees the winner's history and does nothing.
  for (let attempt = 1; error && store.dialect === "sqlite" && attempt <= 5; attempt++) {
    await new Promise((r) => setTimeout(r, 20 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new StorageError(
      "store.migration_failed",
      `Migrating the ${domain} tables failed${failed ? ` at ${failed}` : ""}: ${(error as Error).message ?? String(error)}`,
      {
        hint: "The database may be from a newer troupe or damaged; back it up, then check `troupe config show` points at the right one.",
        cause: error,
      },
    );
  }
  done.add(domain);
}

/** The PostgreSQL schema that unqualified table names resolve to (the first existing one on the search_path). */
async function currentSchema(store: Store): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(store.db);
  const schema = rows[0]?.schema;
  if (!schema)
    throw new StorageError("store.no_schema", `PostgreSQL at ${store.location} has no schema to create tables in.`, {
      hint: "The search_path names no existing schema: create it (CREATE SCHEMA name) or fix `options=-c search_path=…` in DATABASE_URL.",
    });
  return schema;
}
