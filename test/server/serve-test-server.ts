import { loadConfig, silentLogger, type TroupeConfig } from "../../src/core/index.ts";
import { type ChatModel, resolveModel } from "../../src/llm/index.ts";
import { chatExtension } from "../../src/server/chat-extension.ts";
import { type RunningServer, type StartServerOptions, startServer } from "../../src/server/start-server.ts";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";

/** A real troupe server on a temp SQLite store, answering with the fake LLM server; plus an admin and a user. */
export interface ServeFixture {
  server: RunningServer;
  fake: FakeLlmServer;
  db: TestStore;
  config: TroupeConfig;
  /** The fake upstream served as this model name. */
  model: string;
  adminKey: string;
  aliceKey: string;
  bobKey: string;
  /** User ids, for reading the store directly. */
  aliceId: string;
  bobId: string;
  close(): Promise<void>;
}

/** Start the fixture; `overrides` adjust the start options (config, store, rate limits). */
export async function startServeFixture(
  overrides: Partial<StartServerOptions> & {
    db?: TestStore;
    fake?: FakeLlmServer;
    /** Serve settings, or a function of the fake upstream's model spec (for policies that name it). */
    serve?: TroupeConfig["serve"] | ((model: string) => TroupeConfig["serve"]);
  } = {},
): Promise<ServeFixture> {
  const fake = overrides.fake ?? (await startFakeLlmServer());
  const db = overrides.db ?? (await openTestSqlite());
  const base = loadConfig({ env: {}, cwd: "/nonexistent" });
  const model = `${fake.openaiBaseUrl}#fake`;
  const serve = typeof overrides.serve === "function" ? overrides.serve(model) : overrides.serve;
  const config: TroupeConfig = { ...base, serve: { ...base.serve, ...serve } };
  const resolve = (spec: string): Promise<ChatModel> => resolveModel(spec, { config, cache: false });
  const server = await startServer({
    config,
    logger: silentLogger,
    store: db.store,
    port: 0,
    models: [model],
    resolve,
    extend: chatExtension,
    ...overrides,
    ...(overrides.resolve ? {} : { resolve }),
  });
  const admin = await server.identity.createUser({
    name: `admin${Math.random().toString(36).slice(2, 8)}`,
    role: "admin",
  });
  const alice = await server.identity.createUser({
    name: `alice${Math.random().toString(36).slice(2, 8)}`,
    password: "correct horse",
  });
  const bob = await server.identity.createUser({ name: `bob${Math.random().toString(36).slice(2, 8)}` });
  const adminKey = (await server.identity.createKey(admin.id)).key;
  const aliceKey = (await server.identity.createKey(alice.id)).key;
  const bobKey = (await server.identity.createKey(bob.id)).key;
  return {
    server,
    fake,
    db,
    config,
    model,
    adminKey,
    aliceKey,
    bobKey,
    aliceId: alice.id,
    bobId: bob.id,
    close: async () => {
      await server.close();
      if (!overrides.db) await db.cleanup();
      if (!overrides.fake) await fake.close();
    },
  };
}
