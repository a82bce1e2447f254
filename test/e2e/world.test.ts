import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEvents } from "../../src/feedback/index.ts";
import { waitUntil } from "../support/wait-until.ts";
import { at, startWorldFake, type WorldFake } from "../world/world-chat-fake.ts";
import {
  api,
  axe,
  cspViolations,
  describeViolations,
  launchChromium,
  openPage,
  RUN_E2E,
  signInWithApi,
  startWebFixture,
  type WebFixture,
} from "./e2e-support.ts";

describe.runIf(RUN_E2E)("a world-backed chat in the web app", { timeout: 180_000 }, () => {
  let world: WorldFake;
  let fixture: WebFixture;
  let browser: Browser;
  const lines: string[] = [];
  beforeAll(async () => {
    // Every line a character speaks puts them at the lighthouse; the user's lines change nothing.
    world = await startWorldFake({
      lines,
      extract: (speaker) => (speaker === "Ada" ? [] : [at(speaker, "the lighthouse")]),
    });
    fixture = await startWebFixture({ fake: world.server });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
    await world?.close();
  });

  it("starts a group world chat from the gallery; the panel shows a fact, why it holds, timeline, knowledge, branches, the reply's manifest, and an away digest to accept", async () => {
    for (const name of ["Mara", "Tobin"])
      await api(fixture, fixture.aliceKey, "POST", "/characters", { name, first_mes: `${name} waves.` });
    const { context, page, problems } = await openPage(browser);
    await signInWithApi(context, fixture.url, { name: fixture.aliceName, password: "correct horse" });
    await page.goto(fixture.url);
    await page.locator("li.character-card", { hasText: "Mara" }).getByRole("button", { name: "Chat" }).click();
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Tobin").check(); // also in the scene: a group chat, so a world
    expect(await page.getByLabel(/Keep a world/).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Start chat" }).click();
    await page.waitForURL(/\/chats\//);
    const chatId = decodeURIComponent(page.url().split("/chats/")[1] ?? "");
    const summary = await api<{ chat: { worldId: string | null; title: string } }>(
      fixture,
      fixture.aliceKey,
      "GET",
      `/chats/${chatId}`,
    );
    expect(summary.chat.worldId).toBeTruthy();
    expect(summary.chat.title).toBe("Mara & Tobin");

    // A turn: the director picks who answers and says why; the reply streams in.
    lines.push("Mara climbs the stairs of the lighthouse.");
    await page.getByLabel("Message as Ada").fill("Where are you going?");
    await page.getByLabel("Message as Ada").press("Enter");
    const reply = page.locator("article.message-assistant", { hasText: "climbs the stairs" });
    await reply.waitFor();
    await waitUntil(async () => (await page.locator("article.message.is-streaming").count()) === 0);
    // Its events name the character who spoke (a group chat has no single character).
    const speaker = (await reply.locator(".speaker").textContent()) ?? "";
    const characters = await api<{ characters: Array<{ id: string; name: string }> }>(
      fixture,
      fixture.aliceKey,
      "GET",
      "/characters",
    );
    const speakerId = characters.characters.find((c) => c.name === speaker)?.id;
    await waitUntil(async () =>
      (await readEvents(fixture.db.store, { ownerId: fixture.aliceId, chatId, types: ["exposure"] })).some(
        (e) => e.candidate_id && e.character_id === speakerId,
      ),
    );
    // The director's choice and its reason are shown with the reply.
    expect(await reply.locator(".director-reason").textContent()).toMatch(/^Why (Mara|Tobin) answers: \S/);

    // The world panel: the fact the turn added, and why it holds.
    await page.getByRole("button", { name: "World" }).click();
    const fact = page.locator(".fact-list li", { hasText: "the lighthouse" });
    await fact.waitFor();
    expect(await fact.textContent()).toMatch(/(Mara|Tobin)\s*at\s*the lighthouse/);
    await fact.getByRole("button").click();
    await fact.locator(".why-lines div").first().waitFor();
    expect(await fact.locator(".why").textContent()).toMatch(/Holds now/);
    // The slider goes back to before the turn: the fact did not hold yet.
    const slider = page.getByRole("slider");
    await slider.fill("0");
    await page.getByText("No facts hold at this turn.").waitFor();

    await page.getByRole("tab", { name: "Timeline" }).click();
    await page.locator(".timeline li", { hasText: "climbs the stairs" }).first().waitFor();
    await page.getByRole("tab", { name: "Knowledge" }).click();
    await page.locator(".knowledge section").first().waitFor();
    await page.getByRole("tab", { name: "Branches" }).click();
    await page.locator(".branch-tree li", { hasText: "main" }).waitFor();
    // "Why this reply": the manifest of the last reply, opened from the reply itself.
    await reply.getByRole("button", { name: "Why this reply" }).click();
    await page.locator(".manifest-items tbody tr").first().waitFor();
    // The panel, like the other screens, has no critical or serious accessibility violation.
    expect(describeViolations(await axe(page)).filter((v) => /^(critical|serious) /.test(v))).toEqual([]);
    expect(await page.locator(".manifest").textContent()).toMatch(/tokens used/);

    // Branching at the user's line keeps the chat and moves its world onto a new branch, shown in the tree.
    await page.locator("article.message-user").last().getByRole("button", { name: "Branch" }).click();
    await page.getByRole("tab", { name: "Branches" }).click();
    await waitUntil(async () => (await page.locator(".branch-tree li").count()) >= 2);
    expect(page.url()).toContain(encodeURIComponent(chatId));

    // While away: the off-screen simulation proposes a digest; accepting it moves the chat on.
    await page.getByRole("tab", { name: "While away" }).click();
    await page.getByLabel("Story time that passes").fill("8h");
    await page.getByRole("button", { name: "Simulate" }).click();
    await page.getByRole("region", { name: "Away digest" }).waitFor();
    expect(await page.getByRole("region", { name: "Away digest" }).textContent()).toContain("Mara counts coins");
    await page.getByRole("button", { name: "Accept" }).click();
    await page.getByText("Accepted: the chat continues after it.").waitFor();

    // An edited digest: only the steps kept up to the chosen one happen.
    await page.getByRole("button", { name: "Simulate" }).click();
    await page.getByRole("region", { name: "Away digest" }).waitFor();
    await page.getByRole("button", { name: "Edit digest" }).click();
    await page.getByRole("button", { name: "Keep up to here" }).first().click();
    await page.getByText(/Accepted the first 1 step; the rest never happened\./).waitFor();

    expect(await cspViolations(page)).toEqual([]);
    expect(problems.console).toEqual([]);
    await context.close();
  });

  it("holds a reply that breaks a world rule: the rules are shown, and regenerating releases it", async () => {
    const { id: nellId } = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Nell",
      first_mes: "Fare, please.",
    });
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", {
      world: true,
      characterIds: [nellId],
      persona: { name: "Ada", description: "" },
    });
    const { context, page, problems } = await openPage(browser);
    await signInWithApi(context, fixture.url, { name: fixture.aliceName, password: "correct horse" });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    // Nell acting for the user breaks a rule: the reply is held, nothing of it committed.
    lines.push("Ada nods and pays me.");
    await page.getByLabel("Message as Ada").fill("Here is the fare.");
    await page.getByLabel("Message as Ada").press("Enter");
    const held = page.getByRole("region", { name: "A rule of the world was broken" });
    await held.waitFor();
    expect(await held.locator("li").count()).toBeGreaterThan(0);
    lines.push("Safe travels, friend.");
    await held.getByRole("button", { name: "Regenerate" }).click();
    await page.locator("article.message-assistant", { hasText: "Safe travels, friend." }).waitFor();
    await waitUntil(async () => (await held.count()) === 0);
    const transcript = await api<{ messages: Array<{ text: string }> }>(
      fixture,
      fixture.aliceKey,
      "GET",
      `/chats/${chat.id}/world/transcript`,
    );
    expect(transcript.messages.at(-1)?.text).toBe("Safe travels, friend.");
    expect(transcript.messages.map((m) => m.text)).not.toContain("Ada nods and pays me.");
    expect(problems.console).toEqual([]);
    await context.close();
  });
});
