import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { MessageView } from "../../src/chat/index.ts";
import { silentLogger } from "../../src/core/index.ts";
import { MemoryStreamBus } from "../../src/server/state/memory-stream-bus.ts";
import { RedisStreamBus } from "../../src/server/state/redis-stream-bus.ts";
import type { StreamBus, StreamEvent } from "../../src/server/state/stream-bus.ts";
import { redisAvailable, TEST_REDIS_URL } from "../support/redis.ts";

const redis = (await redisAvailable()) ? new Redis(TEST_REDIS_URL) : undefined;
afterAll(() => redis?.disconnect());

const buses: Array<[string, () => StreamBus]> = [["memory", () => new MemoryStreamBus()]];
if (redis) buses.push(["redis", () => new RedisStreamBus(redis, silentLogger)]);

const done = (text: string) => ({ kind: "done", message: { id: "m", text } as MessageView }) as const;

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe.each(buses)("the %s stream bus", (_name, make) => {
  const id = () => `msg-${Math.random().toString(36).slice(2)}`;

  it("gives a late reader every piece so far, then the rest as it comes, and ends at done", async () => {
    const bus = make();
    const m = id();
    bus.append(m, { kind: "delta", text: "Hel" });
    bus.append(m, { kind: "delta", text: "lo" });
    const reading = collect(bus.read(m, { signal: new AbortController().signal, idleMs: 5_000 }));
    // Pieces appended after the reader started arrive in order after the backlog, whenever it attached.
    bus.append(m, { kind: "delta", text: ", you" });
    bus.append(m, done("Hello, you"));
    const events = await reading;
    expect(
      events
        .filter((e) => e.kind === "delta")
        .map((e) => (e as { text: string }).text)
        .join(""),
    ).toBe("Hello, you");
    expect(events.at(-1)?.kind).toBe("done");
    // A finished reply can still be read whole.
    expect((await collect(bus.read(m, { signal: new AbortController().signal }))).length).toBe(4);
    await bus.close();
  });

  it("yields nothing for a reply it never saw, and stops when the writer goes quiet", async () => {
    const bus = make();
    expect(await collect(bus.read(id(), { signal: new AbortController().signal }))).toEqual([]);
    const m = id();
    bus.append(m, { kind: "delta", text: "x" });
    const events = await collect(bus.read(m, { signal: new AbortController().signal, idleMs: 100 }));
    expect(events).toEqual([{ kind: "delta", text: "x" }]);
    await bus.close();
  });

  it("stops when the reader is aborted", async () => {
    const bus = make();
    const m = id();
    bus.append(m, { kind: "delta", text: "x" });
    const controller = new AbortController();
    const reading = collect(bus.read(m, { signal: controller.signal, idleMs: 60_000 }));
    controller.abort();
    expect(await reading).toEqual([{ kind: "delta", text: "x" }]);
    await bus.close();
  });
});
