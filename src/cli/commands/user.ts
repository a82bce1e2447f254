import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../core/index.ts";
import type { CommandContext } from "../context.ts";
import { action } from "../run-command.ts";

async function identityOf(ctx: CommandContext) {
  const { IdentityStore } = await import("../../server/auth/identity-store.ts");
  return IdentityStore.open(await ctx.store());
}

/** Run an identity operation, turning its HTTP-shaped refusals into usage errors a terminal user can act on. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const { HttpError } = await import("../../server/http-error.ts");
    if (error instanceof HttpError) throw new UsageError(`user.${error.code.replace(/^user\./, "")}`, error.message);
    throw error;
  }
}

function readPassword(): string {
  const text = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  if (!text) throw new UsageError("user.no_password", "--password-stdin was given but standard input was empty.");
  return text;
}

/** `troupe user`: the server's users and API keys. */
export function registerUser(program: Command): void {
  const user = program
    .command("user")
    .description("users and API keys of `troupe serve`")
    .addHelpText(
      "after",
      `
Keys are shown once, when created; the database keeps only their SHA-256. Passwords (for signing in to the web
app) are read from standard input, never from the command line.

Examples:
  troupe user add me --admin
  printf '%s' "$PASSWORD" | troupe user add alice --password-stdin
  troupe user key alice --label laptop
  troupe user ls`,
    );
  user
    .command("add")
    .description("create a user and print their first API key")
    .argument("<name>", "user name: letters, digits, dots, dashes, underscores")
    .option("--admin", "make the user an admin (can create users)")
    .option("--password-stdin", "read a password for web sign-in from standard input")
    .action(
      action(async (ctx, name: string, options: { admin?: boolean; passwordStdin?: boolean }) => {
        const identity = await identityOf(ctx);
        const created = await guarded(() =>
          identity.createUser({
            name,
            role: options.admin ? "admin" : "user",
            ...(options.passwordStdin ? { password: readPassword() } : {}),
          }),
        );
        const { key } = await identity.createKey(created.id, "first key");
        if (ctx.json) ctx.printJson({ user: created, key });
        else {
          ctx.print(`created ${created.role} ${created.name}`);
          ctx.print(`API key (shown once, store it now): ${key}`);
        }
        return undefined;
      }),
    );
  user
    .command("key")
    .description("create another API key for a user and print it")
    .argument("<name>", "user name")
    .option("--label <text>", "what the key is for", "cli")
    .action(
      action(async (ctx, name: string, options: { label: string }) => {
        const identity = await identityOf(ctx);
        const found = await identity.findUser(name);
        if (!found)
          throw new UsageError("user.not_found", `No user "${name}".`, { hint: "List them with `troupe user ls`." });
        const { key, info } = await identity.createKey(found.id, options.label);
        if (ctx.json) ctx.printJson({ key, info });
        else ctx.print(`API key ${info.id} for ${name} (shown once): ${key}`);
        return undefined;
      }),
    );
  user
    .command("revoke")
    .description("revoke one of a user's API keys at once")
    .argument("<name>", "user name")
    .argument("<key-id>", "the key's id (k_…), from `troupe user ls`")
    .action(
      action(async (ctx, name: string, keyId: string) => {
        const identity = await identityOf(ctx);
        const found = await identity.findUser(name);
        if (!found || !(await identity.revokeKey(found.id, keyId)))
          throw new UsageError("user.no_key", `${name} has no live key ${keyId}.`);
        ctx.print(`revoked ${keyId}`);
        return undefined;
      }),
    );
  user
    .command("ls")
    .description("list users and their keys (never the keys themselves)")
    .action(
      action(async (ctx) => {
        const identity = await identityOf(ctx);
        const users = await identity.listUsers();
        const rows = await Promise.all(users.map(async (u) => ({ ...u, keys: await identity.listKeys(u.id) })));
        if (ctx.json) ctx.printJson(rows);
        else if (rows.length === 0) ctx.print("no users yet: `troupe user add <name> --admin`");
        else
          for (const u of rows) {
            ctx.print(`${u.name}  ${u.role}${u.hasPassword ? "  password" : ""}`);
            for (const k of u.keys) ctx.print(`  ${k.id}  ${k.hint}  ${k.label}${k.revokedAt ? "  revoked" : ""}`);
          }
        return undefined;
      }),
    );
}
