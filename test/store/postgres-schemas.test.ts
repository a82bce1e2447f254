import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Migration, migrate, openStore, StorageError, type Store } from "../../src/store/index.ts";
import { ensureWorldTables, listWorlds } from "../../src/world/index.ts";
import { freshPostgresSchema, postgresAvailable, TEST_PG_URL } from "../support/postgres.ts";

const migrations: Migration[] = [
  {
    name: "create_items",
    up: async (db) => {
      await db.schema
        .createTable("schema_items")
        .addColumn("id", "text", (c) => c.primaryKey())
        .execute();
    },
  },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store whose search_path is a schema of its own in the shared test database. */
async function storeInOwnSchema(label: string): Promise<{ store: Store; schema: string }> {
  const fresh = await freshPostgresSchema(label);
  cleanups.push(fresh.drop);
  const store = await openStore({ databaseUrl: fresh.url, poolSize: 2 });
  cleanups.push(() => store.close());
  const schema = new URL(fresh.url).searchParams.get("options")?.replace("-c search_path=", "") as string;
  return { store, schema };
}

async function tablesIn(store: Store, schema: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
    store.db,
  );
  return rows.map((r) => r.name);
}

describe.runIf(await postgresAvailable())(
  "PostgreSQL migrations in a schema chosen by search_path (issue 12.6)",
  () => {
    it("migrate a second schema of a database whose first schema already holds troupe's tables", async () => {
      const first = await storeInOwnSchema("schemas_first");
      await migrate(first.store, "schemas", migrations);
      await ensureWorldTables(first.store);
      const second = await storeInOwnSchema("schemas_second");
      await migrate(second.store, "schemas", migrations);
      await ensureWorldTables(second.store);
      // Each schema has its own history and tables; neither reached into the other.
      const own = await tablesIn(second.store, second.schema);
      expect(own).toContain("schema_items");
      expect(own).toContain("troupe_migrations_schemas");
      expect(own).toContain("troupe_migrations_world");
      expect(own).toContain("world_worlds");
      expect(await tablesIn(second.store, second.schema)).toEqual(await tablesIn(first.store, first.schema));
      expect(await listWorlds(second.store)).toEqual([]);
    });

    it("says so, with a hint, when the search_path names no existing schema", async () => {
      const url = new URL(TEST_PG_URL);
      url.searchParams.set("options", "-c search_path=troupe_no_such_schema");
      const store = await openStore({ databaseUrl: url.toString(), poolSize: 1 });
      cleanups.push(() => store.close());
      const failure = await migrate(store, "schemas", migrations).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StorageError);
      expect(failure).toMatchObject({ code: "store.no_schema", hint: expect.stringContaining("CREATE SCHEMA") });
    });
  },
);
