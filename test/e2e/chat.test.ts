import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/wait-until.ts";
import {
  api,
  CARDS,
  cspViolations,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithApi,
  signInWithForm,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

interface Msg {
  id: string;
  role: string;
  text: string;
  siblingIndex: number;
  siblingCount: number;
  editOf: string | null;
  rating: { thumbs: number | null; stars: number | null } | null;
}
interface View {
  chat: { id: string; title: string; branchedFrom: { chatId: string; messageId: string } | null };
  messages: Msg[];
}

/** Drop files on an element the way a person drags them from their desktop. */
async function dropFiles(page: Page, selector: string, files: Array<{ path: string; type: string }>): Promise<void> {
  const payload = files.map((f) => ({
    name: f.path.split("/").pop(),
    type: f.type,
    data: readFileSync(f.path).toString("base64"),
  }));
  const transfer = await page.evaluateHandle(
    `(() => {
      const dt = new DataTransfer();
      for (const f of ${JSON.stringify(payload)}) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return dt;
    })()`,
  );
  await page.dispatchEvent(selector, "dragover", { dataTransfer: transfer });
  await page.dispatchEvent(selector, "drop", { dataTransfer: transfer });
}

const lastReply = (page: Page) => page.locator("article.message-assistant").last();

describe.runIf(RUN_E2E)("chatting in the web app", { timeout: 180_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  let calls = 0;
  beforeAll(async () => {
    fixture = await startWebFixture();
    // Every reply is different and carries Markdown; small chunks make a stream of many deltas.
    fixture.fake.setReply(() => {
      calls++;
      return { text: `Reply number ${calls}: *she smiles* and says **hello** again.`, chunkChars: 6 };
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it("imports cards by picker and by drag-and-drop, then chats: stream, swipe and choose, edit, rate, continue, branch", async () => {
    const { context, page, problems } = await openPage(browser);
    await signInWithForm(page, fixture.url, fixture.aliceName, "correct horse");

    // Import: the file picker (a real PNG card) and a drop of another PNG on the gallery.
    await page.setInputFiles("#card-file", join(CARDS, "default_Seraphina.png"));
    await page.getByRole("heading", { name: "Seraphina", exact: true }).waitFor();
    await dropFiles(page, "main.gallery", [{ path: join(CARDS, "default_FluxTheCat.png"), type: "image/png" }]);
    await page.getByRole("heading", { name: /Flux/ }).waitFor();
    // Both avatars load from the server (lazily: wait for them, never a fixed time).
    await waitUntil(async () => {
      const loaded = (await page.evaluate(
        `Array.from(document.querySelectorAll(".character-card img.avatar")).map((i) => i.complete && i.naturalWidth > 0)`,
      )) as boolean[];
      return loaded.length === 2 && loaded.every(Boolean);
    });

    // Start a chat as a persona.
    await page
      .locator("li.character-card", { has: page.getByRole("heading", { name: "Seraphina", exact: true }) })
      .getByRole("button", { name: "Chat" })
      .click();
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Description").fill("A traveller from the coast.");
    await page.getByLabel("Temperature").fill("0.7");
    await page.getByLabel("Max tokens").fill("321");
    await page.getByRole("button", { name: "Start chat" }).click();
    await page.waitForURL(/\/chats\//);
    const chatId = decodeURIComponent(page.url().split("/chats/")[1] ?? "");
    await lastReply(page).waitFor();
    expect(await lastReply(page).textContent()).toContain("Seraphina");

    // Keyboard-only send: type in the composer and press Enter; the reply streams in as SSE.
    const streamed = page.waitForResponse((r) => r.url().endsWith(`/chats/${chatId}/messages`));
    await page.getByLabel("Message as Ada").fill("Hello there, who are you?");
    await page.getByLabel("Message as Ada").press("Enter");
    expect((await streamed).headers()["content-type"]).toContain("text/event-stream");
    await page.locator("article.message-assistant", { hasText: "Reply number 1" }).waitFor();
    // The chat keeps its persona and sampling, and the persona reaches the model's prompt. (That the chat's
    // sampling reaches the model is the server's part: see docs/web.md, "Not done yet".)
    const settings = await api<{ chat: { persona: { description: string }; sampling: Record<string, number> } }>(
      fixture,
      fixture.aliceKey,
      "GET",
      `/chats/${chatId}`,
    );
    expect(settings.chat.sampling).toEqual({ temperature: 0.7, maxTokens: 321 });
    const sent = fixture.fake.requests.at(-1)?.body as { messages: unknown[] };
    expect(JSON.stringify(sent.messages)).toContain("A traveller from the coast.");
    // Rendered as sanitized Markdown once complete.
    expect(await lastReply(page).locator(".markdown em").textContent()).toBe("she smiles");
    expect(await lastReply(page).locator(".swipe-count").textContent()).toBe("1/1");

    // Swipe right past the last reply: a new candidate (2/2); back left shows the first again (1/2).
    await lastReply(page).getByRole("button", { name: "New reply" }).click();
    await page.locator("article.message-assistant", { hasText: "Reply number 2" }).waitFor();
    await waitUntil(async () => (await lastReply(page).locator(".swipe-count").textContent()) === "2/2");
    await lastReply(page).getByRole("button", { name: "Previous reply" }).click();
    await page.locator("article.message-assistant", { hasText: "Reply number 1" }).waitFor();
    expect(await lastReply(page).locator(".swipe-count").textContent()).toBe("1/2");
    // With the keyboard: focus the reply, → shows the second, ← the first again; the choice is stored.
    await lastReply(page).focus();
    await page.keyboard.press("ArrowRight");
    await waitUntil(async () => (await lastReply(page).locator(".swipe-count").textContent()) === "2/2");
    await lastReply(page).focus();
    await page.keyboard.press("ArrowLeft");
    await waitUntil(async () => (await lastReply(page).locator(".swipe-count").textContent()) === "1/2");
    let view = await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chatId}`);
    expect(view.messages.at(-1)?.text).toContain("Reply number 1");
    expect(view.messages.at(-1)?.siblingCount).toBe(2);

    // Rate it: thumbs up and four stars, stored on the message.
    await lastReply(page).getByRole("button", { name: "Good reply" }).click();
    await lastReply(page).getByRole("button", { name: "4 stars" }).click();
    await waitUntil(async () => {
      const v = await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chatId}`);
      return v.messages.at(-1)?.rating?.thumbs === 1 && v.messages.at(-1)?.rating?.stars === 4;
    });
    expect(await lastReply(page).getByRole("button", { name: "Good reply" }).getAttribute("aria-pressed")).toBe("true");

    // Edit the reply with the keyboard (E, type, Ctrl+Enter): the edit is shown, the original kept.
    await lastReply(page).focus();
    await page.keyboard.press("e");
    const box = page.getByLabel("Edit message");
    await box.fill("An edited reply, *fixed* by hand.");
    await box.press("Control+Enter");
    await page.locator("article.message-assistant", { hasText: "An edited reply" }).waitFor();
    expect(await lastReply(page).locator(".badge", { hasText: "edited" }).count()).toBe(1);
    view = await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${chatId}`);
    const edited = view.messages.at(-1);
    expect(edited?.text).toBe("An edited reply, *fixed* by hand.");
    expect(edited?.editOf).toBeTruthy();

    // Continue the reply: a longer version.
    await lastReply(page).getByRole("button", { name: "Continue" }).click();
    await page.locator("article.message-assistant", { hasText: /fixed by hand.*Reply number 3/s }).waitFor();

    // Send another turn, then branch from the first reply: a new chat holding the path up to it.
    await page.getByLabel("Message as Ada").fill("Tell me more.");
    await page.getByLabel("Message as Ada").press("Enter");
    await page.locator("article.message-assistant", { hasText: "Reply number 4" }).waitFor();
    const before = await page.locator("article.message").count();
    await page.locator("article.message-assistant").nth(1).getByRole("button", { name: "Branch" }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(encodeURIComponent(chatId)));
    await page.getByText("branched from").waitFor();
    const branchId = decodeURIComponent(page.url().split("/chats/")[1] ?? "");
    const branch = await api<View>(fixture, fixture.aliceKey, "GET", `/chats/${branchId}`);
    expect(branch.chat.branchedFrom?.chatId).toBe(chatId);
    expect(branch.messages.length).toBeLessThan(before);
    expect(await page.locator("article.message").count()).toBe(branch.messages.length);

    // Delete the last message of the branch.
    page.once("dialog", (d) => void d.accept());
    await page.locator("article.message").last().getByRole("button", { name: "Delete" }).click();
    await waitUntil(async () => (await page.locator("article.message").count()) === branch.messages.length - 1);

    expect(await cspViolations(page)).toEqual([]);
    expect(problems.console).toEqual([]);
    await context.close();
  });

  it("works on a phone-sized screen in the dark theme", async () => {
    const { context, page, problems } = await openPage(browser, {
      viewport: { width: 390, height: 844 },
      colorScheme: "dark",
    });
    await signInWithForm(page, fixture.url, fixture.aliceName, "correct horse");
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    const { id: characterId } = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Pocket",
      first_mes: "Hi from a small screen.",
    });
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    await page.locator("article.message").first().waitFor();
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.getByLabel(/Message as/).fill("From my phone");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator("article.message-user", { hasText: "From my phone" }).waitFor();
    await page.getByRole("button", { name: "Theme: system" }).click();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("light");
    expect(problems.console).toEqual([]);
    await context.close();
  });

  it("stops a reply that has not come: the composer is back and the user's line is kept", async () => {
    const { context, page, problems } = await openPage(browser);
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    const { id: characterId } = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Slowpoke",
      first_mes: "Hmm?",
    });
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    fixture.fake.setReply(() => ({ fault: "slow", delayMs: 120_000, answer: "Too late." }));
    try {
      await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
      await page.locator("article.message").first().waitFor();
      await page.getByLabel(/Message as/).fill("Are you there?");
      await page.getByLabel(/Message as/).press("Enter");
      await page.getByRole("button", { name: "Stop" }).click();
      await page.getByRole("button", { name: "Send" }).waitFor();
      await page.locator("article.message-user", { hasText: "Are you there?" }).waitFor();
      const view = await api<{ messages: Array<{ role: string; status: string }> }>(
        fixture,
        fixture.aliceKey,
        "GET",
        `/chats/${chat.id}`,
      );
      expect(view.messages.filter((m) => m.role === "assistant" && m.status === "complete")).toHaveLength(1);
      // A stopped request is not an error worth showing.
      expect(await page.locator(".chat-error[role=alert]").count()).toBe(0);
      expect(problems.console).toEqual([]);
    } finally {
      fixture.fake.setReply(() => "A reply.");
      await context.close();
    }
  });
});
