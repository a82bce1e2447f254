import type { Command } from "commander";
import { UsageError } from "../../core/index.ts";
import {
  acceptProposal,
  type ContextManifest,
  chainLines,
  diff,
  discardProposal,
  EVERYONE,
  type EventDraft,
  eventText,
  factLine,
  findFacts,
  formatManifest,
  normalizePredicate,
  parseStoryTime,
  type WorldNode,
  why,
} from "../../world/index.ts";
import { action } from "../run-command.ts";
import { openWorld, turnFlag } from "./world-open.ts";
import { nodeLines } from "./world-render.ts";

/** `world timeline|why|branches|rollback|edit`. */
export function registerWorldHistory(world: Command): void {
  world
    .command("timeline")
    .description("the branch's turns and their events; --diff shows what changed between two turns")
    .argument("<world>", "world id, id prefix or name")
    .option("--from <t>", "first turn (default 0)")
    .option("--to <t>", "last turn (default the head)")
    .option("--diff", "facts that began and ended between --from and --to")
    .option("--events", "list every event of every turn")
    .option("--branch <name>", "look at another branch")
    .addHelpText(
      "after",
      "\nExamples:\n  troupe world timeline Seraphina --events\n  troupe world timeline Seraphina --from 10 --to 20 --diff",
    )
    .action(
      action(
        async (
          ctx,
          ref: string,
          options: { from?: string; to?: string; diff?: boolean; events?: boolean; branch?: string },
        ) => {
          const w = await openWorld(ctx, ref, options.branch);
          const p = w.projection;
          const from = turnFlag(options.from, "--from") ?? 0;
          const to = turnFlag(options.to, "--to") ?? p.headTurn;
          if (options.diff) {
            const d = diff(p, w.ledger, from, to);
            if (ctx.json) ctx.printJson(d);
            else {
              ctx.print(`between turn ${d.from} and turn ${d.to}:`);
              for (const f of d.began) ctx.print(`  + ${factLine(f)}`);
              for (const f of d.ended) ctx.print(`  - ${factLine(f)}`);
              ctx.print(`${d.events.length} event(s):`);
              for (const e of d.events) ctx.print(`  turn ${e.turn} ${e.id}  ${eventText(e)}`);
            }
            return;
          }
          const nodes = p.nodes.slice(from, to + 1);
          if (ctx.json) ctx.printJson(nodes);
          else
            for (const n of nodes)
              for (const line of nodeLines(n, { events: options.events === true })) ctx.print(line);
          return undefined;
        },
      ),
    );

  world
    .command("why")
    .description(
      "why a fact holds: its causal chain back to events, and who knows it; --turn prints a turn's context manifest",
    )
    .argument("<world>", "world id, id prefix or name")
    .argument("[fact...]", 'a fact id, or "subject predicate [object]"')
    .option("--turn <t>", "print the context manifest of turn t instead (what the speaker's prompt held and why)")
    .option("--all", "with --turn: list dropped recent lines too")
    .option("--branch <name>", "look at another branch")
    .addHelpText(
      "after",
      '\nExamples:\n  troupe world why Seraphina "Alex at glade"\n  troupe world why Seraphina w1234.abcd.2 --json\n  troupe world why Seraphina --turn 7',
    )
    .action(
      action(async (ctx, ref: string, words: string[], options: { turn?: string; all?: boolean; branch?: string }) => {
        const w = await openWorld(ctx, ref, options.branch);
        const p = w.projection;
        if (options.turn !== undefined) {
          const t = turnFlag(options.turn, "--turn") as number;
          const node = p.nodes[t];
          const manifest = node?.meta?.["manifest"] as ContextManifest | undefined;
          if (!node || !manifest)
            throw new UsageError(
              "world.no_manifest",
              `Turn ${t} has no context manifest (only generated lines have one).`,
              {
                hint: "Pick a turn a character spoke (see `troupe world timeline`).",
              },
            );
          if (ctx.json) ctx.printJson(manifest);
          else ctx.print(formatManifest(manifest, { all: options.all === true }));
          return;
        }
        const text = words.join(" ");
        if (!text)
          throw new UsageError("world.no_fact_ref", "Name a fact: an id or 'subject predicate [object]'.", {
            hint: "List facts with `troupe world facts <world>`.",
          });
        const found = findFacts(p, text);
        if (found.length === 0)
          throw new UsageError("world.no_fact", `No fact matches "${text}".`, {
            hint: "List facts with `troupe world facts <world> --history`.",
          });
        const answers = found.slice(0, 3).map((f) => why(p, f.id));
        if (ctx.json) ctx.printJson(answers);
        else for (const a of answers) for (const line of chainLines(a)) ctx.print(line);
        return undefined;
      }),
    );

  world
    .command("branches")
    .description("list branches; create, switch, accept or discard (proposal branches come from `world simulate`)")
    .argument("<world>", "world id, id prefix or name")
    .option("--create <name>", "create a branch at the head (or at --from-turn) and switch to it")
    .option("--from-turn <t>", "with --create: fork at this turn of the current branch")
    .option("--switch <name>", "switch to a branch")
    .option("--accept <name>", "accept a proposal branch into the current branch")
    .option("--discard <name>", "discard a proposal branch")
    .option("--swipes", "list the alternatives (swipes) of the head turn")
    .addHelpText(
      "after",
      "\nExamples:\n  troupe world branches Seraphina\n  troupe world branches Seraphina --create what-if --from-turn 5\n  troupe world branches Seraphina --accept proposal/away-1",
    )
    .action(
      action(
        async (
          ctx,
          ref: string,
          options: {
            create?: string;
            fromTurn?: string;
            switch?: string;
            accept?: string;
            discard?: string;
            swipes?: boolean;
          },
        ) => {
          const w = await openWorld(ctx, ref);
          if (options.create) {
            const t = turnFlag(options.fromTurn, "--from-turn");
            const from = t === undefined ? w.head().id : w.projection.path[t];
            if (from === undefined) throw new UsageError("world.bad_turn", `The branch has no turn ${t}.`);
            await w.createBranch(options.create, { from, checkout: true });
            ctx.print(`created and switched to ${options.create} at turn ${w.head().turn}`);
          }
          if (options.switch) await w.checkout(options.switch);
          if (options.accept) {
            await acceptProposal(w, options.accept, w.current);
            ctx.print(`accepted ${options.accept} into ${w.current}`);
          }
          if (options.discard) {
            await discardProposal(w, options.discard);
            ctx.print(`discarded ${options.discard}`);
          }
          if (options.swipes) {
            const sib = w.siblings();
            if (ctx.json)
              ctx.printJson(
                sib.map((n) => ({ id: n.id, speaker: n.speaker, text: n.text, current: n.id === w.head().id })),
              );
            else
              for (const n of sib)
                ctx.print(`${n.id === w.head().id ? "*" : " "} ${n.id}  ${n.speaker ?? ""}: ${n.text ?? ""}`);
            return;
          }
          const rows = [...w.ledger.branches.values()].map((b) => ({
            ...b,
            turn: w.ledger.get(b.head)?.turn,
            current: b.name === w.current,
          }));
          if (ctx.json) ctx.printJson(rows);
          else
            for (const b of rows)
              ctx.print(
                `${b.current ? "*" : " "} ${b.name.padEnd(24)} turn ${String(b.turn).padStart(4)}  ${b.status}${b.base ? `  (from ${b.base})` : ""}`,
              );
          return undefined;
        },
      ),
    );

  world
    .command("rollback")
    .description("move the branch head back to a turn; later turns leave every projection (they stay in the ledger)")
    .argument("<world>", "world id, id prefix or name")
    .requiredOption("--to <t>", "the turn to return to")
    .option("--branch <name>", "roll back another branch")
    .addHelpText(
      "after",
      "\nExamples:\n  troupe world rollback Seraphina --to 12\n  troupe world rollback Seraphina --to 0 --branch what-if",
    )
    .action(
      action(async (ctx, ref: string, options: { to: string; branch?: string }) => {
        const w = await openWorld(ctx, ref, options.branch);
        const before = w.head().turn;
        const node: WorldNode = await w.rollback(turnFlag(options.to, "--to") as number);
        if (ctx.json) ctx.printJson({ branch: w.current, from: before, to: node.turn, head: node.id });
        else ctx.print(`${w.current}: turn ${before} → ${node.turn}`);
        return undefined;
      }),
    );

  world
    .command("edit")
    .description(
      "edit the world as the author: set/add/remove a fact (optionally retroactive), strike an event, resolve a hook",
    )
    .argument("<world>", "world id, id prefix or name")
    .argument("<op>", "set | add | remove | strike | resolve")
    .argument("<args...>", "set/add/remove: <subject> <predicate> <object...>; strike: <event-id>; resolve: <hook-id>")
    .option("--from <time>", 'retroactive: the fact held since this story time, e.g. "day 1 09:00"')
    .option("--hard", "a lore hard fact the consistency check defends")
    .option("--secret", "known to no character (default: common knowledge)")
    .option("--reason <text>", "why, for the audit trail")
    .option("--branch <name>", "edit another branch (e.g. a proposal)")
    .addHelpText(
      "after",
      `
Edits are ledger events too: they can be rolled back, and a retroactive edit supersedes what it contradicts
(the old version stays in the history) instead of deleting it.

Examples:
  troupe world edit Seraphina set Alex at "the old mill"
  troupe world edit Seraphina set moon color silver --hard
  troupe world edit Seraphina set Seraphina age 300 --from "day 1 00:00" --reason "canon from the card"
  troupe world edit Seraphina strike w1234.abcd.1`,
    )
    .action(
      action(
        async (
          ctx,
          ref: string,
          op: string,
          args: string[],
          options: { from?: string; hard?: boolean; secret?: boolean; reason?: string; branch?: string },
        ) => {
          const w = await openWorld(ctx, ref, options.branch);
          let draft: EventDraft;
          const reason = options.reason ? { reason: options.reason } : {};
          if (op === "strike" || op === "resolve") {
            if (args.length !== 1)
              throw new UsageError("world.bad_edit", `${op} takes one id.`, {
                hint: "See `troupe world timeline <world> --events` for ids.",
              });
            draft =
              op === "strike"
                ? { kind: "user_edit", payload: { op: "strike", eventId: args[0], ...reason } }
                : { kind: "user_edit", payload: { op: "resolve_hook", hookId: args[0], ...reason } };
          } else if (op === "set" || op === "add" || op === "remove") {
            const [subject, predicate, ...rest] = args;
            if (!subject || !predicate || rest.length === 0)
              throw new UsageError("world.bad_edit", `${op} takes <subject> <predicate> <object>.`, {
                hint: 'Quote multi-word names: set Alex at "the old mill".',
              });
            const now = w.head().storyTime;
            draft = {
              kind: "user_edit",
              payload: {
                op,
                subject,
                predicate: normalizePredicate(predicate),
                object: rest.join(" "),
                hard: options.hard === true,
                ...(options.from ? { validFrom: parseStoryTime(options.from, now) } : {}),
                ...reason,
              },
              witnesses: options.secret ? [] : [EVERYONE],
            };
          } else
            throw new UsageError("world.bad_edit", `Unknown edit "${op}".`, {
              hint: "Use set, add, remove, strike or resolve.",
            });
          const node = await w.commit({ kind: "edit", events: [draft] });
          const e = node.events[0];
          if (ctx.json) ctx.printJson(node);
          else ctx.print(`turn ${node.turn}: ${e ? eventText(e) : ""} (${node.id})`);
          return undefined;
        },
      ),
    );
}
