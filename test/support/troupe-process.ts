import { type ChildProcess, spawn } from "node:child_process";
import { troupeNodeArgs } from "./troupe-command.ts";

/** A running `troupe` child process, with its output collected. */
export interface TroupeProcess {
  child: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process exits (also after kill -9). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stdout or stderr has matched the pattern. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Start the real `troupe` binary without blocking the test's event loop (the suite's `troupe()` helper uses
 * spawnSync, which would starve an in-process fake server). The environment is controlled: no inherited keys.
 */
export function startTroupe(args: string[], options: { cwd: string; env?: Record<string, string> }): TroupeProcess {
  const child = spawn(process.execPath, troupeNodeArgs(args), {
    cwd: options.cwd,
    env: { PATH: process.env["PATH"] ?? "", HOME: options.cwd, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters) w();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters) w();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise<void>((res, rej) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            waiters.delete(check);
            clearTimeout(timer);
            res();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(
            new Error(`timed out waiting for ${pattern}; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`),
          );
        }, timeoutMs);
        waiters.add(check);
        done.then(() => {
          check();
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            rej(
              new Error(
                `process exited before ${pattern}; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-800)}`,
              ),
            );
          }
        });
        check();
      });
    },
  };
}

/** Run `troupe` to completion. */
export async function runTroupe(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return startTroupe(args, options).done;
}
