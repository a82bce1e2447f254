import {
  acceptProposal,
  type ContextManifest,
  chainLines,
  checkProposal,
  chooseSpeaker,
  commitProposal,
  currentFacts,
  type DirectorMode,
  discardProposal,
  factLine,
  findFacts,
  formatManifest,
  formatStoryTime,
  type OffscreenDigest,
  type Proposal,
  parseDuration,
  parseStoryTime,
  proposeLine,
  proposeText,
  proposeUserLine,
  resolveViolation,
  simulateOffscreen,
  type TurnModels,
  type Violation,
  type World,
  type WorldNode,
  why,
} from "../world/index.ts";
import { CHAT_HELP } from "./chat-help.ts";
import { parseChatInput } from "./slash-command.ts";

/** Options of an interactive session. */
export interface ChatSessionOptions {
  director?: DirectorMode;
  budgetTokens?: number;
  /** Where output lines go. */
  out: (line: string) => void;
}

/**
 * The interactive role-play loop, independent of the terminal: `handle(line)` takes one input line and writes
 * output lines. A line that breaks an invariant is never committed until the user decides.
 */
export class ChatSession {
  private pending: { proposal: Proposal; violations: Violation[] } | undefined;
  private digest: OffscreenDigest | undefined;
  private lastManifest: ContextManifest | undefined;

  constructor(
    private readonly world: World,
    private readonly models: TurnModels,
    private readonly options: ChatSessionOptions,
  ) {}

  private print(line = ""): void {
    this.options.out(line);
  }

  /** The opening screen: the world, the cast and the last few lines. */
  start(): void {
    const w = this.world;
    this.print(`${w.record.name} — branch ${w.current}, turn ${w.head().turn}, ${formatStoryTime(w.head().storyTime)}`);
    this.print(`You are ${w.setup.userName}. Cast: ${w.setup.cast.map((c) => c.name).join(", ")}. /help for commands.`);
    const lines = w.projection.nodes.filter((n) => n.text !== undefined).slice(-6);
    for (const n of lines) this.print(`${n.speaker}: ${n.text}`);
  }

  /** Handle one input line; returns false when the session should end. */
  async handle(raw: string): Promise<boolean> {
    const input = parseChatInput(raw);
    if (input.kind === "empty") return true;
    if (input.kind === "line") {
      if (this.pending) {
        this.print("Decide about the pending line first: /regen, /accept, /drop <n>, /edit <text> or /cancel.");
        return true;
      }
      await this.userLine(input.text);
      return true;
    }
    const { name: cmd, arg } = input;
    switch (cmd) {
      case "quit":
      case "exit":
        return false;
      case "help":
        this.print(CHAT_HELP);
        return true;
      case "regen":
      case "accept":
      case "drop":
      case "edit":
      case "cancel":
        await this.decide(cmd, arg);
        return true;
    }
    if (this.pending) {
      this.print("Decide about the pending line first: /regen, /accept, /drop <n>, /edit <text> or /cancel.");
      return true;
    }
    switch (cmd) {
      case "next": {
        const speaker = this.pickSpeaker();
        if (speaker) await this.respond(speaker);
        return true;
      }
      case "as":
        if (!this.world.setup.cast.some((c) => c.name === arg)) this.print(`No cast member "${arg}".`);
        else await this.respond(arg);
        return true;
      case "swipe":
      case "regenerate":
        await this.swipe();
        return true;
      case "prev":
      case "next-swipe":
        await this.cycle(cmd === "prev" ? -1 : 1);
        return true;
      case "undo":
        await this.rollbackTo(Math.max(0, this.world.head().turn - 1));
        return true;
      case "rollback":
        if (!/^\d+$/.test(arg)) this.print("Usage: /rollback <turn>");
        else await this.rollbackTo(Number(arg));
        return true;
      case "branch":
        if (!arg) this.print("Usage: /branch <name>");
        else {
          await this.world.createBranch(arg, { checkout: true });
          this.print(`Now on branch ${arg} (forked at turn ${this.world.head().turn}).`);
        }
        return true;
      case "branches":
        for (const b of this.world.ledger.branches.values())
          this.print(
            `${b.name === this.world.current ? "*" : " "} ${b.name}  turn ${this.world.ledger.get(b.head)?.turn}  ${b.status}`,
          );
        return true;
      case "switch":
        await this.world.checkout(arg);
        this.print(`On branch ${arg}, turn ${this.world.head().turn}.`);
        this.start();
        return true;
      case "why":
        this.why(arg);
        return true;
      case "facts":
        for (const f of currentFacts(this.world.projection, arg ? { subject: arg } : {}))
          if (f.predicate !== "type" && f.predicate !== "role") this.print(factLine(f));
        return true;
      case "who": {
        const choice = chooseSpeaker(this.world.projection, this.world.setup, { mode: "auto" });
        this.print(choice.reason);
        for (const s of choice.scores)
          this.print(`  ${s.name}: ${s.eligible ? s.score.toFixed(2) : "not eligible"} ${s.why.join(", ")}`);
        return true;
      }
      case "time": {
        const head = this.world.head();
        const to = parseStoryTime(arg.startsWith("+") ? arg : `+${arg}`, head.storyTime);
        await this.world.commit({ kind: "edit", storyTime: to, events: [] });
        this.print(`Story time is now ${formatStoryTime(to)}.`);
        return true;
      }
      case "away": {
        this.digest = await simulateOffscreen(this.world, {
          elapsedMinutes: parseDuration(arg || "8h"),
          model: this.models.generator,
        });
        this.print(this.digest.text);
        this.print("/keep to accept it, /discard to drop it.");
        return true;
      }
      case "keep":
      case "discard":
        if (!this.digest) this.print("There is no off-screen proposal (use /away <duration>).");
        else {
          if (cmd === "keep") await acceptProposal(this.world, this.digest.branch, this.world.current);
          else await discardProposal(this.world, this.digest.branch);
          this.print(cmd === "keep" ? `Accepted: now ${formatStoryTime(this.world.head().storyTime)}.` : "Discarded.");
          this.digest = undefined;
        }
        return true;
      default:
        this.print(`Unknown command /${cmd}. /help lists them.`);
        return true;
    }
  }

  /** Who answers next: the director's choice (auto, round robin), or nobody in manual mode until /as. */
  private pickSpeaker(): string | undefined {
    if (this.options.director === "manual") {
      this.print(
        `(manual mode: choose who answers with /as <name>: ${this.world.setup.cast.map((c) => c.name).join(", ")})`,
      );
      return undefined;
    }
    const choice = chooseSpeaker(
      this.world.projection,
      this.world.setup,
      this.options.director ? { mode: this.options.director } : {},
    );
    this.print(`(${choice.reason})`);
    return choice.speaker;
  }

  private async userLine(text: string): Promise<void> {
    const proposal = await proposeUserLine(this.world, text, this.models);
    const violations = await checkProposal(this.world, proposal);
    if (violations.length > 0) {
      for (const v of violations) this.print(`! ${v.message}`);
      return;
    }
    await commitProposal(this.world, proposal);
    for (const n of proposal.notices) this.print(`  (note: ${n})`);
    const speaker = this.pickSpeaker();
    if (speaker) await this.respond(speaker);
  }

  /** Generate a line for `speaker` (under `parent`, for a swipe), check it, and commit or ask. */
  private async respond(speaker: string, parent?: string, generationType = "normal"): Promise<void> {
    const proposal = await proposeLine(this.world, speaker, this.models, {
      ...(parent ? { parent } : {}),
      generationType,
      ...(this.options.budgetTokens ? { budgetTokens: this.options.budgetTokens } : {}),
    });
    await this.settle(proposal);
  }

  private async settle(proposal: Proposal): Promise<void> {
    if (proposal.manifest) this.lastManifest = proposal.manifest;
    const violations = await checkProposal(this.world, proposal, this.models);
    if (violations.length === 0) {
      const node = await commitProposal(this.world, proposal);
      this.show(node, proposal);
      this.pending = undefined;
      return;
    }
    this.pending = { proposal, violations };
    this.print(`! ${proposal.speaker}'s line breaks ${violations.length} rule(s); nothing is committed yet:`);
    this.print(`  draft: ${proposal.speaker}: ${proposal.text}`);
    for (const [i, v] of violations.entries())
      this.print(`  ${i + 1}. [${v.code}] ${v.message} — options: ${v.options.join(", ")}`);
    this.print("Decide: /regen · /accept [n|all] · /drop <n> · /edit <new text> · /cancel");
  }

  private show(node: WorldNode, proposal: Proposal): void {
    this.print(`${node.speaker}: ${node.text}`);
    for (const n of proposal.notices) this.print(`  (note: ${n})`);
  }

  private async decide(cmd: string, arg: string): Promise<void> {
    const pending = this.pending;
    if (!pending) {
      this.print("Nothing is pending.");
      return;
    }
    const { proposal, violations } = pending;
    if (cmd === "cancel") {
      this.pending = undefined;
      this.print("Dropped the draft; nothing was committed.");
      return;
    }
    if (cmd === "regen") {
      this.pending = undefined;
      await this.respond(
        proposal.speaker,
        proposal.parent === this.world.head().id ? undefined : proposal.parent,
        "regenerate",
      );
      return;
    }
    if (cmd === "edit") {
      if (!arg) {
        this.print("Usage: /edit <the line as it should be>");
        return;
      }
      this.pending = undefined;
      await this.settle(await proposeText(this.world, proposal.speaker, arg, this.models, { parent: proposal.parent }));
      return;
    }
    const pick = (a: string) =>
      a === "" || a === "all" ? violations : violations.filter((_, i) => String(i + 1) === a);
    const chosen = pick(arg);
    if (chosen.length === 0) {
      this.print(`No violation ${arg}.`);
      return;
    }
    let next = proposal;
    for (const v of chosen) {
      const resolution = cmd === "accept" ? "accept_retcon" : "drop_event";
      if (!v.options.includes(resolution)) {
        this.print(`Violation "${v.message}" cannot be resolved by ${cmd}; options: ${v.options.join(", ")}.`);
        return;
      }
      next = await resolveViolation(this.world, next, v, resolution);
    }
    this.pending = undefined;
    await this.settle(next);
  }

  private async swipe(): Promise<void> {
    const head = this.world.head();
    if (!head.speaker || head.speaker === this.world.setup.userName || head.parent === null) {
      this.print("The last turn is not a character's line; nothing to swipe.");
      return;
    }
    await this.respond(head.speaker, head.parent, "swipe");
    this.print(`  (alternative ${this.world.siblings().length} of ${this.world.siblings().length}; /prev to go back)`);
  }

  private async cycle(step: number): Promise<void> {
    const sibs = this.world.siblings().filter((n) => n.text !== undefined);
    const at = sibs.findIndex((n) => n.id === this.world.head().id);
    const target = sibs[at + step];
    if (!target) {
      this.print("No other alternative that way.");
      return;
    }
    await this.world.resetHead(target.id);
    this.print(`${target.speaker}: ${target.text}`);
    this.print(`  (alternative ${at + step + 1} of ${sibs.length})`);
  }

  private async rollbackTo(turn: number): Promise<void> {
    const node = await this.world.rollback(turn);
    this.print(`Rolled back to turn ${node.turn} (${formatStoryTime(node.storyTime)}).`);
    if (node.text) this.print(`${node.speaker}: ${node.text}`);
  }

  private why(arg: string): void {
    if (!arg) {
      const manifest =
        this.lastManifest ??
        [...this.world.projection.nodes].reverse().find((n) => n.meta?.["manifest"])?.meta?.["manifest"];
      if (!manifest) this.print("No generated line yet.");
      else this.print(formatManifest(manifest as ContextManifest));
      return;
    }
    const found = findFacts(this.world.projection, arg);
    if (found.length === 0) this.print(`No fact matches "${arg}".`);
    for (const f of found.slice(0, 2))
      for (const line of chainLines(why(this.world.projection, f.id))) this.print(line);
  }
}
