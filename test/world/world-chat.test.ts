// The operations of a world-backed chat over a real World on SQLite and PostgreSQL, with character lines from the
// fake OpenAI-compatible server: streamed replies, held lines, regenerate and swipe, branch, rollback, away.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acceptAway,
  branchWorldChat,
  checkoutWorldBranch,
  chooseWorldSwipe,
  decideWorldLine,
  discardAway,
  proposeAway,
  regenerateWorldLine,
  rollbackWorldChat,
  sendWorldLine,
  startWorldChat,
  type WorldReply,
  worldTranscript,
} from "../../src/chat/world-chat.ts";
import { currentFacts, factText, pendingLines, World, type WorldSetupInput } from "../../src/world/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { at, startWorldFake, type WorldFake, type WorldScript } from "./world-chat-fake.ts";

const setup: WorldSetupInput = {
  name: "dock",
  userName: "Alex",
  cast: [{ name: "Mara", firstMessage: "Ahoy, {{user}}. Looking for passage?" }],
  startTime: 0,
};

/** Alex's lines put Alex at the dock; the characters' lines change nothing. */
const extract = (speaker: string) => (speaker === "Alex" ? [at("Alex", "dock")] : []);

function committed(reply: WorldReply) {
  if (reply.status !== "committed") throw new Error(`expected a committed reply, got ${reply.status}`);
  return reply;
}

describe.each(await storeFactories())("a world-backed chat on %s", (_name, open) => {
  let db: TestStore;
  let fake: WorldFake;
  const lines: string[] = [];
  const script: WorldScript = { lines, extract };
  beforeAll(async () => {
    db = await open("world_chat");
    fake = await startWorldFake(script);
  });
  afterAll(async () => {
    await fake.close();
    await db.cleanup();
  });

  it("greets, streams the reply to the user's line, and commits exactly what was streamed", async () => {
    lines.splice(0, lines.length, "Mara: Passage costs two silver. The tide turns at dusk.");
    const world = await World.create(db.store, setup);
    const opening = await startWorldChat(world);
    expect(opening.map((m) => [m.role, m.text])).toEqual([["assistant", "Ahoy, Alex. Looking for passage?"]]);
    expect(await startWorldChat(world)).toHaveLength(1); // opening twice greets once

    const pieces: string[] = [];
    const order: string[] = [];
    const sent = await sendWorldLine(world, { generator: fake.model }, "Yes, to the islands.", {
      onDelta: (t) => pieces.push(t),
      onUserLine: (m) => {
        order.push(`user:${m.text}`);
      },
      onReplyStart: (s) => {
        order.push(`start:${s.speaker}:${pieces.length}`);
      },
    });
    expect(order).toEqual(["user:Yes, to the islands.", "start:Mara:0"]);
    if (sent.status !== "sent") throw new Error("the user's line was refused");
    const reply = committed(sent.reply);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(reply.message.text);
    expect(reply.message).toMatchObject({
      role: "assistant",
      speaker: "Mara",
      text: "Passage costs two silver. The tide turns at dusk.",
      parentNodeId: sent.user.nodeId,
      siblingCount: 1,
    });
    expect(reply.reason).toMatch(/^Mara speaks/);
    expect(reply.generation).toMatchObject({ speaker: "Mara", model: fake.model.id, finishReason: "stop" });
    expect(reply.generation.usage?.completionTokens).toBeGreaterThan(0);
    expect(reply.generation.manifest?.speaker).toBe("Mara");
    expect(world.head().id).toBe(reply.message.nodeId);
    expect(currentFacts(world.projection).map(factText)).toContain("Alex at dock");
    expect(worldTranscript(world).map((m) => m.speaker)).toEqual(["Mara", "Alex", "Mara"]);
  });

  it("holds a reply that breaks a rule instead of committing it, across processes, until the user decides", async () => {
    lines.splice(0, lines.length, "Alex nods and pays me two silver.", "Thanks.");
    const world = await World.create(db.store, setup);
    await startWorldChat(world);
    const sent = await sendWorldLine(world, { generator: fake.model }, "Hello Mara.");
    if (sent.status !== "sent") throw new Error("the user's line was refused");
    expect(sent.reply.status).toBe("pending");
    if (sent.reply.status !== "pending") return;
    const held = sent.reply.pending;
    expect(held.violations.length).toBeGreaterThan(0);
    expect(held.proposal.text).toBe("Alex nods and pays me two silver.");
    expect(world.head().id).toBe(sent.user.nodeId); // nothing of the reply is in the ledger
    expect(world.ledger.childrenOf(sent.user.nodeId)).toEqual([]);
    await expect(sendWorldLine(world, { generator: fake.model }, "Well?")).rejects.toMatchObject({
      code: "world.decision_pending",
    });

    // Another process opens the same world and finds the held line.
    const again = await World.open(db.store, world.id);
    expect((await pendingLines(again)).map((p) => p.id)).toEqual([held.id]);
    const decided = await decideWorldLine(again, { generator: fake.model }, held.id, { action: "accept" });
    const reply = committed(decided as WorldReply);
    expect(reply.message.text).toBe("Alex nods and pays me two silver.");
    expect(again.head().meta?.["acceptedViolations"]).toHaveLength(held.violations.length);
    expect(await pendingLines(again)).toEqual([]);
    await expect(
      decideWorldLine(again, { generator: fake.model }, held.id, { action: "cancel" }),
    ).rejects.toMatchObject({ code: "world.no_pending" });
  });

  it("cancels or edits a held line: a cancel commits nothing, an edit commits the user's text", async () => {
    lines.splice(0, lines.length, "Alex nods.", "Alex nods again and pays.");
    const world = await World.create(db.store, setup);
    await startWorldChat(world);
    const first = await sendWorldLine(world, { generator: fake.model }, "Hi.");
    if (first.status !== "sent" || first.reply.status !== "pending") throw new Error("expected a held reply");
    expect(
      await decideWorldLine(world, { generator: fake.model }, first.reply.pending.id, { action: "cancel" }),
    ).toEqual({ status: "cancelled" });
    expect(world.head().id).toBe(first.user.nodeId);
    expect(await pendingLines(world)).toEqual([]);

    const second = await sendWorldLine(world, { generator: fake.model }, "Hi again.");
    if (second.status !== "sent" || second.reply.status !== "pending") throw new Error("expected a held reply");
    const edited = committed(
      (await decideWorldLine(world, { generator: fake.model }, second.reply.pending.id, {
        action: "edit",
        text: "I wave back.",
      })) as WorldReply,
    );
    expect(edited.message).toMatchObject({ speaker: "Mara", text: "I wave back." });
    expect(world.head().text).toBe("I wave back.");
  });

  it("regenerates a reply as a sibling, chooses between the alternatives, branches and rolls back", async () => {
    lines.splice(0, lines.length, "The first answer.", "The second answer.", "On the branch.", "After the swipe.");
    const world = await World.create(db.store, setup);
    await startWorldChat(world);
    const sent = await sendWorldLine(world, { generator: fake.model }, "Tell me about the tide.");
    if (sent.status !== "sent") throw new Error("refused");
    const first = committed(sent.reply).message;

    const pieces: string[] = [];
    const second = committed(
      await regenerateWorldLine(world, { generator: fake.model }, first.nodeId, { onDelta: (t) => pieces.push(t) }),
    ).message;
    expect(pieces.join("")).toBe("The second answer.");
    expect(second).toMatchObject({ parentNodeId: first.parentNodeId, siblingCount: 2, siblingIndex: 1 });
    expect(world.head().id).toBe(second.nodeId);
    await expect(regenerateWorldLine(world, { generator: fake.model }, sent.user.nodeId)).rejects.toMatchObject({
      code: "world.no_regenerate",
    });

    const back = await chooseWorldSwipe(world, first.nodeId);
    expect(back.at(-1)).toMatchObject({ nodeId: first.nodeId, text: "The first answer.", siblingCount: 2 });

    // Branch at the user's line: the new branch continues from there; main keeps the first answer.
    const branch = await branchWorldChat(world, "what-if", sent.user.nodeId);
    expect(branch).toMatchObject({ name: "what-if", head: sent.user.nodeId });
    expect(world.current).toBe("what-if");
    const onBranch = await sendWorldLine(world, { generator: fake.model }, "And then?");
    if (onBranch.status !== "sent") throw new Error("refused");
    expect(committed(onBranch.reply).message.text).toBe("On the branch.");
    const main = await checkoutWorldBranch(world, "main");
    expect(main.at(-1)?.text).toBe("The first answer.");

    // Swiping to the alternative brings back what was said after it.
    await chooseWorldSwipe(world, second.nodeId);
    const later = await sendWorldLine(world, { generator: fake.model }, "Go on.");
    if (later.status !== "sent") throw new Error("refused");
    await chooseWorldSwipe(world, first.nodeId);
    const revived = await chooseWorldSwipe(world, second.nodeId);
    expect(revived.map((m) => m.text).slice(-3)).toEqual(["The second answer.", "Go on.", "After the swipe."]);

    const rolled = await rollbackWorldChat(world, sent.user.nodeId);
    expect(rolled.at(-1)?.nodeId).toBe(sent.user.nodeId);
    await expect(rollbackWorldChat(world, second.nodeId)).rejects.toMatchObject({ code: "world.not_on_branch" });
  });

  it("proposes what happened while the user was away; discard leaves the chat as it was, accept moves it on", async () => {
    lines.splice(0, lines.length);
    const world = await World.create(db.store, setup);
    await startWorldChat(world);
    const before = world.head().id;
    const dropped = await proposeAway(world, fake.model, 180, { maxSteps: 1 });
    expect(dropped.steps.map((s) => s.action)).toEqual(["Mara counts coins"]);
    expect(dropped.text).toMatch(/While Alex was away/);
    await discardAway(world, dropped.id);
    expect(world.head().id).toBe(before);
    expect(currentFacts(world.projection).map(factText)).not.toContain("Mara mood pleased");
    await expect(acceptAway(world, dropped.id)).rejects.toMatchObject({ code: "world.not_proposal" });

    const kept = await proposeAway(world, fake.model, 180, { maxSteps: 1 });
    expect(kept.id).not.toBe(dropped.id);
    await acceptAway(world, kept.id);
    expect(currentFacts(world.projection).map(factText)).toContain("Mara mood pleased");
    expect(world.head().storyTime).toBeGreaterThan(0);
  });

  it("keeps the chat on its branch while an away simulation waits for the model", async () => {
    lines.splice(0, lines.length, "Fine weather for it.");
    const world = await World.create(db.store, setup);
    await startWorldChat(world);
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let reached = () => {};
    const asked = new Promise<void>((r) => {
      reached = r;
    });
    script.offscreen = async () => {
      reached();
      await gate;
      return { action: "Mara mends a net", events: [] };
    };
    try {
      const away = proposeAway(world, fake.model, 60, { maxSteps: 1 });
      await asked;
      expect(world.current).toBe("main");
      const sent = await sendWorldLine(world, { generator: fake.model }, "Shall we sail?");
      if (sent.status !== "sent") throw new Error("refused");
      expect(world.branch("main").head).toBe(committed(sent.reply).message.nodeId);
      release();
      const proposal = await away;
      expect(proposal.steps.map((s) => s.action)).toEqual(["Mara mends a net"]);
      expect(world.branch(proposal.branch).head).not.toBe(world.branch("main").head);
      expect(worldTranscript(world).map((m) => m.text)).toContain("Fine weather for it.");
      await expect(acceptAway(world, proposal.id)).rejects.toMatchObject({ code: "world.proposal_stale" });
    } finally {
      script.offscreen = undefined;
      release();
    }
  });
});
