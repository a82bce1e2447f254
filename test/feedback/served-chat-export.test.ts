import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatTables } from "../../src/chat/index.ts";
import {
  buildRecords,
  chatStoreTextSource,
  combinedTextSource,
  enrichFromCandidates,
  fieldDashboard,
  fieldDashboardHtml,
  readEvents,
  readLoggedCandidates,
  readServedReplies,
  runPipeline,
  type ServedReply,
  storeTextSource,
  TrlDpoRowSchema,
  writeDataset,
} from "../../src/feedback/index.ts";
import { type ServeFixture, startServeFixture } from "../server/serve-test-server.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { waitUntil } from "../support/wait-until.ts";

interface Msg {
  id: string;
  role: string;
  text: string;
  parentId: string | null;
  candidateId: string | null;
}
interface Sent {
  message: Msg | null;
  replies: Array<{ message: Msg }>;
}

const factories = await storeFactories();

describe.each(factories)("served chats as a text source on %s", { timeout: 60_000 }, (_dialect, open) => {
  let f: ServeFixture;
  let db: TestStore;
  let calls = 0;
  const dirs: string[] = [];
  beforeAll(async () => {
    db = await open("feedback_served");
    f = await startServeFixture({ db, serve: { rateLimitPerMinute: 1000 } });
    f.fake.setReply(() => {
      calls++;
      return `Reply number ${calls}: the lantern swings in the wind over the harbour.`;
    });
  });
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await f?.close();
    await db?.cleanup();
  });

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${f.server.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${f.aliceKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  it("exports a selected swipe over the examined siblings only, with the chat path as the prompt", async () => {
    const character = await api<{ id: string }>("POST", "/characters", {
      name: "Mira",
      first_mes: "Hello, traveller.",
    });
    const { chat } = await api<{ chat: { id: string } }>("POST", "/chats", { characterId: character.id });
    const base = `/chats/${chat.id}/messages`;
    const sent = await api<Sent>("POST", `${base}?stream=false`, { text: "Where does this road go?" });
    const user = sent.message as Msg;
    const a = (sent.replies[0] as { message: Msg }).message;
    const b = ((await api<Sent>("POST", `${base}/${a.id}/regenerate?stream=false`)).replies[0] as { message: Msg })
      .message;
    const c = ((await api<Sent>("POST", `${base}/${a.id}/regenerate?stream=false`)).replies[0] as { message: Msg })
      .message;
    await api("POST", `${base}/${b.id}/select`);
    expect(new Set([a.text, b.text, c.text]).size).toBe(3);
    const [ca, cb, cc] = [a, b, c].map((m) => m.candidateId as string) as [string, string, string];

    // What the web app's capture sends: A and B read, C swiped away from at once (never exposed), B kept.
    const t0 = Date.now() - 60_000;
    const ctx = (m: Msg) => ({
      chat_id: chat.id,
      session_id: "s1",
      message_id: m.id,
      parent_message_id: user.id,
      ...(m.candidateId ? { candidate_id: m.candidateId } : {}),
    });
    const sentEvents = [
      { type: "session_start", created_at_client: t0, session_id: "s1", payload: { client: "web" } },
      {
        type: "exposure",
        created_at_client: t0 + 1000,
        ...ctx(a),
        payload: { visible_ms: 6000, max_visible_fraction: 1, words: 12 },
      },
      {
        type: "swipe",
        created_at_client: t0 + 8000,
        ...ctx(a),
        payload: { from_candidate_id: ca, from_position: 0, to_position: 1, generated: true },
      },
      {
        type: "exposure",
        created_at_client: t0 + 9000,
        ...ctx(b),
        payload: { visible_ms: 6000, max_visible_fraction: 1, words: 12 },
      },
      {
        type: "swipe",
        created_at_client: t0 + 16_000,
        ...ctx(b),
        payload: { from_candidate_id: cb, from_position: 1, to_position: 2, generated: true },
      },
      {
        type: "swipe",
        created_at_client: t0 + 17_000,
        ...ctx(b),
        payload: { from_candidate_id: cc, to_candidate_id: cb, from_position: 2, to_position: 1, generated: false },
      },
      {
        type: "reply",
        created_at_client: t0 + 30_000,
        ...ctx(b),
        payload: { chosen_candidate_id: cb, chars: 20, words: 4 },
      },
    ].map((e, i) => ({ event_id: `e2e-${chat.id}-${i}`, ...e }));
    const posted = await api<{ accepted: number; rejected: unknown[] }>("POST", "/events", {
      sent_at_client: Date.now(),
      events: sentEvents,
    });
    expect(posted).toMatchObject({ accepted: sentEvents.length, rejected: [] });
    await api("POST", `${base}?stream=false`, { text: "Then let us walk it." });

    // As `troupe learn` reads them: the candidate log adds the policy and the reply's whole sibling group.
    const events = enrichFromCandidates(
      await readEvents(f.db.store, { ownerId: f.aliceId, chatId: chat.id }),
      await readLoggedCandidates(f.db.store, f.aliceId),
    );
    const reply = events.find((e) => e.type === "reply");
    expect(reply).toMatchObject({ candidate_ids: [ca, cb, cc], positions: [0, 1, 2], order_propensity: 1 });
    expect(reply?.policy_id).toBeTruthy();
    const result = runPipeline(events);
    // C is in the group but was never seen: it is not a loser.
    const pairs = result.labels.filter((l) => l.source === "swipe");
    expect(pairs.map((l) => [l.chosen, l.rejected])).toEqual([[cb, ca]]);

    const texts = combinedTextSource([storeTextSource(f.db.store), chatStoreTextSource(f.db.store)]);
    const { records, skipped } = await buildRecords(result.labels, texts, { evalFraction: 0, seed: "s" });
    expect(skipped).toEqual({ missingText: 0, missingContext: 0 });
    const dir = mkdtempSync(join(tmpdir(), "troupe-served-"));
    dirs.push(dir);
    await writeDataset(
      dir,
      records,
      { sources: [], filters: [], labels: {}, weights: {}, seeds: {} },
      {
        createdAt: 0,
        formats: ["trl-dpo"],
      },
    );
    const rows = readFileSync(join(dir, "trl-dpo-train.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => TrlDpoRowSchema.parse(JSON.parse(l)));
    expect(rows).toEqual([
      {
        prompt: [
          { role: "assistant", content: "Hello, traveller." },
          { role: "user", content: "Where does this road go?" },
        ],
        chosen: [{ role: "assistant", content: b.text }],
        rejected: [{ role: "assistant", content: a.text }],
      },
    ]);
  });

  it("gives an edit pair the person's text over the original, and a later turn the path shown then", async () => {
    const character = await api<{ id: string }>("POST", "/characters", { name: "Oskar", first_mes: "Ahoy." });
    const { chat } = await api<{ chat: { id: string } }>("POST", "/chats", { characterId: character.id });
    const base = `/chats/${chat.id}/messages`;
    const first = await api<Sent>("POST", `${base}?stream=false`, { text: "Is the ship ready?" });
    const reply = (first.replies[0] as { message: Msg }).message;
    const edited = await api<Msg>("PATCH", `${base}/${reply.id}`, { text: "Aye, she sails at dawn with a full crew." });
    const second = await api<Sent>("POST", `${base}?stream=false`, { text: "Good." });
    const later = (second.replies[0] as { message: Msg }).message;

    const source = chatStoreTextSource(f.db.store);
    const all = await source.chat(f.aliceId, chat.id);
    const byId = new Map(all.map((t) => [t.id, t]));
    // The edit is shown from then on: the next user turn follows it, not the original.
    expect(byId.get((second.message as Msg).id)?.parentId).toBe(edited.id);
    expect(byId.get(later.candidateId as string)?.parentId).toBe((second.message as Msg).id);
    expect(byId.get(reply.candidateId as string)?.text).toBe(reply.text);

    // The web app's edit event names the edited version and the original's candidate.
    const t0 = Date.now() - 60_000;
    const ctx = { chat_id: chat.id, session_id: "s2", parent_message_id: (first.message as Msg).id };
    const events = [
      { type: "session_start", created_at_client: t0, session_id: "s2", payload: { client: "web" } },
      {
        type: "exposure",
        created_at_client: t0 + 1000,
        ...ctx,
        message_id: reply.id,
        candidate_id: reply.candidateId,
        payload: { visible_ms: 6000, max_visible_fraction: 1 },
      },
      {
        type: "edit",
        created_at_client: t0 + 20_000,
        ...ctx,
        message_id: edited.id,
        payload: {
          original_candidate_id: reply.candidateId,
          original_chars: reply.text.length,
          edited_chars: edited.text.length,
          edit_distance: 40,
        },
      },
    ].map((e, i) => ({ event_id: `edit-${chat.id}-${i}`, ...e }));
    expect(await api("POST", "/events", { sent_at_client: Date.now(), events })).toMatchObject({ rejected: [] });
    const result = runPipeline(await readEvents(f.db.store, { ownerId: f.aliceId }));
    const edits = result.labels.filter((l) => l.source === "edit" && l.chatId === chat.id);
    expect(edits).toHaveLength(1);
    const { records } = await buildRecords(edits, source, { evalFraction: 0, seed: "s" });
    expect(records[0]).toMatchObject({
      context: [
        { role: "assistant", content: "Ahoy." },
        { role: "user", content: "Is the ship ready?" },
      ],
      chosen: "Aye, she sails at dawn with a full crew.",
      rejected: reply.text,
    });
    // A candidate of another owner is not found.
    expect((await source.texts(f.bobId, [reply.candidateId as string])).size).toBe(0);
    expect((await source.texts(f.aliceId, [reply.candidateId as string])).get(reply.candidateId as string)?.text).toBe(
      reply.text,
    );
  });

  it("runs served replies through the bench's detectors into the field dashboard", async () => {
    const character = await api<{ id: string }>("POST", "/characters", { name: "Mira", first_mes: "Welcome in." });
    const { chat } = await api<{ chat: { id: string } }>("POST", "/chats", {
      characterId: character.id,
      persona: { name: "Ada", description: "A traveller." },
    });
    const base = `/chats/${chat.id}/messages`;
    const script = [
      'Mira sets down a mug. "The road north is closed, but the river is open." Do you have a boat?',
      "...",
      '*Ada nods and takes the key from Mira.* "Then we leave at dawn," Ada says.',
    ];
    f.fake.setReply((_request, i) => script[i % script.length] as string);
    f.fake.reset();
    for (const text of ["Any news?", "Well?", "And then?"]) await api("POST", `${base}?stream=false`, { text });
    // A stream cut by the upstream: the reply is kept as incomplete, a crash.
    f.fake.setReply(() => ({ fault: "truncated_stream", mode: "end" }));
    await (
      await fetch(`${f.server.url}/api${base}`, {
        method: "POST",
        headers: { authorization: `Bearer ${f.aliceKey}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "Hello?" }),
      })
    ).text();
    const mine = async () =>
      (await readServedReplies(f.db.store, { ownerId: f.aliceId })).filter((r) => r.chatId === chat.id);
    await waitUntil(async () => (await mine()).length === 4);
    const replies = await mine();
    expect(replies.map((r) => r.flaws)).toEqual([[], ["silence"], ["speaks_for_user"], ["crash"]]);
    const d = fieldDashboard([], { served: replies });
    expect(d.rows).toHaveLength(1);
    expect(d.rows[0]).toMatchObject({ policy: replies[0]?.policy, replies: 4 });
    expect(d.rows[0]?.crashRate?.estimate).toBeCloseTo(0.25);
    expect(await fieldDashboardHtml(d)).toContain("<h2>speaks for user %</h2>");

    // A reply whose writer died mid-stream (still streaming, lease run out) is a crash; one in flight is not counted.
    const [first, second] = replies as [ServedReply, ServedReply];
    const db = f.db.store.db as unknown as Kysely<ChatTables>;
    for (const [r, lease] of [
      [first, 1],
      [second, Date.now() + 3_600_000],
    ] as const) {
      await db.updateTable("chat_candidates").set({ status: "streaming" }).where("id", "=", r.candidateId).execute();
      await db
        .updateTable("chat_messages")
        .set({ status: "streaming", lease_until: lease })
        .where("candidate_id", "=", r.candidateId)
        .execute();
    }
    expect((await mine()).map((r) => [r.candidateId, r.flaws])).toEqual([
      [first.candidateId, ["crash"]],
      [replies[2]?.candidateId, ["speaks_for_user"]],
      [replies[3]?.candidateId, ["crash"]],
    ]);
  });
});
