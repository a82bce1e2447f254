// Shared set-up of the end-to-end tests: the built web app served by a real `troupe serve` (SQLite, the fake model
// server), driven in Debian's Chromium through playwright-core. Pages are opened from contexts (axe needs that).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type ServeFixture, startServeFixture } from "../server/serve-test-server.ts";

export const CHROMIUM = "/usr/bin/chromium";
/** CI installs Chromium (.ci/run sets CI=1): there a missing browser fails the suite instead of skipping it. */
export const IN_CI = !!process.env["CI"] && !["0", "false"].includes(process.env["CI"] ?? "");
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const RUN_E2E = HAVE_CHROMIUM || IN_CI;

const ROOT = new URL("../..", import.meta.url).pathname;
export const WEB_ROOT = join(ROOT, "web", "dist");
export const CARDS = join(ROOT, "..", "shared", "data", "cards");

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Build the web app unless a build is there (npm ci builds it; TROUPE_WEB_REBUILD=1 forces a fresh one). Test files
 * run in parallel: one builds under a lock directory while the others wait for it.
 */
export async function ensureWebBuilt(): Promise<void> {
  const built = () => existsSync(join(WEB_ROOT, "index.html"));
  if (built() && process.env["TROUPE_WEB_REBUILD"] !== "1") return;
  const lock = join(ROOT, "web", ".build-lock");
  try {
    mkdirSync(lock);
  } catch {
    while (existsSync(lock) || !built()) await new Promise((r) => setTimeout(r, 100));
    return;
  }
  try {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-web.mjs")], { stdio: "inherit" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Launch Chromium with the flags a closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** The server with the web app, plus a user name alice can sign in with. */
export interface WebFixture extends ServeFixture {
  url: string;
  aliceName: string;
}

/** Start `troupe serve` (real server, fake model) serving the built app. */
export async function startWebFixture(options: Parameters<typeof startServeFixture>[0] = {}): Promise<WebFixture> {
  await ensureWebBuilt();
  const fixture = await startServeFixture({ webRoot: WEB_ROOT, ...options });
  const alice = await fixture.server.identity.getUser(fixture.aliceId);
  if (!alice) throw new Error("the fixture's alice is missing");
  return { ...fixture, url: fixture.server.url, aliceName: alice.name };
}

/** What a page reported: console errors and CSP violations (collected in the page, outside the CSP's reach). */
export interface PageProblems {
  console: string[];
  csp: string[];
}

/** A page in a fresh context, watching for console errors and CSP violations. */
export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark"; bypassCsp?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 860 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
    ...(options.bypassCsp ? { bypassCSP: true } : {}),
  });
  const problems: PageProblems = { console: [], csp: [] };
  await context.addInitScript(`(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
    });
  })()`);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Asking for the session while signed out answers 401 by design; the browser logs it as a failed load.
    if (/status of 401/.test(message.text()) && message.location().url.endsWith("/api/session")) return;
    problems.console.push(message.text());
  });
  page.on("pageerror", (error) => problems.console.push(`pageerror: ${error.message}`));
  return { context, page, problems };
}

/** CSP violations the page recorded. */
export async function cspViolations(page: Page): Promise<string[]> {
  return (await page.evaluate("window.__csp || []")) as string[];
}

/** Sign in through the form. */
export async function signInWithForm(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Characters" }).waitFor();
}

/** Sign a context in through the API (same cookie jar as its pages), for tests about other screens. */
export async function signInWithApi(context: BrowserContext, url: string, body: object): Promise<void> {
  const response = await context.request.post(`${url}/api/session`, { data: body });
  if (!response.ok()) throw new Error(`sign-in failed: ${response.status()} ${await response.text()}`);
}

/** Call the /api as a user's API key (to prepare data without the UI). */
export async function api<T>(
  fixture: ServeFixture,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${fixture.server.url}/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

const axeSource = (createRequire(import.meta.url)("axe-core") as { source: string }).source;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Run axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not govern). */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })`,
  )) as { violations: AxeViolation[] };
  return result.violations;
}

/** Violations as readable lines: impact, rule, help and the first nodes. */
export const describeViolations = (vs: AxeViolation[]) =>
  vs.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} (${v.nodes
        .map((n) => n.target.join(" "))
        .slice(0, 3)
        .join("; ")})`,
  );
