import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TrlDpoRowSchema } from "../../src/feedback/index.ts";
import { openStore } from "../../src/store/index.ts";
import { startServeFixture } from "../server/serve-test-server.ts";
import { troupe } from "../support/cli.ts";

interface Msg {
  id: string;
  text: string;
  candidateId: string | null;
}
interface Sent {
  message: Msg | null;
  replies: Array<{ message: Msg }>;
}

describe("troupe learn on a database troupe serve wrote", { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), "troupe-learn-served-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("exports served swipes with their texts and shows the served replies on the dashboard", async () => {
    // troupe serve on the store `troupe learn` opens by default in this folder (./.troupe).
    const store = await openStore({ home: join(cwd, ".troupe") });
    const f = await startServeFixture({
      db: { store, url: store.location, cleanup: () => store.close() },
      serve: { rateLimitPerMinute: 1000 },
    });
    let calls = 0;
    f.fake.setReply(() => `Reply ${++calls}: the lantern swings over the harbour while the tide comes in.`);
    let aliceId: string;
    let chosen: Msg;
    let other: Msg;
    try {
      aliceId = f.aliceId;
      const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
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
      };
      const character = await call<{ id: string }>("POST", "/characters", { name: "Mira", first_mes: "Hello there." });
      const { chat } = await call<{ chat: { id: string } }>("POST", "/chats", { characterId: character.id });
      const base = `/chats/${chat.id}/messages`;
      const sent = await call<Sent>("POST", `${base}?stream=false`, { text: "Which way to the coast?" });
      other = (sent.replies[0] as { message: Msg }).message;
      chosen = (
        (await call<Sent>("POST", `${base}/${other.id}/regenerate?stream=false`)).replies[0] as { message: Msg }
      ).message;
      const t0 = Date.now() - 60_000;
      const ctx = (m: Msg) => ({
        chat_id: chat.id,
        session_id: "s1",
        message_id: m.id,
        parent_message_id: (sent.message as Msg).id,
        candidate_id: m.candidateId,
      });
      const events = [
        { type: "session_start", created_at_client: t0, session_id: "s1", payload: {} },
        {
          type: "exposure",
          created_at_client: t0 + 1000,
          ...ctx(other),
          payload: { visible_ms: 8000, max_visible_fraction: 1 },
        },
        {
          type: "exposure",
          created_at_client: t0 + 12_000,
          ...ctx(chosen),
          payload: { visible_ms: 8000, max_visible_fraction: 1 },
        },
        {
          type: "reply",
          created_at_client: t0 + 30_000,
          ...ctx(chosen),
          payload: { chosen_candidate_id: chosen.candidateId },
        },
      ].map((e, i) => ({ event_id: `cli-${i}`, ...e }));
      await call("POST", "/events", { sent_at_client: Date.now(), events });
    } finally {
      await f.close();
      await store.close();
    }

    const out = join(cwd, "prefs");
    const exported = troupe(
      ["learn", "export", out, "--owner", aliceId, "--format", "trl-dpo", "--eval-fraction", "0"],
      {
        cwd,
      },
    );
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(join(out, "trl-dpo-train.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => TrlDpoRowSchema.parse(JSON.parse(l)));
    expect(rows).toEqual([
      {
        prompt: [
          { role: "assistant", content: "Hello there." },
          { role: "user", content: "Which way to the coast?" },
        ],
        chosen: [{ role: "assistant", content: chosen.text }],
        rejected: [{ role: "assistant", content: other.text }],
      },
    ]);

    const dashboard = troupe(["learn", "dashboard", "--json", "--owner", aliceId, "--html", join(cwd, "field.html")], {
      cwd,
    });
    expect(dashboard.code, dashboard.stderr).toBe(0);
    const d = JSON.parse(dashboard.stdout);
    expect(d.notCovered).toEqual([]);
    expect(d.rows).toHaveLength(1);
    // Two served replies, no flaws; the two replies people acted on got their policy from the candidate log.
    expect(d.rows[0]).toMatchObject({ replies: 2, turns: 2, crashRate: { estimate: 0 } });
    expect(readFileSync(join(cwd, "field.html"), "utf8")).toContain("<h2>crash %</h2>");
  });
});
