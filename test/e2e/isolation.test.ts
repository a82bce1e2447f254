import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithForm,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

describe.runIf(RUN_E2E)("two users in one browser", { timeout: 120_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  beforeAll(async () => {
    fixture = await startWebFixture();
    fixture.fake.setReply(() => "Alice's private reply about the secret garden.");
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it("a second user sees none of the first user's characters, chats or messages, even by URL", async () => {
    const character = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Alice's Companion",
      first_mes: "Only Alice should read this.",
    });
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", {
      characterId: character.id,
    });
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, { text: "my secret" });

    const carol = await fixture.server.identity.createUser({ name: `carol${Date.now()}`, password: "another horse" });
    const { context, page, problems } = await openPage(browser);
    await signInWithForm(page, fixture.url, carol.name, "another horse");
    await page.getByText("No characters yet").waitFor();
    await page.goto(`${fixture.url}/chats`);
    await page.getByText("No chats yet").waitFor();
    // Alice's chat by its URL: the server answers "not found", and nothing of hers is on the page.
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/no chat/i);
    await page.goto(`${fixture.url}/characters/${encodeURIComponent(character.id)}`);
    await page.getByRole("alert").waitFor();
    const avatar = await context.request.get(`${fixture.url}/api/characters/${character.id}/avatar`);
    expect(avatar.status()).toBe(404);
    const body =
      (await page.content()) + JSON.stringify(await (await context.request.get(`${fixture.url}/api/chats`)).json());
    for (const secret of ["secret garden", "Only Alice", "my secret", "Alice's Companion"])
      expect(body).not.toContain(secret);
    // The 404s above are logged by the browser as failed loads; nothing else went wrong.
    expect(problems.console.filter((m) => !/status of 404/.test(m))).toEqual([]);
    await context.close();
  });
});
