// A bounded soak of `troupe serve` (not part of `npm test` or `npm run perf`; run with `npm run soak`): 200 chats
// talk at once for 10 minutes through troupe's own API (a message, its streamed reply, the next message…) against
// the fake model server in its own process, on loopback. Pass: 0 errors, and the server's resident memory grows less
// than 10% between the end of the first minute (caches warm) and the end. TROUPE_SOAK_SECONDS and
// TROUPE_SOAK_CHATS shorten or shrink it; TROUPE_SOAK_NODE_OPTIONS gives the server process V8 options (a heap
// cap tells a leak from V8 growing its heap lazily). Writes its section of docs/performance.md.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Agent, request } from "undici";
import { IdentityStore } from "../src/server/auth/identity-store.ts";
import { openStore } from "../src/store/index.ts";
import { mergePerformanceDoc, renderSection } from "./performance-doc.ts";

const SECONDS = Number(process.env["TROUPE_SOAK_SECONDS"] ?? 600);
const CHATS = Number(process.env["TROUPE_SOAK_CHATS"] ?? 200);
const WARM_SECONDS = Math.min(60, SECONDS / 5);
const SERVER_NODE_OPTIONS = process.env["TROUPE_SOAK_NODE_OPTIONS"];
const ROOT = resolve(import.meta.dirname, "..");

async function startChild(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp) {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const m = pattern.exec(line);
      if (m) res(m[1] as string);
    });
    child.once("exit", (code) => rej(new Error(`${args.join(" ")} exited with ${code}`)));
  });
  return { url, child };
}

/** Resident set size of a process, in MiB, from /proc. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

if (!existsSync(join(ROOT, "dist/troupe.js")))
  throw new Error("the soak runs the built CLI: run `npm run build` first");
const home = mkdtempSync(join(tmpdir(), "troupe-soak-"));
const fake = await startChild(
  [
    "--import",
    "tsx",
    "test/support/fake-llm-server-main.ts",
    "--latency-ms",
    "50",
    "--reply-tokens",
    "60",
    "--max-recorded",
    "0",
  ],
  process.env,
  /^(http:\/\/\S+)$/,
);
const store = await openStore({ home });
const identity = await IdentityStore.open(store);
const { key } = await identity.createKey((await identity.createUser({ name: "soak" })).id, "soak");
await store.close();
// One key drives every chat, thousands of requests a minute: lift the per-key rate limit for it.
const config = join(home, "troupe.config.yaml");
writeFileSync(config, "serve:\n  rateLimitPerMinute: 10000000\n");
const server = await startChild(
  [join(ROOT, "bin/troupe.js"), "--config", config, "serve", "--port", "0", "--model", `${fake.url}#fake`],
  {
    ...process.env,
    TROUPE_HOME: home,
    TROUPE_LOG_LEVEL: "error",
    ...(SERVER_NODE_OPTIONS ? { NODE_OPTIONS: SERVER_NODE_OPTIONS } : {}),
  },
  /listening on (http:\/\/\S+)/,
);
const agent = new Agent({ connections: CHATS * 2 });
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const post = async (path: string, body: unknown) => {
  const res = await request(`${server.url}${path}`, {
    method: "POST",
    dispatcher: agent,
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
};

const character = await post("/api/characters", {
  name: "Mira",
  description: "Mira keeps the harbour light.",
  first_mes: 'Mira looks up. "Another storm?"',
});
const characterId = (JSON.parse(character.text) as { id: string }).id;
const chatIds: string[] = [];
for (let i = 0; i < CHATS; i++) {
  const made = await post("/api/chats", { characterId, title: `soak ${i}` });
  chatIds.push((JSON.parse(made.text) as { chat: { id: string } }).chat.id);
}

let errors = 0;
let replies = 0;
const firstErrors: string[] = [];
const deadline = Date.now() + SECONDS * 1000;
const samples: Array<{ t: number; rss: number }> = [];
const sampler = setInterval(() => {
  samples.push({ t: (Date.now() - (deadline - SECONDS * 1000)) / 1000, rss: rssMb(server.child.pid as number) });
}, 5_000);
await Promise.all(
  chatIds.map(async (chatId, i) => {
    for (let turn = 0; Date.now() < deadline; turn++) {
      try {
        const res = await post(`/api/chats/${chatId}/messages`, { text: `Message ${turn} from chat ${i}.` });
        if (res.status !== 200 || !res.text.includes("event: done") || res.text.includes("event: error")) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(`${res.status} ${res.text.slice(-200)}`);
        } else replies++;
      } catch (error) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(String(error));
      }
    }
  }),
);
clearInterval(sampler);
const warm = samples.find((s) => s.t >= WARM_SECONDS) ?? samples[0];
const last = samples.at(-1);
const growth = warm && last ? (last.rss - warm.rss) / warm.rss : Number.NaN;
await agent.close();
server.child.kill("SIGTERM");
fake.child.kill("SIGTERM");
await new Promise((r) => server.child.once("exit", r));
rmSync(home, { recursive: true, force: true });

const result = {
  name: `serve soak: ${CHATS} concurrent chats for ${SECONDS} s through /api (streamed replies)${SERVER_NODE_OPTIONS ? `, server ${SERVER_NODE_OPTIONS}` : ""}`,
  ratio: growth,
  unit: "RSS growth from the end of warm-up to the end (fraction)",
  target: "< 0.10 with 0 errors",
  pass: growth < 0.1 && errors === 0,
  detail: {
    replies,
    errors,
    rssWarmMb: warm?.rss ?? 0,
    rssEndMb: last?.rss ?? 0,
    rssMaxMb: Math.max(...samples.map((s) => s.rss)),
    warmSeconds: WARM_SECONDS,
  },
  file: "serve-soak.ts",
};
console.log(`${result.name}: growth ${(growth * 100).toFixed(1)}%, ${replies} replies, ${errors} errors`);
for (const e of firstErrors) console.log(`  error: ${e}`);
const doc = join(ROOT, "docs/performance.md");
const settings = [
  ...(SECONDS !== 600 ? [`TROUPE_SOAK_SECONDS=${SECONDS}`] : []),
  ...(CHATS !== 200 ? [`TROUPE_SOAK_CHATS=${CHATS}`] : []),
  ...(SERVER_NODE_OPTIONS ? [`TROUPE_SOAK_NODE_OPTIONS="${SERVER_NODE_OPTIONS}"`] : []),
];
const command = `${settings.length ? `${settings.join(" ")} ` : ""}npm run soak`;
// A run with the server's heap capped is its own section, so the default run's figure stays beside it.
const section = SERVER_NODE_OPTIONS ? "serve-soak-capped.ts" : "serve-soak.ts";
writeFileSync(
  doc,
  mergePerformanceDoc(
    existsSync(doc) ? readFileSync(doc, "utf8") : undefined,
    new Map([[section, renderSection(section, [{ ...result, file: section }], new Date(), command)]]),
  ),
);
process.exitCode = result.pass ? 0 : 1;
