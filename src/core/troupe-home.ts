import { resolve } from "node:path";

/** The folder troupe keeps its state in: `$TROUPE_HOME`, else `./.troupe` under the working directory. */
export function troupeHome(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env["TROUPE_HOME"];
  return resolve(cwd, fromEnv && fromEnv.length > 0 ? fromEnv : ".troupe");
}
