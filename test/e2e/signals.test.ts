import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredFeedbackEvent } from "../../src/feedback/event-schema.ts";
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

interface Msg {
  id: string;
  role: string;
  text: string;
  candidateId: string | null;
}
interface View {
  chat: { id: string };
  messages: Msg[];
}

/** Text no event may ever carry: every reply holds it. */
const SECRET = "zebra-lantern";

/** Make the page hidden or visible, as a tab switch does (Page Visibility), from the page's own point of view. */
async function setVisibility(page: Page, visible: boolean): Promise<void> {
  await page.evaluate(`(() => {
    if (!window.__visibilityStub) {
      window.__visibilityStub = { state: "visible" };
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => window.__visibilityStub.state });
      Object.defineProperty(document, "hidden", { configurable: true, get: () => window.__visibilityStub.state === "hidden" });
    }
    window.__visibilityStub.state = ${JSON.stringify(visible ? "visible" : "hidden")};
    document.dispatchEvent(new Event("visibilitychange"));
  })()`);
}

describe.runIf(RUN_E2E)("signals from the web app", { timeout: 180_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  let calls = 0;
  let characterId: string;
  const events = (types?: StoredFeedbackEvent["type"][]) =>
    readEvents(fixture.db.store, { ownerId: fixture.aliceId, ...(types ? { types } : {}) });

  beforeAll(async () => {
    fixture = await startWebFixture();
    fixture.fake.setReply(() => {
      calls++;
      // Long enough that only a few replies fit on the screen at once.
      return `Reply ${calls} ${SECRET}. ${"She hums a tune by the fire while the night goes on. ".repeat(6)}`;
    });
    const character = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Mira",
      first_mes: "Hello, traveller.",
    });
    characterId = character.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it("in a long chat only the replies scrolled into view get exposures; a hidden tab sends the leave beacon and accrues no dwell", async () => {
    const { chat } = await api<View>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    for (let i = 0; i < 30; i++)
      await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, { text: `Turn ${i}` });
    const view = await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chat.id}`);
    const replies = view.messages.filter((m) => m.role === "assistant" && m.candidateId);
    expect(replies).toHaveLength(30);

    const { context, page, problems } = await openPage(browser);
    const beacons: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/api/events") && (request.headers()["content-type"] ?? "").startsWith("text/plain"))
        beacons.push(request.postData() ?? "");
    });
    await signInWithApi(context, fixture.url, { name: fixture.aliceName, password: "correct horse" });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    await page.locator("article.message").last().waitFor();

    const exposed = async () =>
      new Set(
        (await events(["exposure"]))
          .filter((e) => e.chat_id === chat.id && e.candidate_id) // the greeting has no candidate
          .map((e) => e.candidate_id as string),
      );
    const last = replies.at(-1)!;
    const first = replies[0]!;
    // The chat opens at the bottom: the last reply is seen.
    await waitUntil(async () => (await exposed()).has(last.candidateId!));
    // Jump to the top (no scrolling past the middle), and wait for the first reply's exposure.
    await page.evaluate(`document.querySelector(".messages").scrollTop = 0`);
    await waitUntil(async () => (await exposed()).has(first.candidateId!));

    // The tab goes to the background: the leave event leaves by sendBeacon (text/plain) and arrives.
    const hiddenAt = (await page.evaluate("performance.now()")) as number;
    await setVisibility(page, false);
    await waitUntil(async () => (await events(["leave"])).some((e) => e.chat_id === chat.id));
    expect(beacons.some((b) => b.includes('"type":"leave"'))).toBe(true);
    const leave = (await events(["leave"])).find((e) => e.chat_id === chat.id)!;
    expect(leave.payload).toMatchObject({ reason: "hidden" });
    expect(leave.message_id).toBe(last.id);

    // Back, then hidden again: the dwell of the stretch in view counts only the visible time.
    const shownAt = (await page.evaluate("performance.now()")) as number;
    expect(shownAt).toBeGreaterThan(hiddenAt);
    await setVisibility(page, true);
    await waitUntil(async () => ((await page.evaluate("performance.now()")) as number) > shownAt + 50);
    await setVisibility(page, false);
    await waitUntil(async () =>
      (await events(["dwell"])).some((e) => e.candidate_id === first.candidateId && (e.mono_ms ?? 0) > shownAt),
    );
    for (const dwell of (await events(["dwell"])).filter((e) => e.candidate_id === first.candidateId)) {
      const payload = dwell.payload as { visible_ms: number; wall_ms: number };
      expect(payload.visible_ms).toBeLessThanOrEqual(payload.wall_ms);
      // The stretch after the tab came back cannot hold the time it was hidden.
      if ((dwell.mono_ms ?? 0) > shownAt)
        expect(payload.visible_ms).toBeLessThanOrEqual((dwell.mono_ms ?? 0) - shownAt + 1);
    }

    // Only replies that were on screen have exposures: the top few and the bottom few, never the middle.
    const seen = await exposed();
    const index = new Map(replies.map((r, i) => [r.candidateId!, i]));
    const positions = [...seen].map((c) => index.get(c)!).sort((a, b) => a - b);
    expect(positions.length).toBeGreaterThanOrEqual(2);
    expect(positions.length).toBeLessThan(replies.length / 2);
    for (const p of positions) expect(p < 8 || p >= replies.length - 8).toBe(true);
    for (const e of await events(["exposure"])) {
      const payload = e.payload as { visible_ms: number; max_visible_fraction: number };
      expect(payload.visible_ms).toBeGreaterThanOrEqual(1000);
      expect(e.session_id).toBeTruthy();
    }

    // Navigating away ends the session: session_end arrives by beacon.
    await page.goto("about:blank");
    await waitUntil(async () => (await events(["session_end"])).length > 0);
    for (const e of await events()) expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(problems.console).toEqual([]);
    await context.close();
  });

  it("swipe, regenerate, edit, continue, rate, copy and reply are sent as typed events with candidate ids and no text", async () => {
    const { chat } = await api<View>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, { text: "Hi" });
    const { context, page, problems } = await openPage(browser);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signInWithApi(context, fixture.url, { name: fixture.aliceName, password: "correct horse" });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    const reply = page.locator("article.message-assistant").last();
    await reply.waitFor();
    const original = (await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chat.id}`)).messages.at(-1)!;

    await reply.getByRole("button", { name: "New reply" }).click(); // swipe past the end: a new candidate
    await waitUntil(async () => (await reply.locator(".swipe-count").textContent()) === "2/2");
    await reply.getByRole("button", { name: "Previous reply" }).click();
    await waitUntil(async () => (await reply.locator(".swipe-count").textContent()) === "1/2");
    await reply.getByRole("button", { name: "Regenerate" }).click();
    await waitUntil(async () => (await reply.locator(".swipe-count").textContent()) === "3/3");
    await reply.getByRole("button", { name: "Bad reply" }).click();
    await reply.getByRole("button", { name: "2 stars" }).click();
    await reply.getByRole("button", { name: "Copy" }).click();
    await reply.getByRole("button", { name: "Continue" }).click();
    await waitUntil(async () => !(await page.locator("article.message.is-streaming").count()));
    await page.getByRole("button", { name: "Send" }).waitFor();
    await reply.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Edit message").fill("Shorter now.");
    await page.getByRole("button", { name: "Save edit" }).click();
    await page.locator("article.message-assistant", { hasText: "Shorter now." }).waitFor();
    await page.getByLabel(/Message as/).fill("Thanks");
    await page.getByLabel(/Message as/).press("Enter");
    await page.locator("article.message-user", { hasText: "Thanks" }).waitFor();

    const wanted = ["swipe", "regenerate", "rate", "copy", "continue", "edit", "reply", "session_start"] as const;
    await waitUntil(async () => {
      const types = new Set(
        (await events()).filter((e) => e.chat_id === chat.id || e.type === "session_start").map((e) => e.type),
      );
      return wanted.every((t) => types.has(t));
    });
    const mine = (await events()).filter((e) => e.chat_id === chat.id);
    const swipes = mine.filter((e) => e.type === "swipe");
    expect(swipes.map((e) => (e.payload as { direction: string }).direction)).toEqual(["right", "left"]);
    expect(swipes[0]?.payload).toMatchObject({
      generated: true,
      from_candidate_id: original.candidateId,
      to_position: 1,
    });
    expect(swipes[1]?.payload).toMatchObject({ generated: false, from_position: 1, to_position: 0 });
    expect(swipes[1]?.payload).toHaveProperty("to_candidate_id", original.candidateId);
    const regenerate = mine.find((e) => e.type === "regenerate")!;
    expect(regenerate.payload).toMatchObject({ replaced_candidate_id: original.candidateId, during_stream: false });
    const rates = mine.filter((e) => e.type === "rate").map((e) => e.payload);
    expect(rates).toEqual(
      expect.arrayContaining([
        { scale: "thumbs", value: -1 },
        { scale: "stars5", value: 2 },
      ]),
    );
    const edit = mine.find((e) => e.type === "edit")!;
    expect((edit.payload as { edited_chars: number }).edited_chars).toBe("Shorter now.".length);
    expect((edit.payload as { edit_distance: number }).edit_distance).toBeGreaterThan(0);
    expect((mine.find((e) => e.type === "continue")!.payload as { added_chars: number }).added_chars).toBeGreaterThan(
      0,
    );
    const replyEvent = mine.find((e) => e.type === "reply")!;
    expect((replyEvent.payload as { chars: number }).chars).toBe("Thanks".length);
    expect((replyEvent.payload as { chosen_candidate_id?: string }).chosen_candidate_id).toBe(replyEvent.candidate_id);
    // The edited reply was never shown as a fresh reply, so no reading time; after the next reply streams in and
    // is read, the message written to it carries the time to its first keystroke and to its send.
    expect(replyEvent.payload).not.toHaveProperty("latency_ms");
    await waitUntil(async () => !(await page.locator("article.message.is-streaming").count()));
    await page.getByRole("button", { name: "Send" }).waitFor();
    await page.getByLabel(/Message as/).fill("And then?");
    await page.getByLabel(/Message as/).press("Enter");
    await waitUntil(
      async () => (await events()).filter((e) => e.chat_id === chat.id && e.type === "reply").length === 2,
    );
    const timing = (await events()).filter((e) => e.chat_id === chat.id && e.type === "reply")[1]?.payload as {
      first_key_ms?: number;
      latency_ms?: number;
    };
    expect(timing.first_key_ms).toBeGreaterThanOrEqual(0);
    expect(timing.first_key_ms).toBeLessThanOrEqual(timing.latency_ms as number);
    for (const e of await events()) expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(problems.console).toEqual([]);
    await context.close();
  });

  it("a reply taller than the screen, never half visible, is exposed by the large-reply rule", async () => {
    const { chat } = await api<View>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    fixture.fake.setReply(
      () => `A very long reply ${SECRET}.\n\n${"A line of the long story, one after another.\n\n".repeat(150)}`,
    );
    try {
      await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, {
        text: "Tell me everything",
      });
    } finally {
      fixture.fake.setReply(() => {
        calls++;
        return `Reply ${calls} ${SECRET}. ${"She hums a tune by the fire while the night goes on. ".repeat(6)}`;
      });
    }
    const long = (await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chat.id}`)).messages.at(-1)!;
    const { context, page } = await openPage(browser, { viewport: { width: 1000, height: 700 } });
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    const article = page.locator(`article[data-message-id="${long.id}"]`);
    await article.waitFor();
    // Several screens tall: at most a third of it is ever on screen.
    const ratio = (await page.evaluate(
      `document.querySelector(".messages").clientHeight / document.querySelector('article[data-message-id="${long.id}"]').getBoundingClientRect().height`,
    )) as number;
    expect(ratio).toBeLessThan(1 / 3);
    await waitUntil(async () => (await events(["exposure"])).some((e) => e.candidate_id === long.candidateId));
    const exposure = (await events(["exposure"])).find((e) => e.candidate_id === long.candidateId)!;
    expect((exposure.payload as { max_visible_fraction: number }).max_visible_fraction).toBeLessThan(0.5);
    await context.close();
  });

  it("on a clock moved by hand: 0.9 s in view is no exposure, 1 s is; a minute without input stops the dwell", async () => {
    const { chat } = await api<View>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, { text: "One reply" });
    const reply = (await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chat.id}`)).messages.at(-1)!;
    const { context, page } = await openPage(browser);
    // The capture's monotonic clock stands still unless the test moves it (wall time stays real).
    await context.addInitScript(`(() => {
      window.__mono = 0;
      window.__troupeClock = { now: () => Date.now(), mono: () => window.__mono };
    })()`);
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    await page.locator(`article[data-message-id="${reply.id}"]`).waitFor();
    // Let the IntersectionObserver deliver its first entries (they come with rendering).
    await page.evaluate(
      "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))",
    );
    const advance = (ms: number) => page.evaluate(`window.__mono += ${ms}`);
    const mine = async (type: "exposure" | "dwell") =>
      (await events([type])).filter((e) => e.candidate_id === reply.candidateId);

    await advance(900);
    await setVisibility(page, false); // ends the stretch: its dwell leaves by beacon
    await waitUntil(async () => (await mine("dwell")).length === 1);
    expect((await mine("dwell"))[0]?.payload).toMatchObject({ visible_ms: 900, wall_ms: 900 });
    expect(await mine("exposure")).toEqual([]);

    await setVisibility(page, true);
    await advance(1000);
    await waitUntil(async () => (await mine("exposure")).length === 1);
    expect((await mine("exposure"))[0]?.payload).toMatchObject({ visible_ms: 1000 });

    // Input, then 61 s without any: only the first 60 s count.
    await page.keyboard.press("Shift");
    await advance(61_000);
    await setVisibility(page, false);
    await waitUntil(async () => (await mine("dwell")).length === 2);
    const idle = (await mine("dwell")).find((e) => (e.payload as { wall_ms: number }).wall_ms > 60_000)!;
    expect(idle.payload).toMatchObject({ visible_ms: 60_000 + 1000, wall_ms: 62_000 });
    await context.close();
  });
});
