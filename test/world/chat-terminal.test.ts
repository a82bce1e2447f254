// Drives `troupe chat` in a real terminal (tmux): the user types, the characters answer through the real CLI,
// and the screen is read back. Models come from the fake OpenAI-compatible server; nothing leaves the machine.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { troupeNodeArgs } from "../support/troupe-command.ts";

const TMUX = "/usr/bin/tmux";
const CARD = resolve(import.meta.dirname, "../../../shared/data/cards/default_FluxTheCat.png");
const session = `troupe-chat-${process.pid}`;

let server: FakeLlmServer;
let dir: string;
const env = () => ({ PATH: process.env["PATH"] ?? "", HOME: dir, TROUPE_HOME: join(dir, ".troupe") });

const lines = ["*Flux purrs* Welcome to the windowsill, Alex.", "*Flux flicks her tail* The sun is warm here."];
let playerCalls = 0;
/** Upper bound for one step (start-up through tsx is the slowest); the test's own timeout covers every step. */
const STEP_DEADLINE_MS = 90_000;

function screen(): string {
  return execFileSync(TMUX, ["capture-pane", "-t", session, "-p", "-S", "-200"], { encoding: "utf8" });
}

/**
 * The screen once every pattern is on it. tmux draws output asynchronously, so a test that saw the first line of a
 * block must still wait for the rest; the deadline is only an upper bound for a stuck program, never a race (the
 * machine may be slow: two cores shared with other suites).
 */
async function waitFor(...patterns: RegExp[]): Promise<string> {
  const until = Date.now() + STEP_DEADLINE_MS;
  let last = "";
  while (Date.now() < until) {
    last = screen();
    if (patterns.every((p) => p.test(last))) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${patterns.join(" and ")} on screen:\n${last}`);
}

function type(text: string): void {
  execFileSync(TMUX, ["send-keys", "-t", session, "-l", text]);
  execFileSync(TMUX, ["send-keys", "-t", session, "Enter"]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "troupe-chat-"));
  server = await startFakeLlmServer({
    reply: (request) => {
      if (request.schema) {
        // Extraction: the user's line puts Alex on the windowsill; the cat's lines add nothing.
        const last = request.messages.at(-1)?.content ?? "";
        const events = /New line by Alex/.test(last)
          ? [
              {
                ref: "e1",
                kind: "changed",
                description: "Alex is at the windowsill",
                op: "set",
                subject: "Alex",
                predicate: "at",
                object: "windowsill",
              },
            ]
          : [];
        return JSON.stringify({ minutesPassed: 1, events });
      }
      return lines[playerCalls++ % lines.length] as string;
    },
  });
});

afterAll(async () => {
  spawnSync(TMUX, ["kill-session", "-t", session]);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(TMUX))("troupe chat in a terminal", () => {
  it(
    "chats, swipes, explains, rolls back and quits, with everything saved",
    async () => {
      const created = spawnSync(
        process.execPath,
        [...troupeNodeArgs([]), "world", "new", "--card", CARD, "--user", "Alex", "--json"],
        {
          cwd: dir,
          env: env(),
          encoding: "utf8",
        },
      );
      expect(created.status, created.stderr).toBe(0);
      const id = JSON.parse(created.stdout).id as string;
      const command = [
        process.execPath,
        ...troupeNodeArgs([]),
        "chat",
        id,
        "--model",
        `${server.openaiBaseUrl}#fake-rp`,
        "--budget-tokens",
        "2000",
      ]
        .map((a) => `'${a}'`)
        .join(" ");
      const envs = Object.entries(env())
        .map(([k, v]) => `${k}='${v}'`)
        .join(" ");
      execFileSync(TMUX, [
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "160",
        "-y",
        "50",
        "-c",
        dir,
        // The shell waits after the chat ends so the final screen can still be read (afterAll kills the session).
        `env ${envs} ${command}; sleep 3600`,
      ]);
      await waitFor(/You are Alex\. Cast: Flux the Cat/);
      await waitFor(/^>\s*$/m);

      type("Hello Flux, may I sit with you?");
      await waitFor(/Flux the Cat: \*Flux purrs\* Welcome to the windowsill, Alex\./);

      type("/swipe");
      await waitFor(/Flux the Cat: \*Flux flicks her tail\* The sun is warm here\.[\s\S]*alternative 2 of 2/);

      type("/why");
      // The manifest's lines are asserted by waiting for all of them: reading the screen once right after its header
      // appeared could catch tmux before it drew the rest.
      await waitFor(
        /context for Flux the Cat at turn 2: \d+\/2000 tokens/,
        /\+ recent .*Alex: Hello Flux, may I sit with you\?/,
        /\+ knowledge .*Alex at windowsill/,
      );

      type("/facts");
      await waitFor(/Alex at windowsill\s+valid turn 2/);

      type("/undo");
      await waitFor(/Rolled back to turn 2/);

      type("/quit");
      await waitFor(/bye — everything so far is saved\./);

      const timeline = spawnSync(process.execPath, [...troupeNodeArgs([]), "world", "timeline", id, "--json"], {
        cwd: dir,
        env: env(),
        encoding: "utf8",
      });
      expect(timeline.status, timeline.stderr).toBe(0);
      const nodes = JSON.parse(timeline.stdout) as Array<{ speaker?: string; text?: string }>;
      expect(nodes.map((n) => n.speaker ?? "-")).toEqual(["-", "Flux the Cat", "Alex"]);
      const swipes = spawnSync(process.execPath, [...troupeNodeArgs([]), "world", "show", id, "--json"], {
        cwd: dir,
        env: env(),
        encoding: "utf8",
      });
      expect(JSON.parse(swipes.stdout).facts).toEqual([
        { id: expect.any(String), subject: "Alex", predicate: "at", object: "windowsill" },
      ]);
    },
    8 * STEP_DEADLINE_MS,
  );
});
