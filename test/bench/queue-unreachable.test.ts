import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { checkRedis } from "../../src/bench/index.ts";
import { ExitCode } from "../../src/core/index.ts";

/** A port on 127.0.0.1 that was free a moment ago, so a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("an unreachable Redis queue", () => {
  it("is a storage failure (exit 5) with a hint, not an unexpected failure (exit 1)", async () => {
    const error = await checkRedis(`redis://127.0.0.1:${await closedPort()}`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bench.redis_unreachable", exitCode: ExitCode.storage });
    expect((error as { hint?: string }).hint).toMatch(/redis-server/);
  });
});
