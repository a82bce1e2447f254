import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEvents } from "../../src/feedback/index.ts";
import { waitUntil } from "../support/wait-until.ts";
import {
  api,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithApi,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

interface Batch {
  events: Array<{ event_id: string; type: string }>;
}

describe.runIf(RUN_E2E)("delivery of the feedback events", { timeout: 180_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  let chatId: string;
  beforeAll(async () => {
    fixture = await startWebFixture();
    fixture.fake.setReply(() => "A reply.");
    const { id } = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Oda",
      first_mes: "Hi.",
    });
    ({
      chat: { id: chatId },
    } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", { characterId: id }));
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chatId}/messages?stream=false`, { text: "Hello" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });
  const stored = async () => readEvents(fixture.db.store, { ownerId: fixture.aliceId });

  it("a batch the server fails is retried with the same event ids, and stored once", async () => {
    const { context, page } = await openPage(browser);
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    const attempts: Batch[] = [];
    let failures = 2;
    await page.route("**/api/events", async (route) => {
      attempts.push(JSON.parse(route.request().postData() ?? "{}") as Batch);
      if (failures-- > 0) return route.fulfill({ status: 503, body: '{"error":{"code":"busy","message":"busy"}}' });
      return route.continue();
    });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}`);
    const first = (await waitForValue(() => attempts[0])) as Batch;
    const start = first.events.find((e) => e.type === "session_start");
    expect(start).toBeDefined();
    await waitUntil(async () => (await stored()).some((e) => e.event_id === start?.event_id));
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // Every retry carried the same session_start, by id; the store holds it once.
    for (const attempt of attempts.slice(0, 3))
      expect(attempt.events.map((e) => e.event_id)).toContain(start?.event_id);
    expect((await stored()).filter((e) => e.event_id === start?.event_id)).toHaveLength(1);
    await context.close();
  });

  it("events made while offline wait in localStorage and are sent, with their ids, by the next page once online", async () => {
    const { context, page } = await openPage(browser);
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}`);
    const reply = page.locator("article.message-assistant").last();
    await reply.waitFor();
    await context.setOffline(true);
    await reply
      .getByRole("button", { name: "Good reply" })
      .click()
      .catch(() => {});
    // Copy needs no network: its event is made at once and has to wait.
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await reply.getByRole("button", { name: "Copy" }).click();
    const key = `troupe.events.v1.${fixture.aliceId}`;
    const waiting = (await waitForValue(async () => {
      const saved = (await page.evaluate(`localStorage.getItem(${JSON.stringify(key)})`)) as string | null;
      const events = saved ? (JSON.parse(saved) as Batch["events"]) : [];
      return events.some((e) => e.type === "copy") ? events : undefined;
    })) as Batch["events"];
    const copyId = waiting.find((e) => e.type === "copy")?.event_id;
    expect((await stored()).some((e) => e.event_id === copyId)).toBe(false);
    // The tab is closed while offline; a later visit (online again) sends what waited.
    await page.close();
    await context.setOffline(false);
    const next = await context.newPage();
    await next.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}`);
    await waitUntil(async () => (await stored()).some((e) => e.event_id === copyId));
    await context.close();
  });
});

/** Poll until a value is there (the test's timeout bounds the wait). */
async function waitForValue<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}
