// A world-backed chat kept as rows of the chat tables, on SQLite and PostgreSQL: every line is a message row with
// its world node id, every reply a candidate, and ChatService reads the chat's shown path like any other chat.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, listCandidates, type ReplyPolicy } from "../../src/chat/index.ts";
import { chooseWorldSwipe } from "../../src/chat/world-chat.ts";
import {
  createWorldChat,
  decideWorldChatLine,
  regenerateWorldChatMessage,
  sendWorldChatMessage,
  syncWorldChat,
  type WorldChatEvent,
  worldIdOfChat,
} from "../../src/chat/world-chat-rows.ts";
import { World, type WorldSetupInput } from "../../src/world/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { at, startWorldFake, type WorldFake } from "./world-chat-fake.ts";

const setup: WorldSetupInput = {
  name: "dock",
  userName: "Alex",
  cast: [{ name: "Mara", firstMessage: "Ahoy, {{user}}." }],
  startTime: 0,
};

describe.each(await storeFactories())("a world chat's rows on %s", (_name, open) => {
  let db: TestStore;
  let fake: WorldFake;
  const lines: string[] = [];
  let policy: ReplyPolicy;
  beforeAll(async () => {
    db = await open("world_chat_rows");
    fake = await startWorldFake({ lines, extract: (s) => (s === "Alex" ? [at("Alex", "dock")] : []) });
    policy = { policyId: "p1", model: fake.model, propensity: 1, sampling: {}, promptVersion: "world-1" };
  });
  afterAll(async () => {
    await fake.close();
    await db.cleanup();
  });

  it("stores the greeting, the user's line and the streamed reply as rows with world node ids, and logs the reply", async () => {
    lines.splice(0, lines.length, "Mara: Two silver to the islands.");
    const deps = { store: db.store };
    const world = await World.create(db.store, setup);
    const chatId = await createWorldChat(deps, "u1", world);
    expect(await worldIdOfChat(db.store, "u1", chatId)).toBe(world.id);
    await expect(worldIdOfChat(db.store, "u2", chatId)).rejects.toMatchObject({ code: "chat.not_found" });

    const events: WorldChatEvent[] = [];
    const sent = await sendWorldChatMessage(deps, "u1", chatId, world, policy, "I need passage.", {
      onEvent: (e) => events.push(e),
    });
    expect(sent.outcome.status).toBe("sent");
    const kinds = events.map((e) => e.type);
    expect(kinds[0]).toBe("user");
    expect(kinds[1]).toBe("start");
    expect(kinds.at(-1)).toBe("done");
    const deltas = events.flatMap((e) => (e.type === "delta" ? [e.text] : []));
    expect(deltas.join("")).toBe("Two silver to the islands.");

    const view = await new ChatService({ store: db.store }).getChat("u1", chatId);
    expect(view.messages.map((m) => [m.role, m.origin, m.status, m.text])).toEqual([
      ["assistant", "greeting", "complete", "Ahoy, Alex."],
      ["user", "user", "complete", "I need passage."],
      ["assistant", "generated", "complete", "Two silver to the islands."],
    ]);
    const path = world.projection.nodes.filter((n) => n.text !== undefined).map((n) => n.id);
    expect(view.messages.map((m) => m.worldNodeId)).toEqual(path);
    const reply = view.messages[2];
    expect(reply?.id).toBe(sent.messageId);

    const [candidate] = await listCandidates(db.store, "u1", { chatId });
    expect(candidate).toMatchObject({
      id: reply?.candidateId,
      messageId: reply?.id,
      parentMessageId: view.messages[1]?.id,
      status: "complete",
      text: "Two silver to the islands.",
      propensity: 1,
      kind: "reply",
      api: "chat",
      policyId: "p1",
    });
    expect(candidate?.manifest["speaker"]).toBe("Mara");
    expect(candidate?.completionTokens).toBeGreaterThan(0);
  });

  it("regenerates as a sibling row and candidate, and follows a swipe of the world", async () => {
    lines.splice(0, lines.length, "First answer.", "Second answer.");
    const deps = { store: db.store };
    const world = await World.create(db.store, setup);
    const chatId = await createWorldChat(deps, "u1", world);
    const sent = await sendWorldChatMessage(deps, "u1", chatId, world, policy, "Hello.");
    const firstId = sent.messageId as string;
    const service = new ChatService({ store: db.store });
    const firstNode = (await service.getChat("u1", chatId)).messages.at(-1)?.worldNodeId as string;
    const again = await regenerateWorldChatMessage(deps, "u1", chatId, world, policy, firstId);
    expect(again.outcome.status).toBe("committed");
    let view = await service.getChat("u1", chatId);
    expect(view.messages.at(-1)).toMatchObject({ id: again.messageId, text: "Second answer.", siblingCount: 2 });
    const candidates = await listCandidates(db.store, "u1", { chatId });
    expect(candidates.map((c) => [c.kind, c.retryOf, c.siblingPosition])).toEqual([
      ["reply", null, 0],
      ["regenerate", candidates[0]?.id, 1],
    ]);

    await chooseWorldSwipe(world, firstNode);
    await syncWorldChat(deps, "u1", chatId, world);
    view = await service.getChat("u1", chatId);
    expect(view.messages.at(-1)).toMatchObject({ id: firstId, text: "First answer." });
  });

  it("keeps a reply that broke a rule as an incomplete, held row until the user accepts it", async () => {
    lines.splice(0, lines.length, "Alex nods and pays me.");
    const deps = { store: db.store };
    const world = await World.create(db.store, setup);
    const chatId = await createWorldChat(deps, "u1", world);
    const events: WorldChatEvent[] = [];
    const sent = await sendWorldChatMessage(deps, "u1", chatId, world, policy, "Hi.", {
      onEvent: (e) => events.push(e),
    });
    const held = events.at(-1);
    if (held?.type !== "held") throw new Error(`expected a held reply, got ${held?.type}`);
    const service = new ChatService({ store: db.store });
    const before = (await service.getChat("u1", chatId)).messages.at(-1);
    expect(before).toMatchObject({ id: sent.messageId, status: "incomplete", finishReason: "held", worldNodeId: null });
    expect((await listCandidates(db.store, "u1", { chatId }))[0]).toMatchObject({ status: "incomplete" });

    const decided = await decideWorldChatLine(deps, "u1", chatId, world, policy, held.pendingId, { action: "accept" });
    expect(decided.outcome.status).toBe("committed");
    const after = (await service.getChat("u1", chatId)).messages.at(-1);
    expect(after).toMatchObject({ id: sent.messageId, status: "complete", text: "Alex nods and pays me." });
    expect(after?.worldNodeId).toBe(world.head().id);
    expect((await listCandidates(db.store, "u1", { chatId }))[0]).toMatchObject({ status: "complete" });
  });
});
