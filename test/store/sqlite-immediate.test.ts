import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.ts";

// Another process with its own connection to the same file. Its busy timeout is 0, so a write that meets our write
// lock answers SQLITE_BUSY at once instead of waiting: the test orders the two writers by messages, never a clock.
const OTHER_PROCESS = `
const Database = require(process.env.DRIVER);
const db = new Database(process.env.DB, { timeout: 0 });
process.on("message", (statement) => {
  try {
    process.send({ changes: db.prepare(statement).run().changes });
  } catch (error) {
    process.send({ code: error.code });
  }
});
process.on("disconnect", () => db.close());
`;

type Reply = { changes?: number; code?: string };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ store: Store; other: (statement: string) => Promise<Reply> }> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-immediate-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openStore({ home: dir });
  cleanups.push(() => store.close());
  await sql`create table t (id integer primary key, body text not null)`.execute(store.db);
  const script = join(dir, "other.cjs");
  writeFileSync(script, OTHER_PROCESS);
  const child: ChildProcess = fork(script, {
    env: { ...process.env, DB: store.location, DRIVER: createRequire(import.meta.url).resolve("better-sqlite3") },
  });
  cleanups.push(() => {
    child.disconnect();
  });
  const other = (statement: string) =>
    new Promise<Reply>((resolve) => {
      child.once("message", (reply) => resolve(reply as Reply));
      child.send(statement);
    });
  return { store, other };
}

describe("SQLite write transactions (issue 12.5)", () => {
  it("take the write lock at BEGIN: another process writing between our read and our write waits, we commit", async () => {
    const { store, other } = await setup();
    expect(await other("insert into t (body) values ('before')")).toEqual({ changes: 1 });
    let between: Reply | undefined;
    await store.db.transaction().execute(async (trx) => {
      // A world commit reads the head, then writes the node: the read-then-write shape that failed.
      const before = await sql<{ n: number }>`select count(*) as n from t`.execute(trx);
      expect(before.rows[0]?.n).toBe(1);
      between = await other("insert into t (body) values ('other')");
      await sql`insert into t (body) values ('ours')`.execute(trx);
    });
    // Deferred, the other process would have committed and our insert failed with SQLITE_BUSY_SNAPSHOT at once.
    expect(between).toEqual({ code: "SQLITE_BUSY" });
    expect(await other("insert into t (body) values ('after')")).toEqual({ changes: 1 });
    const rows = await sql<{ body: string }>`select body from t order by id`.execute(store.db);
    expect(rows.rows.map((r) => r.body)).toEqual(["before", "ours", "after"]);
  });

  it("a transaction that fails still rolls back and releases the lock", async () => {
    const { store, other } = await setup();
    await expect(
      store.db.transaction().execute(async (trx) => {
        await sql`insert into t (body) values ('ours')`.execute(trx);
        throw new Error("abandoned");
      }),
    ).rejects.toThrow("abandoned");
    expect(await other("insert into t (body) values ('other')")).toEqual({ changes: 1 });
    const rows = await sql<{ body: string }>`select body from t`.execute(store.db);
    expect(rows.rows.map((r) => r.body)).toEqual(["other"]);
  });
});
