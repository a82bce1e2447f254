import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

/** Every payload calls the page's canary; a safe app never runs one. */
const PAYLOADS = [
  `<script>__xss("script")</script>`,
  `<img src=x onerror="__xss('img')">`,
  `[a markdown link](javascript:__xss('md-link'))`,
  `<a href="javascript:__xss('a-href')">an html link</a>`,
  `<a href="data:text/html,<script>parent.__xss('data')</script>">a data link</a>`,
  `<svg onload="__xss('svg-onload')"><script>__xss('svg-script')</script></svg>`,
  `<svg><animate onbegin="__xss('svg-animate')" attributeName="x" dur="1s"/></svg>`,
  `<iframe srcdoc="<script>parent.__xss('iframe')</script>"></iframe>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="__xss('mxss')">`,
  `<details open ontoggle="__xss('details')">x</details>`,
  `<form action="/api/keys" method="post"><button>Claim a prize</button></form>`,
  `<img src="https://tracker.example/pixel.png">`,
  `<div style="background:url(https://tracker.example/bg.png)">styled</div>`,
  `<object data="javascript:__xss('object')"></object>`,
].join("\n\n");

/** Click every link inside messages and previews (a javascript: link runs only when followed). */
const CLICK_LINKS = `(() => {
  for (const a of document.querySelectorAll(".markdown a")) a.click();
})()`;

/** What dangerous markup survived in rendered content. */
const SURVIVORS = `(() => {
  const found = [];
  for (const root of document.querySelectorAll(".markdown, .message-body, .character-card, .chat-head, .editor")) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      if (["script", "img", "iframe", "svg", "math", "form", "button", "object", "embed", "style"].includes(tag) && root.classList.contains("markdown")) found.push(tag);
      for (const attr of el.attributes) {
        if (attr.name.startsWith("on")) found.push(tag + "[" + attr.name + "]");
        if (attr.name === "style" && root.classList.contains("markdown")) found.push(tag + "[style]");
        if (/^(href|src|action|data)$/.test(attr.name) && /^\\s*(javascript|data):/i.test(attr.value)) found.push(tag + "[" + attr.name + "=" + attr.value.slice(0, 20) + "]");
      }
    }
  }
  return found;
})()`;

describe.runIf(RUN_E2E)("untrusted cards and replies run nothing", { timeout: 180_000 }, () => {
  let fixture: WebFixture;
  let browser: Browser;
  let chatId: string;
  let characterId: string;
  beforeAll(async () => {
    fixture = await startWebFixture();
    fixture.fake.setReply(() => `A hostile reply.\n\n${PAYLOADS}`);
    const character = await api<{ id: string }>(fixture, fixture.aliceKey, "POST", "/characters", {
      name: `<img src=x onerror="__xss('name')">Mallory`,
      description: PAYLOADS,
      first_mes: `Greetings.\n\n${PAYLOADS}`,
      creator_notes: PAYLOADS,
      alternate_greetings: [PAYLOADS],
      tags: [`<script>__xss("tag")</script>`],
      creator: `<svg onload="__xss('creator')">`,
    });
    characterId = character.id;
    const view = await api<{ chat: { id: string } }>(fixture, fixture.aliceKey, "POST", "/chats", {
      characterId,
      persona: { name: `<img src=x onerror="__xss('persona')">Eve`, description: PAYLOADS },
    });
    chatId = view.chat.id;
    await api(fixture, fixture.aliceKey, "POST", `/chats/${chatId}/messages?stream=false`, { text: PAYLOADS });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  // With the server's CSP, and without it (bypassCSP): the sanitizer alone must hold.
  for (const withCsp of [true, false]) {
    it(`gallery, editor and chat with ${withCsp ? "the CSP" : "the CSP bypassed (sanitizer only)"}: the canary counts 0`, async () => {
      const { context, page } = await openPage(browser, { bypassCsp: !withCsp });
      await context.addInitScript(`(() => {
        window.__xssHits = [];
        window.__xss = (what) => window.__xssHits.push(what);
      })()`);
      await signInWithApi(context, fixture.url, { apiKey: fixture.aliceKey });
      const check = async (p: Page) => {
        await p.evaluate(CLICK_LINKS);
        expect(await p.evaluate("window.__xssHits")).toEqual([]);
        expect(await p.evaluate(SURVIVORS)).toEqual([]);
      };

      await page.goto(fixture.url);
      await page.locator(".character-card").waitFor();
      await check(page);

      await page.goto(`${fixture.url}/characters/${encodeURIComponent(characterId)}`);
      await page.locator(".notes-preview .markdown").waitFor();
      expect(await page.locator(".notes-preview .markdown").textContent()).toContain("a markdown link");
      await check(page);

      await page.goto(`${fixture.url}/chats/${encodeURIComponent(chatId)}`);
      const hostile = page.locator("article.message-assistant", { hasText: "A hostile reply" });
      await hostile.first().waitFor();
      const before = await hostile.count();
      // A streamed reply too (rendered as text while streaming, then sanitized).
      await page.getByLabel(/Message as/).fill("again");
      await page.getByLabel(/Message as/).press("Enter");
      await waitUntil(async () => (await hostile.count()) === before + 1);
      await waitUntil(async () => (await page.locator("article.message.is-streaming").count()) === 0);
      // The greeting's swipes carry the alternate greeting.
      await check(page);
      // Links that survive open in a new tab without an opener; nothing points at javascript: or data:.
      const hrefs = (await page.evaluate(
        `Array.from(document.querySelectorAll(".markdown a")).map((a) => [a.getAttribute("href"), a.rel])`,
      )) as Array<[string | null, string]>;
      for (const [href, rel] of hrefs) if (href) expect(rel).toContain("noopener");
      // Give late handlers (onload, animations) their chance before the final count.
      await page.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))");
      expect(await page.evaluate("window.__xssHits")).toEqual([]);
      await context.close();
    });
  }
});
