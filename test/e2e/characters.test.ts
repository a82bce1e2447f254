import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/wait-until.ts";
import {
  api,
  CARDS,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithApi,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

interface Character {
  id: string;
  name: string;
  version: number;
  card: { data: Record<string, unknown> };
}

describe.runIf(RUN_E2E)("characters in the web app", { timeout: 180_000 }, () => {
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

  it("edits a card's fields, exports it as PNG, JSON and CharX, and imports each export back", async () => {
    const { context, page, problems } = await openPage(browser);
    await signInWithApi(context, fixture.url, { name: fixture.aliceName, password: "correct horse" });
    await page.goto(fixture.url);
    await page.setInputFiles("#card-file", join(CARDS, "default_CodingSensei.png"));
    const card = page.locator("li.character-card", { hasText: "Coding Sensei" });
    await card.waitFor();
    await card.getByRole("link", { name: /Edit/ }).click();
    await page.locator(".card-form").waitFor();

    // Edit fields: description, a new alternate greeting, tags; saving bumps the version.
    const before = (await api<{ characters: Character[] }>(fixture, fixture.aliceKey, "GET", "/characters"))
      .characters[0]!;
    await page.getByLabel("Description", { exact: true }).fill("A patient teacher of TypeScript.");
    await page.getByRole("button", { name: "Add a greeting" }).click();
    await page
      .getByLabel(/^Greeting \d+$/)
      .last()
      .fill("Ready for a code review?");
    await page.getByLabel(/^Tags/).fill("coding, teacher");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(/Saved \(version \d+\)/).waitFor();
    const after = await api<Character>(fixture, fixture.aliceKey, "GET", `/characters/${before.id}`);
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.card.data["description"]).toBe("A patient teacher of TypeScript.");
    expect(after.card.data["alternate_greetings"]).toContain("Ready for a code review?");
    expect(after.card.data["tags"]).toEqual(["coding", "teacher"]);

    // Export in the three formats (downloads), then import each file back through the picker.
    const files: string[] = [];
    for (const [label, magic] of [
      ["Export PNG", "\x89PNG"],
      ["Export JSON", "{"],
      ["Export CharX", "PK"],
    ] as const) {
      const download = page.waitForEvent("download");
      await page.getByRole("link", { name: label }).click();
      const path = await (await download).path();
      const bytes = readFileSync(path);
      expect(bytes.subarray(0, magic.length).toString("latin1")).toBe(magic);
      const name = (await download).suggestedFilename();
      const renamed = `${path}-${name}`;
      await (await download).saveAs(renamed);
      files.push(renamed);
    }
    await page.goto(fixture.url);
    await page.setInputFiles("#card-file", files);
    await page.getByText("Imported 3 cards.").waitFor();
    await waitUntil(async () => (await page.locator("li.character-card", { hasText: "Coding Sensei" }).count()) === 4);
    const all = (await api<{ characters: Character[] }>(fixture, fixture.aliceKey, "GET", "/characters")).characters;
    for (const c of all.filter((x) => x.id !== before.id)) {
      const full = await api<Character>(fixture, fixture.aliceKey, "GET", `/characters/${c.id}`);
      expect(full.card.data["description"]).toBe("A patient teacher of TypeScript.");
      expect(full.card.data["alternate_greetings"]).toContain("Ready for a code review?");
    }
    // A file that is not a card is refused with the server's message.
    await page.setInputFiles("#card-file", {
      name: "notes.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"hello":1}'),
    });
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("notes.json");
    expect(problems.console.filter((m) => !/status of 400/.test(m))).toEqual([]);
    await context.close();
  });
});
