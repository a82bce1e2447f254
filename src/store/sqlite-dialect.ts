import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * Kysely's SQLite driver, except that a transaction begins IMMEDIATE. A deferred transaction that reads and then
 * writes holds a read snapshot; if another connection commits in between, its first write fails at once with
 * SQLITE_BUSY_SNAPSHOT, which no busy timeout can wait out. Taking the write lock at BEGIN makes a concurrent
 * writer wait in the busy handler instead. troupe's transactions all write, so nothing is lost by it.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** The SQLite dialect troupe opens its stores with: Kysely's, with transactions that begin IMMEDIATE. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
