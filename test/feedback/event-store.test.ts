import { afterEach, describe, expect, it } from "vitest";
import { countEvents, ingestEvents, iterateEvents, readEvents } from "../../src/feedback/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const factories = await storeFactories();
const T0 = 1_700_000_000_000;

function event(id: string, at: number, extra: Record<string, unknown> = {}) {
  return {
    event_id: id,
    type: "exposure",
    created_at_client: at,
    chat_id: "chat-1",
    candidate_id: `cand-${id}`,
    payload: { visible_ms: 1500, max_visible_fraction: 1 },
    ...extra,
  };
}

describe.each(factories)("feedback event store on %s", (_dialect, open) => {
  let current: TestStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it("stores a batch once however often it is sent, and rejects bad events by index", async () => {
    current = await open("feedback_ingest");
    const { store } = current;
    const batch = [event("a", T0), { junk: true }, event("b", T0 + 10), event("a", T0), event("c", T0 + 20)];
    const first = await ingestEvents(store, "owner-1", batch, { now: T0 + 1000, sentAtClient: T0 + 900 });
    expect(first.accepted).toBe(3);
    expect(first.duplicates).toBe(1);
    expect(first.rejected).toEqual([{ index: 1, message: expect.stringContaining("type") }]);
    const again = await ingestEvents(store, "owner-1", batch, { now: T0 + 5000, sentAtClient: T0 + 4900 });
    expect(again).toMatchObject({ accepted: 0, duplicates: 4 });
    expect(await countEvents(store, { ownerId: "owner-1" })).toEqual({ exposure: 3 });
    // The same client id from another owner is a different event.
    const other = await ingestEvents(store, "owner-2", [event("a", T0)], { now: T0 + 1000 });
    expect(other.accepted).toBe(1);
  });

  it("derives server-clock times, sets received_at and the owner as user unless trusted", async () => {
    current = await open("feedback_time");
    const { store } = current;
    const skew = 3_600_000;
    await ingestEvents(store, "owner-1", [event("x", T0 + skew, { user: "someone-else" })], {
      now: T0 + 300,
      sentAtClient: T0 + skew + 100,
    });
    await ingestEvents(store, "owner-1", [event("y", T0, { user: "imported-user", source: "import:jsonl" })], {
      now: T0 + 99 * 86_400_000,
      trustUser: true,
    });
    const [y, x] = await readEvents(store, { ownerId: "owner-1" });
    expect(x).toMatchObject({ event_id: "x", ts: T0 + 200, received_at: T0 + 300, user_id: "owner-1", time_flags: [] });
    expect(x?.skew_ms).toBe(300 - skew - 100);
    expect(y).toMatchObject({ event_id: "y", ts: T0, user_id: "imported-user", source: "import:jsonl" });
    expect(y?.time_flags).toEqual(["ts_uncorrected", "ts_old"]);
    expect(y?.payload).toEqual({ visible_ms: 1500, max_visible_fraction: 1 });
  });

  it("reads by filters in time order and pages through large logs", async () => {
    current = await open("feedback_read");
    const { store } = current;
    const events = Array.from({ length: 1203 }, (_, i) =>
      event(`e${String(i).padStart(5, "0")}`, T0 + (i % 400), i % 3 === 0 ? { chat_id: "chat-2" } : {}),
    );
    const result = await ingestEvents(store, "o", events, { now: T0 + 10_000 });
    expect(result.accepted).toBe(1203);
    const chat2 = await readEvents(store, { chatId: "chat-2" });
    expect(chat2).toHaveLength(401);
    const window = await readEvents(store, { from: T0 + 100, to: T0 + 200 });
    expect(window.every((e) => e.ts >= T0 + 100 && e.ts < T0 + 200)).toBe(true);
    expect(window).toHaveLength(300);
    const paged: string[] = [];
    for await (const e of iterateEvents(store, {}, 100)) paged.push(e.event_id);
    const all = (await readEvents(store)).map((e) => e.event_id);
    expect(paged).toEqual(all);
    expect(new Set(paged).size).toBe(1203);
    expect(await readEvents(store, { types: ["rate"] })).toEqual([]);
  });
});
