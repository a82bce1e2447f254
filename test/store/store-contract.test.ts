import { afterEach, describe, expect, it } from "vitest";
import { type Migration, migrate, openStore, StorageError } from "../../src/store/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const migrations: Migration[] = [
  {
    name: "create_items",
    up: async (db) => {
      await db.schema
        .createTable("contract_items")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("n", "bigint", (c) => c.notNull())
        .addColumn("score", "double precision")
        .addColumn("body", "text")
        .execute();
    },
  },
  {
    name: "add_tag",
    up: async (db) => {
      await db.schema.alterTable("contract_items").addColumn("tag", "text").execute();
    },
  },
];

const factories = await storeFactories();

describe.each(factories)("store contract on %s", (dialect, open) => {
  let current: TestStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it("runs migrations forward once, in order, and is idempotent", async () => {
    current = await open("contract_migrate");
    const { store } = current;
    expect(store.dialect).toBe(dialect);
    await migrate(store, "contract", migrations);
    await migrate(store, "contract", migrations);
    await store.db.insertInto("contract_items").values({ id: "a", n: 1, tag: "x" }).execute();
    const rows = await store.db.selectFrom("troupe_migrations_contract").select("name").orderBy("name").execute();
    expect(rows.map((r) => r.name)).toEqual(["0000_create_items", "0001_add_tag"]);
  });

  it("returns the same JS types on both dialects (bigint as number, JSON as text)", async () => {
    current = await open("contract_types");
    const { store } = current;
    await migrate(store, "contract", migrations);
    const body = JSON.stringify({ zh: "你好", emoji: "🎭", nested: [1, 2] });
    await store.db
      .insertInto("contract_items")
      .values({ id: "k", n: 2 ** 40, score: 0.25, body })
      .execute();
    const row = await store.db.selectFrom("contract_items").selectAll().where("id", "=", "k").executeTakeFirstOrThrow();
    expect(row.n).toBe(2 ** 40);
    expect(row.score).toBe(0.25);
    expect(JSON.parse(row.body)).toEqual({ zh: "你好", emoji: "🎭", nested: [1, 2] });
    const count = await store.db
      .selectFrom("contract_items")
      .select((eb) => eb.fn.countAll().as("c"))
      .executeTakeFirstOrThrow();
    expect(Number(count.c)).toBe(1);
  });

  it("commits a transaction together or not at all", async () => {
    current = await open("contract_tx");
    const { store } = current;
    await migrate(store, "contract", migrations);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto("contract_items").values({ id: "t1", n: 1 }).execute();
        await trx.insertInto("contract_items").values({ id: "t1", n: 2 }).execute(); // duplicate key
      }),
    ).rejects.toThrow();
    const rows = await store.db.selectFrom("contract_items").selectAll().execute();
    expect(rows).toEqual([]);
  });

  it("supports idempotent upserts with ON CONFLICT", async () => {
    current = await open("contract_upsert");
    const { store } = current;
    await migrate(store, "contract", migrations);
    for (const n of [1, 2, 3]) {
      await store.db
        .insertInto("contract_items")
        .values({ id: "u", n })
        .onConflict((oc) => oc.column("id").doUpdateSet({ n }))
        .execute();
      await store.db
        .insertInto("contract_items")
        .values({ id: "v", n })
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
    }
    const rows = await store.db.selectFrom("contract_items").select(["id", "n"]).orderBy("id").execute();
    expect(rows).toEqual([
      { id: "u", n: 3 },
      { id: "v", n: 1 },
    ]);
  });

  it("migrates safely when several callers race", async () => {
    current = await open("contract_race");
    const { store } = current;
    // Short busy timeout: both connections live in this one process, and SQLite waits synchronously.
    const second = await openStore({ databaseUrl: current.url, busyTimeoutMs: 50 });
    await Promise.all([migrate(store, "contract", migrations), migrate(second, "contract", migrations)]);
    await second.close();
    const rows = await store.db.selectFrom("troupe_migrations_contract").select("name").execute();
    expect(rows).toHaveLength(2);
  });
});

describe("store errors", () => {
  it("explains a PostgreSQL URL that cannot connect, without leaking its password", async () => {
    const error = await openStore({ databaseUrl: "postgres://bob:hunter2@127.0.0.1:1/nowhere" }).catch((e) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("store.postgres_connect");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("127.0.0.1:1");
    expect(error.hint).toMatch(/unset DATABASE_URL/);
  });

  it("rejects URLs of databases troupe does not speak", async () => {
    await expect(openStore({ databaseUrl: "mysql://root@localhost/db" })).rejects.toMatchObject({
      code: "store.unsupported_url",
    });
  });

  it("explains a SQLite path that cannot be created", async () => {
    await expect(openStore({ databaseUrl: "/etc/hostname/sub/troupe.db" })).rejects.toMatchObject({
      code: "store.sqlite_open",
    });
  });
});
