import { Redis } from "ioredis";

/** The Redis server tests use; CI runs one at this address. */
export const TEST_REDIS_URL = process.env["TROUPE_TEST_REDIS"] ?? "redis://127.0.0.1:6379";

/** Whether the test Redis answers. With TROUPE_REQUIRE_REDIS=1 (set by .ci/run) its absence is a failure. */
export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    if (process.env["TROUPE_REQUIRE_REDIS"] === "1")
      throw new Error(`TROUPE_REQUIRE_REDIS=1 but Redis at ${TEST_REDIS_URL} is unreachable: ${error}`);
    return false;
  } finally {
    client.disconnect();
  }
}
