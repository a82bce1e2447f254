// The web app in headless Chromium on loopback, against a real `troupe serve` with the fake model (issue 15):
// JavaScript the chat page loads (gzip -9) against the 250 KB budget; time until the chat page is interactive
// against 1 s; a chat of 1,000 messages — how many message nodes are in the DOM, and long tasks (> 50 ms, the
// Long Tasks API) while scrolling it from the bottom to the top. It also renders the screenshots in
// docs/screenshots (gallery, a chat with swipes, the world panel) from the same run.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { api, launchChromium, openPage, signInWithApi, startWebFixture, WEB_ROOT } from "../test/e2e/e2e-support.ts";
import { at, startWorldFake } from "../test/world/world-chat-fake.ts";
import { median, type PerfResult } from "./perf-result.ts";

const ROOT = resolve(import.meta.dirname, "..");
const SHOTS = join(ROOT, "docs", "screenshots");
const BUDGET_BYTES = 250 * 1024;
const INTERACTIVE_MS = 1000;
const LONG_CHAT_TURNS = 500; // 500 turns + the greeting = 1,001 messages
const LOAD_ROUNDS = 7;
const SCROLL_PASSES = 3;

interface ScrollPass {
  long: number[];
  maxNodes: number;
  steps: number;
  ms: number;
}

/** Open the chat and wait until it can be used: messages shown and the composer ready (polled every frame). */
async function interactiveMs(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  // A function, not a string: the page's CSP forbids eval, and string predicates are evaluated with it.
  const handle = await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      return doc.querySelector("article.message") && doc.querySelector("#composer-input") ? performance.now() : 0;
    },
    undefined,
    { polling: "raf" },
  );
  return (await handle.jsonValue()) as number;
}

/** Scroll the chat from the bottom to the top, one step a frame, counting long tasks and message nodes. */
const SCROLL_PROBE = `(async () => {
  const long = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
  observer.observe({ type: "longtask", buffered: false });
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  let scroller = document.querySelector(".messages");
  while (!scroller) { await frame(); scroller = document.querySelector(".messages"); }
  let maxNodes = 0;
  let steps = 0;
  const started = performance.now();
  // Bounded, so a list that never reaches the top shows up as a result instead of a hang.
  while (scroller.scrollTop > 0 && steps < 5000) {
    scroller.scrollTop = Math.max(0, scroller.scrollTop - 600);
    await frame();
    maxNodes = Math.max(maxNodes, document.querySelectorAll("article.message").length);
    steps++;
  }
  for (let i = 0; i < 5; i++) await frame();
  observer.disconnect();
  return { long, maxNodes, steps, ms: performance.now() - started };
})()`;

/** Every image of the page has loaded (a function: the CSP forbids the eval a string predicate needs). */
const imagesLoaded = () =>
  Array.from(
    (globalThis as unknown as { document: { images: ArrayLike<{ complete: boolean }> } }).document.images,
  ).every((i) => i.complete);

async function screenshots(browser: Browser): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const fixture = await startWebFixture();
  try {
    let n = 0;
    const replies = [
      '*Seraphina smiles and sets the kettle on.* "You are safe here. The wards around the glade hold the beasts at bay."',
      '*She brushes a strand of pink hair aside.* "Rest first; questions after. The forest will still be here tomorrow."',
      '*Her amber eyes soften.* "I found you by the old oak. Do you remember anything of the road?"',
    ];
    fixture.fake.setReply(() => replies[n++ % replies.length] as string);
    for (const card of ["default_Seraphina.png", "default_FluxTheCat.png", "default_CodingSensei.png"]) {
      const bytes = readFileSync(join(ROOT, "..", "shared", "data", "cards", card));
      const response = await fetch(`${fixture.url}/api/characters/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${fixture.aliceKey}`, "content-type": "image/png" },
        body: bytes,
      });
      if (!response.ok) throw new Error(`import ${card}: ${response.status}`);
    }
    const characters = await api<{ characters: Array<{ id: string; name: string }> }>(
      fixture,
      fixture.aliceKey,
      "GET",
      "/characters",
    );
    const seraphina = characters.characters.find((c) => c.name === "Seraphina");
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", {
      characterId: seraphina?.id,
      persona: { name: "Ada", description: "A traveller who lost her way." },
    });
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, {
      text: "Where am I? The last thing I remember is the wolves…",
    });
    const view = await api<{ messages: Array<{ id: string }> }>(fixture, fixture.aliceKey, "GET", `/chats/${chat.id}`);
    const last = view.messages.at(-1)?.id ?? "";
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages/${last}/regenerate?stream=false`, {});
    const again = await api<{ messages: Array<{ id: string; siblingIds: string[] }> }>(
      fixture,
      fixture.aliceKey,
      "GET",
      `/chats/${chat.id}`,
    );
    const siblings = again.messages.at(-1)?.siblingIds ?? [];
    await api(
      fixture,
      fixture.aliceKey,
      "POST",
      `/chats/${chat.id}/messages/${siblings.at(-1)}/regenerate?stream=false`,
      {},
    );
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages/${siblings[1]}/select`);
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages/${siblings[1]}/rating`, {
      thumbs: 1,
      stars: 4,
    });

    const { context, page } = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await page.goto(fixture.url);
    await page.locator(".character-card img").first().waitFor();
    await page.waitForFunction(imagesLoaded);
    await page.screenshot({ path: join(SHOTS, "gallery.png") });
    await page.goto(`${fixture.url}/chats/${encodeURIComponent(chat.id)}`);
    await page.locator("article.message-assistant .swipe-count", { hasText: "2/3" }).waitFor();
    await page.waitForFunction(imagesLoaded);
    await page.screenshot({ path: join(SHOTS, "chat-swipes.png") });
    await context.close();
  } finally {
    await fixture.close();
  }

  const lines: string[] = [];
  const world = await startWorldFake({
    lines,
    extract: (speaker, text) =>
      speaker === "Ada" ? [] : [at(speaker, /lighthouse/.test(text) ? "the lighthouse" : "the harbour")],
  });
  const worldFixture = await startWebFixture({ fake: world.server });
  try {
    for (const name of ["Mara", "Tobin"])
      await api(worldFixture, worldFixture.aliceKey, "POST", "/characters", {
        name,
        first_mes: name === "Mara" ? "*Mara ties the boat to the quay.* Storm's coming." : "Tobin nods from the pier.",
      });
    const cast = await api<{ characters: Array<{ id: string }> }>(
      worldFixture,
      worldFixture.aliceKey,
      "GET",
      "/characters",
    );
    const { chat } = await api<{ chat: { id: string } }>(worldFixture, worldFixture.aliceKey, "POST", "/chats", {
      world: true,
      characterIds: cast.characters.map((c) => c.id).reverse(),
      persona: { name: "Ada", description: "" },
    });
    lines.push(
      "*Mara lifts the storm lamp.* We wait it out at the harbour.",
      "*Tobin points north.* The lighthouse keeper needs that lamp.",
    );
    await api(worldFixture, worldFixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, {
      text: "What do we do?",
    });
    await api(worldFixture, worldFixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, {
      text: "Then let's go.",
    });
    const { context, page } = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await signInWithApi(context, worldFixture.url, { apiKey: worldFixture.aliceKey });
    await page.goto(`${worldFixture.url}/chats/${encodeURIComponent(chat.id)}?panel=world`);
    const fact = page.locator(".fact-list li").first();
    await fact.waitFor();
    await fact.getByRole("button").click();
    await fact.locator(".why-lines div").first().waitFor();
    await page.screenshot({ path: join(SHOTS, "world-panel.png") });
    await context.close();
  } finally {
    await worldFixture.close();
    await world.close();
  }
}

export default async function webPerf(): Promise<PerfResult[]> {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-web.mjs")], { stdio: "inherit" });
  const fixture = await startWebFixture();
  const browser = await launchChromium();
  try {
    fixture.fake.setReply(
      (_r, i) => `Reply ${i}: *she nods* ${"and the story goes on a little further. ".repeat(1 + (i % 5))}`,
    );
    const { id: characterId } = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: "Mira",
      first_mes: "Hello.",
    });
    const { chat } = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", { characterId });
    for (let i = 0; i < LONG_CHAT_TURNS; i++)
      await api(fixture, fixture.aliceKey, "POST", `/chats/${chat.id}/messages?stream=false`, { text: `Turn ${i}` });
    const chatUrl = `${fixture.url}/chats/${encodeURIComponent(chat.id)}`;

    // JavaScript the chat page loads: every script response, compressed as a server would (gzip -9).
    const { context, page } = await openPage(browser);
    // The most message nodes the page ever held, including the first render before it scrolled to the end.
    await context.addInitScript(`(() => {
      window.__maxNodes = 0;
      new MutationObserver(() => {
        window.__maxNodes = Math.max(window.__maxNodes, document.querySelectorAll("article.message").length);
      }).observe(document, { childList: true, subtree: true });
    })()`);
    const scripts = new Map<string, number>();
    page.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body().catch(() => undefined);
      if (body) scripts.set(new URL(response.url()).pathname, gzipSync(body, { level: 9 }).length);
    });
    await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
    await interactiveMs(page, chatUrl);
    await page.waitForLoadState("networkidle");
    const jsGzip = [...scripts.values()].reduce((a, b) => a + b, 0);
    const rawJs = [...scripts.keys()].reduce(
      (a, path) => a + readFileSync(join(WEB_ROOT, path.replace(/^\//, ""))).length,
      0,
    );

    // Interactive time: fresh loads of the 1,000-message chat (the first load above warmed nothing in the cache
    // that a returning user would not have; each round is a new context, so nothing is cached).
    const loads: number[] = [];
    for (let round = 0; round < LOAD_ROUNDS; round++) {
      const fresh = await openPage(browser);
      await signInWithApi(fresh.context, fixture.url, { apiKey: fixture.aliceKey });
      loads.push(await interactiveMs(fresh.page, chatUrl));
      await fresh.context.close();
    }
    const interactive = median(loads);

    // The long chat: nodes in the DOM, and long tasks while scrolling all of it.
    const nodesAtOpen = (await page.evaluate(`window.__maxNodes`)) as number;
    // Each pass on a freshly loaded page (nothing rendered or cached yet). Long tasks are wall time, so a busy
    // machine only adds them: the best pass is the app's own cost, and every pass is reported.
    const passes: ScrollPass[] = [];
    for (let pass = 0; pass < SCROLL_PASSES; pass++) {
      if (pass > 0) await interactiveMs(page, chatUrl);
      passes.push((await page.evaluate(SCROLL_PROBE)) as ScrollPass);
    }
    const scroll = passes.reduce((best, p) => (p.long.length < best.long.length ? p : best));
    await context.close();
    await screenshots(browser);

    return [
      {
        name: "web: JavaScript of the chat page (gzip -9)",
        ratio: jsGzip / BUDGET_BYTES,
        unit: "gzipped bytes ÷ 250 KB budget",
        target: "≤ 1",
        pass: jsGzip <= BUDGET_BYTES,
        detail: { gzipBytes: jsGzip, rawBytes: rawJs, files: scripts.size },
      },
      {
        name: "web: chat page interactive (1,001-message chat, cold cache)",
        ratio: interactive / INTERACTIVE_MS,
        unit: "median ms to messages + composer ÷ 1000 ms",
        target: "< 1",
        pass: interactive < INTERACTIVE_MS,
        detail: { medianMs: interactive, minMs: Math.min(...loads), maxMs: Math.max(...loads), rounds: LOAD_ROUNDS },
      },
      {
        name: "web: message nodes in the DOM for a 1,001-message chat",
        ratio: Math.max(nodesAtOpen, ...passes.map((p) => p.maxNodes)) / (LONG_CHAT_TURNS * 2 + 1),
        unit: "most message nodes at once ÷ messages",
        target: "≤ 0.1",
        pass: Math.max(nodesAtOpen, ...passes.map((p) => p.maxNodes)) <= (LONG_CHAT_TURNS * 2 + 1) / 10,
        detail: {
          maxWhileOpening: nodesAtOpen,
          maxWhileScrolling: Math.max(...passes.map((p) => p.maxNodes)),
          messages: LONG_CHAT_TURNS * 2 + 1,
        },
      },
      {
        name: "web: long tasks while scrolling the 1,001-message chat bottom to top",
        ratio: scroll.long.length,
        unit: "tasks over 50 ms (Long Tasks API), best of 3 fresh loads",
        target: "= 0",
        pass: scroll.long.length === 0,
        detail: {
          longest: scroll.long.length ? Math.max(...scroll.long) : 0,
          perPass: passes.map((p) => p.long.length).join("/"),
          frames: scroll.steps,
          scrollMs: scroll.ms,
        },
      },
    ];
  } finally {
    await browser.close();
    await fixture.close();
  }
}
