import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/index.ts";
import { freshPostgresSchema, postgresAvailable } from "./postgres.ts";

/** A store under test plus its teardown. */
export interface TestStore {
  store: Store;
  /** What to pass as databaseUrl to open a second connection to the same database. */
  url: string;
  cleanup: () => Promise<void>;
}

/** Open a throwaway SQLite store in a temp folder. */
export async function openTestSqlite(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-test-"));
  const store = await openStore({ home: dir });
  return {
    store,
    url: store.location,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open a throwaway PostgreSQL store in its own schema. */
export async function openTestPostgres(label: string): Promise<TestStore> {
  const schema = await freshPostgresSchema(label);
  const store = await openStore({ databaseUrl: schema.url, poolSize: 4 });
  return {
    store,
    url: schema.url,
    cleanup: async () => {
      await store.close();
      await schema.drop();
    },
  };
}

/**
 * The dialects a storage contract test should run on: SQLite always, PostgreSQL when reachable
 * (and always in CI, where TROUPE_REQUIRE_PG=1 turns its absence into a failure).
 */
export async function storeFactories(): Promise<Array<[string, (label: string) => Promise<TestStore>]>> {
  const factories: Array<[string, (label: string) => Promise<TestStore>]> = [["sqlite", () => openTestSqlite()]];
  if (await postgresAvailable()) factories.push(["postgres", (label) => openTestPostgres(label)]);
  return factories;
}
