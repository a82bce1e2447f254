import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  axe,
  describeViolations,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithApi,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

describe.runIf(RUN_E2E)("accessibility of the main screens (axe-core)", { timeout: 180_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  let chatId: string;
  let characterId: string;
  beforeAll(async () => {
    fixture = await startWebFixture();
    fixture.fake.setReply(() => "*She nods.* A reply with **bold** text and a [link](https://example.org).");
    const character = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Iris",
      first_mes: "Welcome.",
      creator_notes: "Notes *here*.",
      tags: ["fantasy"],
    });
    characterId = character.id;
    const view = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    chatId = view.chat.id;
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chatId}/messages?stream=false`, { text: "Hi" });
    await api(
      fixture,
      fixture.aliceKey,
      "POST",
      `/chats/${chatId}/messages/${await lastMessageId()}/regenerate?stream=false`,
      {},
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });
  const lastMessageId = async () =>
    (await api<{ messages: Array<{ id: string }> }>(fixture, fixture.aliceKey, "GET", `/chats/${chatId}`)).messages.at(
      -1,
    )?.id ?? "";

  for (const scheme of ["light", "dark"] as const) {
    it(`sign-in, gallery, editor, chat and its settings have no critical or serious violations (${scheme})`, async () => {
      const { context, page } = await openPage(browser, { colorScheme: scheme });
      const found: Record<string, string[]> = {};
      await page.goto(fixture.url);
      await page.getByRole("heading", { name: "Sign in to troupe" }).waitFor();
      found["sign-in"] = describeViolations(await axe(page));
      await page.getByLabel("Name").fill(fixture.aliceName);
      await page.getByLabel("Password").fill("correct horse");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator(".character-card").waitFor();
      found["gallery"] = describeViolations(await axe(page));
      await page.goto(`${fixture.url}/characters/${encodeURIComponent(characterId)}`);
      await page.locator(".card-form").waitFor();
      found["editor"] = describeViolations(await axe(page));
      await page.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}?panel=settings`);
      await page.locator("article.message-assistant .swipe-count", { hasText: "2/2" }).waitFor();
      found["chat"] = describeViolations(await axe(page));
      const blocking = Object.fromEntries(
        Object.entries(found).map(([screen, list]) => [screen, list.filter((v) => /^(critical|serious) /.test(v))]),
      );
      expect(blocking).toEqual({ "sign-in": [], gallery: [], editor: [], chat: [] });
      await context.close();
    });
  }

  it("the chat on a phone-sized screen has no critical or serious violations", async () => {
    const { context, page } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}`);
    await page.locator("article.message-assistant .swipe-count", { hasText: "2/2" }).waitFor();
    expect(describeViolations(await axe(page)).filter((v) => /^(critical|serious) /.test(v))).toEqual([]);
    await context.close();
  });
});
