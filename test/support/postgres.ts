import pg from "pg";

/** The PostgreSQL server tests use; CI runs one at this address. */
export const TEST_PG_URL = process.env["TROUPE_TEST_PG"] ?? "postgres://postgres@127.0.0.1:5432/test";

let available: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers. With TROUPE_REQUIRE_PG=1 (set by .ci/run) its absence is a failure. */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (error) {
      if (process.env["TROUPE_REQUIRE_PG"] === "1") {
        throw new Error(`TROUPE_REQUIRE_PG=1 but PostgreSQL at ${TEST_PG_URL} is unreachable: ${error}`);
      }
      return false;
    }
  })();
  return available;
}

/**
 * A private schema for one test file, so files running in parallel never see each other's tables.
 * Returns a connection URL whose search_path points at it, and a function that drops it.
 */
export async function freshPostgresSchema(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}
