import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cspViolations,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithForm,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

describe.runIf(RUN_E2E)("the web app on troupe serve", { timeout: 120_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  beforeAll(async () => {
    fixture = await startWebFixture();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it("loads from the server, signs in and shows the gallery with no CSP violation or console error", async () => {
    const { context, page, problems } = await openPage(browser);
    const response = await page.goto(fixture.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByRole("heading", { name: "Sign in to troupe" }).waitFor();
    // A wrong password is refused with the server's message.
    await page.getByLabel("Name").fill(fixture.aliceName);
    await page.getByLabel("Password").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/wrong name, password or key/i);
    await signInWithForm(page, fixture.url, fixture.aliceName, "correct horse");
    await page.getByText("No characters yet").waitFor();
    // An app route loads the app too (the server answers index.html for navigations).
    await page.goto(`${fixture.url}/chats`);
    await page.getByRole("heading", { name: "Chats" }).waitFor();
    expect(await cspViolations(page)).toEqual([]);
    expect(problems.console).toEqual([]);
    await context.close();
  });
});
