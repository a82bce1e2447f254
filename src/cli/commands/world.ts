import type { Command } from "commander";
import { readCardFile, readLorebookFile } from "../../cards/index.ts";
import {
  commitGreeting,
  currentFacts,
  entitiesOf,
  type Fact,
  factHistory,
  factLine,
  factsAt,
  formatStoryTime,
  knownFacts,
  listWorlds,
  openHooks,
  parseStoryTime,
  relationsOf,
  resolveTurn,
  setupFromCards,
  summariesOf,
  World,
} from "../../world/index.ts";
import { action } from "../run-command.ts";
import { registerWorldHistory } from "./world-history.ts";
import { openWorld, turnFlag } from "./world-open.ts";
import { registerWorldOutput } from "./world-output.ts";

/** `troupe world …`: create, inspect, edit, branch and export co-created worlds. */
export function registerWorld(program: Command): void {
  const world = program
    .command("world")
    .description("co-created worlds: an event ledger, facts over story time, branches, rollback and export")
    .addHelpText(
      "after",
      `
A world is an append-only ledger of events (happened, changed, may_happen, user_edit, summary). Facts, who knows
what, open hooks and summaries are projections of one branch's events. Branches are head pointers; rollback
moves a head back and leaves no trace in any projection. Story time is counted in minutes from the story's
start and shown as "day D HH:MM".

Examples:
  troupe world new --card examples/cards/mira.png --user Alex
  troupe world show                      # list worlds
  troupe world show Mira                 # one world's state (by name, id or id prefix)
  troupe world facts Mira --subject Alex --turn 12
  troupe world why Mira "Alex at harbor"
  troupe chat Mira --model openai:gpt-4.1-mini`,
    );

  world
    .command("new")
    .description("create a world from one or more character cards (prints its id)")
    .requiredOption("--card <file...>", "character card(s): PNG, JSON or CharX; the first greets the user")
    .option("--lorebook <file...>", "extra lorebook(s): SillyTavern World Info, lorebook_v3 or a card with a book")
    .option("--name <name>", "world name (default: the characters' names)")
    .option("--user <name>", "the user's name ({{user}})", "User")
    .option("--persona <text>", "the user's persona")
    .option("--start <time>", 'story time of the first turn, e.g. "day 1 08:00"', "day 1 08:00")
    .addHelpText(
      "after",
      `
Examples:
  troupe world new --card examples/cards/mira.png --user Alex
  troupe world new --card a.png --card b.json --lorebook Eldoria.json --name "The glade" --json`,
    )
    .action(
      action(
        async (
          ctx,
          options: {
            card: string[];
            lorebook?: string[];
            name?: string;
            user: string;
            persona?: string;
            start: string;
          },
        ) => {
          const cards = [];
          for (const file of options.card) cards.push(await readCardFile(file));
          const books = [];
          for (const file of options.lorebook ?? []) books.push({ name: file, book: await readLorebookFile(file) });
          const setup = setupFromCards(cards, books, {
            ...(options.name ? { name: options.name } : {}),
            userName: options.user,
            ...(options.persona ? { persona: options.persona } : {}),
            startTime: parseStoryTime(options.start),
          });
          const created = await World.create(await ctx.store(), setup);
          await commitGreeting(created);
          const warnings = cards.flatMap((c) => c.warnings).concat(books.flatMap((b) => b.book.warnings));
          if (ctx.json) {
            ctx.printJson({
              id: created.id,
              name: created.record.name,
              cast: setup.cast.map((c) => c.name),
              lorebooks: (setup.lorebooks ?? []).length,
              warnings,
            });
            return;
          }
          ctx.print(created.id);
          process.stderr.write(
            `created world "${created.record.name}" with ${setup.cast.map((c) => c.name).join(", ")}; ${(setup.lorebooks ?? []).length} lorebook(s)\n` +
              warnings.map((w) => `warning: ${w}\n`).join("") +
              `next: troupe chat ${created.id} --model <spec>\n`,
          );
          return undefined;
        },
      ),
    );

  world
    .command("show")
    .description("list worlds, or show one world's state at the head (or at a turn / story time)")
    .argument("[world]", "world id, id prefix or name")
    .option("--branch <name>", "look at another branch")
    .option("--turn <t>", "as of turn t")
    .option("--at <time>", 'as of story time, e.g. "day 2 18:00"')
    .addHelpText("after", "\nExamples:\n  troupe world show\n  troupe world show Seraphina --turn 10 --json")
    .action(
      action(async (ctx, ref: string | undefined, options: { branch?: string; turn?: string; at?: string }) => {
        if (!ref) {
          const all = await listWorlds(await ctx.store());
          if (ctx.json)
            ctx.printJson(
              all.map((w) => ({
                id: w.id,
                name: w.name,
                createdAt: w.createdAt,
                activeBranch: w.activeBranch,
                cast: w.setup.cast.map((c) => c.name),
              })),
            );
          else if (all.length === 0) ctx.print("no worlds yet: troupe world new --card <file>");
          else
            for (const w of all)
              ctx.print(
                `${w.id}  ${w.name}  (${w.setup.cast.map((c) => c.name).join(", ")}; branch ${w.activeBranch})`,
              );
          return;
        }
        const w = await openWorld(ctx, ref, options.branch);
        const p = w.projection;
        const turn = resolveTurn(p, {
          ...(options.turn ? { turn: turnFlag(options.turn, "--turn") } : {}),
          ...(options.at ? { storyTime: parseStoryTime(options.at, p.storyTimes[p.headTurn]) } : {}),
        });
        const facts = (turn === p.headTurn ? currentFacts(p) : factsAt(p, turn)).filter(
          (f) => f.predicate !== "type" && f.predicate !== "role",
        );
        const view = {
          id: w.id,
          name: w.record.name,
          branch: w.current,
          head: w.head().id,
          turn,
          storyTime: p.storyTimes[turn],
          cast: w.setup.cast.map((c) => c.name),
          user: w.setup.userName,
          entities: entitiesOf(p),
          relations: relationsOf(p).map((f) => ({ subject: f.subject, predicate: f.predicate, object: f.object })),
          facts: facts.map((f) => ({ id: f.id, subject: f.subject, predicate: f.predicate, object: f.object })),
          openHooks: openHooks(p),
          summaries: summariesOf(p),
          branches: [...w.ledger.branches.values()].map((b) => ({ name: b.name, status: b.status, head: b.head })),
          events: w.ledger.eventCount,
        };
        if (ctx.json) {
          ctx.printJson(view);
          return;
        }
        ctx.print(
          `${view.name} (${view.id})  branch ${view.branch}  turn ${turn}/${p.headTurn}  ${formatStoryTime(view.storyTime ?? 0)}  ${view.events} events`,
        );
        ctx.print(`cast: ${view.cast.join(", ")}; user: ${view.user}`);
        ctx.print(`entities: ${view.entities.map((e) => `${e.name} (${e.type})`).join(", ") || "none yet"}`);
        ctx.print(`facts${turn === p.headTurn ? "" : ` as of turn ${turn}`}:`);
        for (const f of facts.sort((a, b) => (a.subject + a.predicate < b.subject + b.predicate ? -1 : 1)))
          ctx.print(`  ${factLine(f)}`);
        ctx.print(`open hooks: ${view.openHooks.length ? "" : "none"}`);
        for (const h of view.openHooks)
          ctx.print(
            `  ${h.id}  ${h.description}${h.deadline !== undefined ? ` (by ${formatStoryTime(h.deadline)}${h.overdue ? ", overdue" : ""})` : ""}`,
          );
        ctx.print(
          `branches: ${view.branches.map((b) => `${b.name}${b.status === "active" ? "" : ` [${b.status}]`}`).join(", ")}`,
        );
        return undefined;
      }),
    );

  world
    .command("facts")
    .description(
      "facts of a world: current, as of a turn or story time, a subject's history, or what one character knows",
    )
    .argument("<world>", "world id, id prefix or name")
    .option("--subject <name>", "only facts about this entity")
    .option("--turn <t>", "as of turn t")
    .option("--at <time>", 'as of story time, e.g. "day 2 18:00"')
    .option("--as-recorded", "as the ledger believed it then (before later retcons)")
    .option("--history", "every version, closed and superseded ones too")
    .option("--known-by <name>", "only what this character knows (witnessed, told, inferred, common knowledge)")
    .option("--branch <name>", "look at another branch")
    .addHelpText(
      "after",
      '\nExamples:\n  troupe world facts Seraphina\n  troupe world facts Seraphina --subject Alex --history\n  troupe world facts Seraphina --at "day 1 12:00" --as-recorded\n  troupe world facts Seraphina --known-by Joel --json',
    )
    .action(
      action(
        async (
          ctx,
          ref: string,
          options: {
            subject?: string;
            turn?: string;
            at?: string;
            asRecorded?: boolean;
            history?: boolean;
            knownBy?: string;
            branch?: string;
          },
        ) => {
          const w = await openWorld(ctx, ref, options.branch);
          const p = w.projection;
          let facts: Fact[];
          if (options.history) facts = factHistory(p, options.subject);
          else if (options.knownBy) {
            const known = knownFacts(p, options.knownBy);
            facts = [...known.keys()]
              .map((id) => p.fact(id))
              .filter((f) => f.validTo === undefined && f.supersededTurn === undefined);
          } else {
            const turn = resolveTurn(p, {
              ...(options.turn ? { turn: turnFlag(options.turn, "--turn") } : {}),
              ...(options.at ? { storyTime: parseStoryTime(options.at, p.storyTimes[p.headTurn]) } : {}),
            });
            facts = factsAt(p, turn, options.asRecorded === true);
          }
          facts = facts.filter(
            (f) =>
              (options.subject === undefined || f.subject === options.subject) &&
              (options.history || (f.predicate !== "type" && f.predicate !== "role")),
          );
          facts.sort((a, b) => a.validFrom.turn - b.validFrom.turn || (a.id < b.id ? -1 : 1));
          if (ctx.json) ctx.printJson(facts);
          else if (facts.length === 0) ctx.print("no facts match");
          else for (const f of facts) ctx.print(factLine(f));
          return undefined;
        },
      ),
    );

  registerWorldHistory(world);
  registerWorldOutput(world);
}
