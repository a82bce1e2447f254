import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BackgroundUnavailableError, SqliteBackground } from "../../src/store/sqlite-background.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openDb(): { db: Database.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "troupe-wal-"));
  dirs.push(dir);
  const path = join(dir, "t.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("create table t (id integer primary key, body text not null)");
  return { db, path };
}

const walSize = (path: string) => statSync(`${path}-wal`).size;

/**
 * Writes `mb` megabytes in 256 KB transactions. After each the checkpointer looks at the WAL, and the next write
 * waits until any checkpoint it started has ended: ordered by the worker's reply, so the outcome is the same on a
 * slow machine as on a fast one (a fixed sleep let a busy worker fall behind and the WAL grow).
 */
async function write(db: Database.Database, checkpointer: SqliteBackground | undefined, mb: number): Promise<void> {
  const insert = db.prepare("insert into t (body) values (?)");
  const row = "x".repeat(1024);
  for (let i = 0; i < mb * 4; i++) {
    db.transaction(() => {
      for (let j = 0; j < 256; j++) insert.run(row);
    })();
    checkpointer?.poll();
    await checkpointer?.idle();
  }
}

describe("SqliteBackground", () => {
  it("takes checkpoints off the main connection and still keeps the WAL bounded", async () => {
    const { db, path } = openDb();
    const checkpointer = new SqliteBackground(db, path);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    await write(db, checkpointer, 24);
    // Without checkpoints the WAL would hold all 24 MB; checkpointed in the background it restarts from the top, so
    // it never passes the threshold (4 MB) by more than one transaction.
    expect(walSize(path)).toBeLessThan(4 * 1024 * 1024 + 2 * 256 * 1024 * 1.1);
    expect(checkpointer.fellBack).toBe(false);
    await checkpointer.close();
    expect(db.prepare("select count(*) from t").pluck().get()).toBe(24 * 4 * 256);
    db.close();
  });

  it("the comparison: with automatic checkpoints off and no checkpointer the WAL holds everything", async () => {
    const { db, path } = openDb();
    db.pragma("wal_autocheckpoint = 0");
    await write(db, undefined, 8);
    expect(walSize(path)).toBeGreaterThan(8 * 1024 * 1024);
    db.close();
  });

  it("gives checkpoints back to SQLite when its worker cannot run", async () => {
    const { db, path } = openDb();
    const checkpointer = new SqliteBackground(db, path, 5_000, join(path, "no-such-driver.js"));
    await write(db, checkpointer, 5);
    // The checkpoint the threshold started found no worker: idle() returned only once the checkpointer fell back.
    expect(checkpointer.fellBack).toBe(true);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    await checkpointer.close();
    db.close();
  });
});

describe("SqliteBackground writes", () => {
  it("runs a statement on its own connection and resolves with the rows changed once committed", async () => {
    const { db, path } = openDb();
    const background = new SqliteBackground(db, path);
    const changes = await background.run("insert into t (body) values (?), (?), (?)", ["a", "b", "c"]);
    expect(changes).toBe(3);
    // Committed: the main connection sees the rows as soon as the promise resolves.
    expect(db.prepare("select group_concat(body, '') from t").pluck().get()).toBe("abc");
    // The worker reuses its prepared statement: the same SQL again.
    expect(await background.run("insert into t (body) values (?), (?), (?)", ["d", "e", "f"])).toBe(3);
    await background.close();
    db.close();
  });

  it("rejects with the SQLite error itself for a bad statement, and keeps working", async () => {
    const { db, path } = openDb();
    const background = new SqliteBackground(db, path);
    await expect(
      background.run("insert into t (id, body) values (?, ?), (?, ?)", [1, "x", 1, "y"]),
    ).rejects.toMatchObject({
      code: "SQLITE_CONSTRAINT_PRIMARYKEY",
    });
    expect(db.prepare("select count(*) from t").pluck().get()).toBe(0); // the statement was all or nothing
    expect(await background.run("insert into t (body) values (?)", ["ok"])).toBe(1);
    expect(background.fellBack).toBe(false);
    await background.close();
    db.close();
  });

  it("rejects with BackgroundUnavailableError when its worker cannot run", async () => {
    const { db, path } = openDb();
    const background = new SqliteBackground(db, path, 5_000, join(path, "no-such-driver.js"));
    await expect(background.run("insert into t (body) values (?)", ["x"])).rejects.toBeInstanceOf(
      BackgroundUnavailableError,
    );
    expect(background.fellBack).toBe(true);
    await expect(background.run("insert into t (body) values (?)", ["x"])).rejects.toBeInstanceOf(
      BackgroundUnavailableError,
    );
    await background.close();
    db.close();
  });
});

describe("SqliteBackground in a process with nothing else to do", () => {
  it("lets closing the store finish instead of the process exiting with the close still pending", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-wal-exit-"));
    dirs.push(dir);
    const store = new URL("../../src/store/index.ts", import.meta.url).href;
    // A script file, not \`-e\`: an unsettled top-level await only ends the process with code 13 in a module file.
    const script = join(dir, "close.mjs");
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(store)};
      const store = await openStore({ home: ${JSON.stringify(dir)} });
      await store.db.schema.createTable("t").addColumn("body", "text").execute();
      for (let i = 0; i < 40; i++) await store.db.insertInto("t").values({ body: "x".repeat(200_000) }).execute();
      // A write on the worker: it is certainly running (and idle, unreferenced) when the store closes.
      await store.background.run("insert into t (body) values (?)", ["y"]);
      await store.close();
      console.log("closed");`,
    );
    const out = execFileSync(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      encoding: "utf8",
    });
    expect(out.trim()).toBe("closed");
  });
});
