import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { sha256 } from "../../core/index.ts";
import { migrate, type Store } from "../../store/index.ts";
import type { Actor } from "../actor.ts";
import { HttpError } from "../http-error.ts";
import { apiKeyHint, hashApiKey, isWellFormedApiKey, mintApiKey } from "./api-key-format.ts";
import { IDENTITY_MIGRATIONS } from "./identity-migrations.ts";
import { hashPassword, verifyPassword } from "./password.ts";

interface IdentityTables {
  users: {
    id: string;
    name: string;
    role: string;
    password_hash: string | null;
    created_at: number;
    disabled_at: number | null;
  };
  api_keys: {
    id: string;
    user_id: string;
    key_hash: string;
    hint: string;
    label: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  sessions: { id_hash: string; user_id: string; created_at: number; last_seen_at: number; expires_at: number };
  server_secrets: { name: string; value: string };
}

/** A user as the API shows it. */
export interface UserInfo {
  id: string;
  name: string;
  role: "admin" | "user";
  createdAt: number;
  hasPassword: boolean;
}

/** An API key as listed: never the key itself, which is shown once at creation. */
export interface ApiKeyInfo {
  id: string;
  label: string;
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** How long browser sessions live: idle and absolute limits. */
export const SESSION_IDLE_MS = 7 * 24 * 3600_000;
export const SESSION_MAX_MS = 30 * 24 * 3600_000;
/** last_used_at / last_seen_at are written at most this often, so authentication stays a read on the hot path. */
const TOUCH_EVERY_MS = 60_000;

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const userInfo = (row: IdentityTables["users"]): UserInfo => ({
  id: row.id,
  name: row.name,
  role: row.role === "admin" ? "admin" : "user",
  createdAt: row.created_at,
  hasPassword: row.password_hash !== null,
});

/**
 * Users, API keys and sessions. Secrets are stored only as hashes (keys and session ids by SHA-256, being random
 * and long; passwords by scrypt). Every method that touches a user's keys takes the owner, so one user can never
 * list or revoke another's.
 */
export class IdentityStore {
  private readonly db: Kysely<IdentityTables>;
  private csrfSecret: Buffer | undefined;

  private constructor(
    readonly store: Store,
    private readonly now: () => number,
  ) {
    this.db = store.db as Kysely<IdentityTables>;
  }

  /** Open the identity tables (migrating them on first use). */
  static async open(store: Store, now: () => number = Date.now): Promise<IdentityStore> {
    await migrate(store, "identity", IDENTITY_MIGRATIONS);
    return new IdentityStore(store, now);
  }

  /** Create a user; the name is unique. */
  async createUser(input: { name: string; role?: "admin" | "user"; password?: string }): Promise<UserInfo> {
    if (!USER_NAME.test(input.name))
      throw new HttpError(
        400,
        "user.bad_name",
        "A user name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
      );
    if (input.password !== undefined && input.password.length < 8)
      throw new HttpError(400, "user.weak_password", "A password needs at least 8 characters.");
    const existing = await this.db.selectFrom("users").select("id").where("name", "=", input.name).executeTakeFirst();
    if (existing) throw new HttpError(409, "user.exists", `A user named "${input.name}" already exists.`);
    const row = {
      id: `u_${randomUUID().replace(/-/g, "")}`,
      name: input.name,
      role: input.role ?? "user",
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
      created_at: this.now(),
      disabled_at: null,
    };
    await this.db.insertInto("users").values(row).execute();
    return userInfo(row);
  }

  /** Every user (admins only reach this). */
  async listUsers(): Promise<UserInfo[]> {
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("disabled_at", "is", null)
      .orderBy("name")
      .execute();
    return rows.map(userInfo);
  }

  /** A user by name, or undefined. */
  async findUser(name: string): Promise<UserInfo | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? userInfo(row) : undefined;
  }

  /** A user by id, or undefined. */
  async getUser(id: string): Promise<UserInfo | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row && row.disabled_at === null ? userInfo(row) : undefined;
  }

  /** Set or replace a user's password. */
  async setPassword(userId: string, password: string): Promise<void> {
    if (password.length < 8) throw new HttpError(400, "user.weak_password", "A password needs at least 8 characters.");
    await this.db
      .updateTable("users")
      .set({ password_hash: await hashPassword(password) })
      .where("id", "=", userId)
      .execute();
  }

  /** Check a name and password; undefined when either is wrong (the caller must not say which). */
  async checkPassword(name: string, password: string): Promise<UserInfo | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    if (!row || row.disabled_at !== null || row.password_hash === null) {
      // Spend the same time as a real check so response times do not reveal which names exist.
      await hashPassword(password);
      return undefined;
    }
    return (await verifyPassword(password, row.password_hash)) ? userInfo(row) : undefined;
  }

  /** Mint an API key for a user; the key is returned once and only its hash is kept. */
  async createKey(userId: string, label = "default"): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = mintApiKey();
    const row = {
      id: `k_${randomBytes(6).toString("hex")}`,
      user_id: userId,
      key_hash: hashApiKey(key),
      hint: apiKeyHint(key),
      label: label.slice(0, 100),
      created_at: this.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto("api_keys").values(row).execute();
    return { key, info: keyInfo(row) };
  }

  /** A user's keys, newest first. */
  async listKeys(userId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(keyInfo);
  }

  /** Revoke one of the owner's keys at once; false when the owner has no such key. */
  async revokeKey(userId: string, keyId: string): Promise<boolean> {
    const result = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: this.now() })
      .where("id", "=", keyId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The actor a bearer key stands for, or undefined for an unknown, malformed or revoked key. */
  async actorForKey(key: string): Promise<Actor | undefined> {
    if (!isWellFormedApiKey(key)) return undefined;
    const row = await this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select(["api_keys.id as key_id", "api_keys.revoked_at", "api_keys.last_used_at", "users.id", "users.role"])
      .where("api_keys.key_hash", "=", hashApiKey(key))
      .where("users.disabled_at", "is", null)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    const now = this.now();
    if (row.last_used_at === null || now - row.last_used_at > TOUCH_EVERY_MS)
      await this.db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", row.key_id).execute();
    return { userId: row.id, role: row.role === "admin" ? "admin" : "user", via: "key", keyId: row.key_id };
  }

  /** Start a browser session: a 256-bit random id for the cookie; the table keeps only its hash. */
  async createSession(userId: string): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const now = this.now();
    await this.db
      .insertInto("sessions")
      .values({
        id_hash: sha256(id),
        user_id: userId,
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_MAX_MS,
      })
      .execute();
    return id;
  }

  /** The actor of a live session cookie, or undefined when it is unknown, idle too long or past its lifetime. */
  async actorForSession(sessionId: string): Promise<Actor | undefined> {
    const row = await this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["sessions.last_seen_at", "sessions.expires_at", "users.id", "users.role"])
      .where("sessions.id_hash", "=", sha256(sessionId))
      .where("users.disabled_at", "is", null)
      .executeTakeFirst();
    const now = this.now();
    if (!row || now > row.expires_at || now - row.last_seen_at > SESSION_IDLE_MS) return undefined;
    if (now - row.last_seen_at > TOUCH_EVERY_MS)
      await this.db
        .updateTable("sessions")
        .set({ last_seen_at: now })
        .where("id_hash", "=", sha256(sessionId))
        .execute();
    return { userId: row.id, role: row.role === "admin" ? "admin" : "user", via: "session" };
  }

  /** End a session (logout). */
  async deleteSession(sessionId: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id_hash", "=", sha256(sessionId)).execute();
  }

  /** The CSRF token bound to a session: an HMAC of the session id under a secret every server process shares. */
  async csrfToken(sessionId: string): Promise<string> {
    return createHmac("sha256", await this.secret())
      .update(sessionId)
      .digest("base64url");
  }

  private async secret(): Promise<Buffer> {
    if (this.csrfSecret) return this.csrfSecret;
    const candidate = randomBytes(32).toString("base64");
    // The first process to start writes the secret; the others read the same row.
    await this.db
      .insertInto("server_secrets")
      .values({ name: "csrf", value: candidate })
      .onConflict((c) => c.column("name").doNothing())
      .execute();
    const row = await this.db
      .selectFrom("server_secrets")
      .select("value")
      .where("name", "=", "csrf")
      .executeTakeFirstOrThrow();
    this.csrfSecret = Buffer.from(row.value, "base64");
    return this.csrfSecret;
  }
}

function keyInfo(row: IdentityTables["api_keys"]): ApiKeyInfo {
  return {
    id: row.id,
    label: row.label,
    hint: row.hint,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
