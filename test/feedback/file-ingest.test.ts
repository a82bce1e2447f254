import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  detectFormat,
  ingestFile,
  parseSillyTavernChat,
  parseStDate,
  readChatTexts,
  readEvents,
} from "../../src/feedback/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const fixtures = join(import.meta.dirname, "../fixtures/feedback");
const NOW = Date.UTC(2026, 0, 1);

describe("SillyTavern dates", () => {
  it("reads the four formats and ISO, flagging zone-less ones", () => {
    expect(parseStDate("2024-7-12@01h31m37s")).toEqual({ ms: Date.UTC(2024, 6, 12, 1, 31, 37), uncertain: false });
    expect(parseStDate("2024-6-5 @14h 56m 50s 682ms")).toEqual({
      ms: Date.UTC(2024, 5, 5, 14, 56, 50, 682),
      uncertain: false,
    });
    expect(parseStDate("June 19, 2023 2:20pm")).toEqual({ ms: Date.UTC(2023, 5, 19, 14, 20), uncertain: true });
    expect(parseStDate("December 1, 2023 12:05am")?.ms).toBe(Date.UTC(2023, 11, 1, 0, 5));
    expect(parseStDate(1720747960000)).toEqual({ ms: 1720747960000, uncertain: false });
    expect(parseStDate("1720747960000")?.ms).toBe(1720747960000);
    expect(parseStDate("2024-07-12T01:32:01.000Z")?.ms).toBe(Date.UTC(2024, 6, 12, 1, 32, 1));
    expect(parseStDate("2024-07-12T01:32:01")).toEqual({ ms: Date.UTC(2024, 6, 12, 1, 32, 1), uncertain: true });
    expect(parseStDate("yesterday")).toBeUndefined();
    expect(parseStDate(null)).toBeUndefined();
  });
});

describe("SillyTavern chat import", () => {
  it("turns swipes into a candidate group, exposures from swipe timing and the kept swipe", async () => {
    const { readFile } = await import("node:fs/promises");
    const parsed = parseSillyTavernChat(await readFile(join(fixtures, "st-chat.jsonl"), "utf8"));
    expect(parsed.issues.map((i) => i.line)).toEqual([5, 9]);
    expect(parsed.notes.join(" ")).toContain("tainted");
    const types = parsed.events.map((e) => e.type);
    // Greeting alternates are authored: no events for line 2.
    expect(types.sort()).toEqual(["exposure", "exposure", "exposure", "reply", "swipe", "swipe"]);
    const reply = parsed.events.find((e) => e.type === "reply") as Record<string, unknown>;
    const ids = reply.candidate_ids as string[];
    expect(ids).toHaveLength(3);
    expect((reply.payload as Record<string, unknown>).chosen_candidate_id).toBe(ids[2]);
    expect(reply.confidence).toBe(0.3);
    expect(reply.created_at_client).toBe(Date.UTC(2024, 6, 12, 1, 33, 30));
    const exposures = parsed.events.filter((e) => e.type === "exposure");
    expect(exposures.map((e) => (e.payload as { visible_ms: number }).visible_ms)).toEqual([10_000, 15_000, 42_000]);
    const byId = new Map(parsed.texts.map((t) => [t.id, t]));
    expect(byId.get(ids[2] as string)?.text).toBe("The lighthouse at the end of the world.");
    expect(byId.get(ids[0] as string)).toMatchObject({ text: "A tavern.", position: 0, model: "gpt-4o" });
    // The hidden (is_system) line is left out of the context chain.
    expect(parsed.texts.some((t) => t.text === "(hidden note)")).toBe(false);
  });

  it("reads group chat files of the old kind, which have no header line", () => {
    const lines = [
      { name: "Alex", is_user: true, send_date: "2024-7-12@01h00m00s", mes: "Hello both." },
      {
        name: "Mira",
        is_user: false,
        send_date: "2024-7-12@01h00m20s",
        mes: "Welcome.",
        swipe_id: 0,
        swipes: ["Welcome.", "Go away."],
        swipe_info: [
          { gen_started: "2024-07-12T01:00:05Z", gen_finished: "2024-07-12T01:00:08Z" },
          { gen_started: "2024-07-12T01:00:15Z", gen_finished: "2024-07-12T01:00:18Z" },
        ],
      },
      { name: "Alex", is_user: true, send_date: "2024-7-12@01h01m00s", mes: "Thanks." },
    ];
    const parsed = parseSillyTavernChat(lines.map((l) => JSON.stringify(l)).join("\n"));
    expect(parsed.issues).toEqual([]);
    const reply = parsed.events.find((e) => e.type === "reply") as Record<string, unknown>;
    expect((reply.payload as Record<string, unknown>).chosen_candidate_id).toMatch(/\.s0$/);
    // The first swipe was on screen from 01:00:08 until the second began at 01:00:15.
    const first = parsed.events.find((e) => e.type === "exposure" && String(e.candidate_id).endsWith(".s0"));
    expect(first?.payload).toMatchObject({ visible_ms: 7000 });
  });

  it("detects formats", () => {
    expect(detectFormat("x.parquet", "")).toBe("parquet");
    expect(detectFormat("x.jsonl", '{"user_name":"a","character_name":"b"}')).toBe("sillytavern");
    expect(detectFormat("x.jsonl", '{"event_id":"a"}')).toBe("jsonl");
  });
});

const factories = await storeFactories();

describe.each(factories)("file ingest on %s", (_dialect, open) => {
  let current: TestStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it("ingests a SillyTavern file once however often it is given", async () => {
    current = await open("feedback_st");
    const { store } = current;
    const file = join(fixtures, "st-chat.jsonl");
    const first = await ingestFile(store, "local", file, { now: NOW });
    expect(first).toMatchObject({ format: "sillytavern", events: 6, accepted: 6, duplicates: 0, texts: 11 });
    expect(first.issues.map((i) => i.line)).toEqual([5, 9]);
    const second = await ingestFile(store, "local", file, { now: NOW + 1000 });
    expect(second).toMatchObject({ accepted: 0, duplicates: 6, texts: 0 });
    const events = await readEvents(store, { ownerId: "local" });
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.source === "import:sillytavern" && e.user_id.startsWith("st-user-"))).toBe(true);
    // Two-year-old history is not a clock fault.
    expect(events.some((e) => e.time_flags.includes("ts_old"))).toBe(false);
    const chatId = events[0]?.chat_id as string;
    expect((await readChatTexts(store, "local", chatId)).length).toBe(11);
  });

  it("maps another app's JSONL log and reports bad lines by number", async () => {
    current = await open("feedback_log");
    const { store } = current;
    const mapping = {
      fields: {
        event_id: "id",
        type: "event",
        created_at_client: "ts",
        chat_id: "conv",
        message_id: "msg",
        user: "uid",
      },
      types: { thumbs_up: "rate" as const, view: "exposure" as const },
      time: "s" as const,
      payload_fields: { visible_ms: "seen_ms", max_visible_fraction: "frac" },
      payload_defaults: { rate: { scale: "thumbs", value: 1 } },
    };
    const file = join(fixtures, "app-log.jsonl");
    const report = await ingestFile(store, "local", file, { now: NOW, mapping });
    expect(report).toMatchObject({ format: "jsonl", events: 4, accepted: 3 });
    expect(report.issues).toEqual([
      { line: 4, message: expect.stringContaining("rejected") },
      { line: 5, message: "not a JSON object" },
    ]);
    const again = await ingestFile(store, "local", file, { now: NOW, mapping });
    expect(again).toMatchObject({ accepted: 0, duplicates: 3 });
    const events = await readEvents(store);
    expect(events[0]).toMatchObject({
      type: "rate",
      ts: 1720747960000,
      user_id: "u-1",
      payload: { scale: "thumbs", value: 1 },
    });
    expect(events[1]).toMatchObject({ type: "exposure", payload: { visible_ms: 2500, max_visible_fraction: 0.9 } });
    expect(events[2]?.event_id).toMatch(/^log-[0-9a-f]{40}$/);
  });

  it("maps Parquet rows through the same mapping, once", async () => {
    current = await open("feedback_parquet");
    const { store } = current;
    // A Parquet file of another shape (the bench's seeds), mapped to session_start events.
    const file = join(import.meta.dirname, "../bench/fixtures/seeds.parquet");
    const mapping = {
      fields: { event_id: "id", chat_id: "id", user: "user_name" },
      defaults: { type: "session_start", created_at_client: 1_720_000_000_000 },
      payload_fields: { client: "ai_name" },
    };
    const report = await ingestFile(store, "local", file, { now: NOW, mapping });
    expect(report).toMatchObject({ format: "parquet", events: 5, accepted: 5, issues: [] });
    expect((await ingestFile(store, "local", file, { now: NOW, mapping })).duplicates).toBe(5);
    const [first] = await readEvents(store, { chatId: "en_pq_001" });
    expect(first).toMatchObject({ type: "session_start", user_id: "Sam", payload: { client: "Ada" } });
  });
});
