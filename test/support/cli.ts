import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { troupeNodeArgs } from "./troupe-command.ts";

/** Run the real `troupe` binary in a clean temp folder with a controlled environment. */
export function troupe(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "troupe-cli-"));
  const result = spawnSync(process.execPath, troupeNodeArgs(args), {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", HOME: cwd, ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
