import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatError, ChatService, listCandidates, type ReplyEvent } from "../../src/chat/index.ts";
import { createRng } from "../../src/core/index.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { type FakeLlmServer, presets, sequence, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { waitUntil } from "../support/wait-until.ts";
import { collect, dones, fakeServerModel, policyFor, tickingClock } from "./chat-fixtures.ts";

let server: FakeLlmServer;
let model: ChatModel;

beforeAll(async () => {
  server = await startFakeLlmServer();
  model = fakeServerModel(server);
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.setReply(presets.hash);
});

const OWNER = "user-a";
const OTHER = "user-b";

const MIRA = {
  name: "Mira",
  description: "{{char}} keeps the lighthouse on the northern cape.",
  personality: "dry, patient",
  scenario: "A storm night; {{user}} knocks at the lighthouse door.",
  first_mes: "*{{char}} opens the door.* Come in, {{user}}, before the wind takes you.",
  alternate_greetings: ["*The lamp turns.* Another one lost at sea, {{user}}?", "Shut the door, {{user}}."],
  mes_example: "<START>\n{{user}}: Who are you?\n{{char}}: The keeper. Who else would be out here?",
};

for (const [dialect, open] of await storeFactories()) {
  describe(`ChatService on ${dialect}`, () => {
    let db: TestStore;
    let clock: ReturnType<typeof tickingClock>;
    let chats: ChatService;

    beforeAll(async () => {
      db = await open("chat_service");
    });
    afterAll(() => db.cleanup());
    beforeEach(() => {
      clock = tickingClock();
      chats = new ChatService({ store: db.store, now: clock.now, rng: createRng(7) });
    });

    async function newChat(service = chats) {
      const character = await service.createCharacter(OWNER, MIRA);
      const view = await service.createChat(OWNER, {
        characterId: character.id,
        persona: { name: "Ada", description: "A sailor with a broken compass." },
      });
      return { character, view, chatId: view.chat.id };
    }

    it("starts a chat with the greeting and the alternate greetings as authored swipes", async () => {
      const { view } = await newChat();
      expect(view.messages).toHaveLength(1);
      const greeting = view.messages[0]!;
      expect(greeting.text).toBe("*Mira opens the door.* Come in, Ada, before the wind takes you.");
      expect(greeting).toMatchObject({ origin: "greeting", siblingIndex: 0, siblingCount: 3, candidateId: null });
      expect(greeting.siblingIds).toHaveLength(3);
      const chosen = await chats.selectMessage(OWNER, view.chat.id, greeting.siblingIds[2]!);
      expect(chosen.messages[0]).toMatchObject({ text: "Shut the door, Ada.", siblingIndex: 2 });
      await expect(collect(chats.regenerate(OWNER, view.chat.id, greeting.id, policyFor(model)))).rejects.toThrow(
        /greeting/,
      );
    });

    it("stores the user message, streams the reply and logs its candidate", async () => {
      const { chatId, character } = await newChat();
      const events = await collect(chats.sendMessage(OWNER, chatId, { text: "Hello, keeper." }, policyFor(model)));
      expect(events.map((e) => e.type)[0]).toBe("message");
      expect(events[1]?.type).toBe("start");
      const deltas = events.filter((e) => e.type === "delta").map((e) => (e as { text: string }).text);
      const [done] = dones(events);
      expect(deltas.join("")).toBe(done!.message.text);
      expect(done!.message).toMatchObject({ status: "complete", origin: "generated", role: "assistant" });
      expect(done!.message.text).toMatch(/^\[[0-9a-f]{8}\] /);

      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.map((m) => m.role)).toEqual(["assistant", "user", "assistant"]);
      expect(view.messages[1]).toMatchObject({ text: "Hello, keeper.", speaker: "Ada", origin: "user" });
      expect(view.messages[2]!.text).toBe(done!.message.text);
      expect(view.messages[2]!.parentId).toBe(view.messages[1]!.id);

      // The prompt the model saw: card, persona, examples, the greeting, then the user's line.
      const sent = server.requests.at(-1)!.messages;
      expect(sent[0]!.role).toBe("system");
      expect(sent[0]!.content).toContain("Mira keeps the lighthouse on the northern cape.");
      expect(sent[0]!.content).toContain("Ada");
      expect(sent[0]!.content).toContain("The keeper. Who else would be out here?");
      expect(sent.at(-1)).toMatchObject({ role: "user", content: "Hello, keeper." });

      const [candidate] = await listCandidates(db.store, OWNER, { chatId });
      expect(candidate).toMatchObject({
        id: done!.candidateId,
        messageId: done!.message.id,
        parentMessageId: view.messages[1]!.id,
        propensity: 1,
        orderPropensity: 1,
        siblingPosition: 0,
        displayedPosition: 0,
        status: "complete",
        kind: "reply",
        api: "chat",
        text: done!.message.text,
      });
      expect(candidate!.policy).toMatchObject({ policyId: "default", model: model.id, promptVersion: "character-v1" });
      expect(candidate!.manifest).toMatchObject({ characterId: character.id, characterVersion: 1, history: 2 });
      expect(candidate!.promptTokens).toBeGreaterThan(0);
      expect(candidate!.completionTokens).toBeGreaterThan(0);
      expect(candidate!.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it("regenerates as new siblings and keeps every earlier one", async () => {
      const { chatId } = await newChat();
      const first = dones(await collect(chats.sendMessage(OWNER, chatId, { text: "One" }, policyFor(model))))[0]!;
      server.setReply(sequence(["second take", "third take"]));
      const second = dones(await collect(chats.regenerate(OWNER, chatId, first.message.id, policyFor(model))))[0]!;
      const third = dones(await collect(chats.regenerate(OWNER, chatId, second.message.id, policyFor(model))))[0]!;
      expect(third.message.text).toBe("third take");
      let view = await chats.getChat(OWNER, chatId);
      const reply = view.messages.at(-1)!;
      expect(reply).toMatchObject({ id: third.message.id, siblingIndex: 2, siblingCount: 3 });
      expect(reply.siblingIds).toEqual([first.message.id, second.message.id, third.message.id]);
      view = await chats.selectMessage(OWNER, chatId, first.message.id);
      expect(view.messages.at(-1)).toMatchObject({ text: first.message.text, siblingIndex: 0, siblingCount: 3 });
      const logged = await listCandidates(db.store, OWNER, { chatId });
      expect(logged.map((c) => c.kind)).toEqual(["reply", "regenerate", "regenerate"]);
      expect(logged[1]!.retryOf).toBe(first.candidateId);
      expect(logged.map((c) => c.siblingPosition)).toEqual([0, 1, 2]);
    });

    it("gives racing regenerations distinct sibling positions", async () => {
      const { chatId } = await newChat();
      const first = dones(await collect(chats.sendMessage(OWNER, chatId, { text: "Race" }, policyFor(model))))[0]!;
      const [a, b, c] = await Promise.all(
        [1, 2, 3].map(() => collect(chats.regenerate(OWNER, chatId, first.message.id, policyFor(model)))),
      );
      const ids = [a!, b!, c!].map((events) => dones(events)[0]!.message.id);
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)!.siblingCount).toBe(4);
      expect(new Set(view.messages.at(-1)!.siblingIds)).toEqual(new Set([first.message.id, ...ids]));
      const positions = (await listCandidates(db.store, OWNER, { chatId })).map((x) => x.siblingPosition);
      expect([...positions].sort()).toEqual([0, 1, 2, 3]);
    });

    it("generates k candidates in one call and randomizes their order on the configured share", async () => {
      const random = new ChatService({ store: db.store, now: clock.now, rng: createRng(3), randomizeShare: 1 });
      const { chatId } = await newChat(random);
      const events = await collect(
        random.sendMessage(OWNER, chatId, { text: "Tell me three things.", candidates: 3 }, policyFor(model)),
      );
      const start = events.find((e) => e.type === "start") as Extract<ReplyEvent, { type: "start" }>;
      expect(start.replies.map((r) => r.displayedPosition).sort()).toEqual([0, 1, 2]);
      expect(dones(events).every((d) => d.message.status === "complete")).toBe(true);
      const logged = await listCandidates(db.store, OWNER, { chatId });
      expect(logged).toHaveLength(3);
      expect(new Set(logged.map((c) => c.batchId)).size).toBe(1);
      for (const c of logged) {
        expect(c.orderPropensity).toBeCloseTo(1 / 6, 12);
        expect(c.siblingPosition).toBe(c.displayedPosition);
        expect(c.batchSize).toBe(3);
      }
      const view = await random.getChat(OWNER, chatId);
      const shown = view.messages.at(-1)!;
      expect(shown.siblingCount).toBe(3);
      expect(shown.siblingIndex).toBe(0);
      const firstShown = logged.find((c) => c.displayedPosition === 0)!;
      expect(shown.candidateId).toBe(firstShown.id);

      // Share 0: generation order, propensity 1.
      const plain = new ChatService({ store: db.store, now: clock.now, rng: createRng(3), randomizeShare: 0 });
      const other = await newChat(plain);
      await collect(plain.sendMessage(OWNER, other.chatId, { text: "Two?", candidates: 2 }, policyFor(model)));
      const plainLog = await listCandidates(db.store, OWNER, { chatId: other.chatId });
      expect(plainLog.map((c) => [c.generationIndex, c.displayedPosition, c.orderPropensity])).toEqual([
        [0, 0, 1],
        [1, 1, 1],
      ]);
    });

    it("edits any message as a new version that keeps the original and what followed", async () => {
      const { chatId } = await newChat();
      await collect(chats.sendMessage(OWNER, chatId, { text: "I lost my compas." }, policyFor(model)));
      await collect(chats.sendMessage(OWNER, chatId, { text: "Can I stay?" }, policyFor(model)));
      const before = await chats.getChat(OWNER, chatId);
      const typo = before.messages[1]!;
      const edited = await chats.editMessage(OWNER, chatId, typo.id, "I lost my compass.");
      expect(edited).toMatchObject({ editOf: typo.id, origin: "edit", version: 1, text: "I lost my compass." });
      const after = await chats.getChat(OWNER, chatId);
      expect(after.messages.map((m) => m.text)).toEqual([
        before.messages[0]!.text,
        "I lost my compass.",
        before.messages[2]!.text,
        "Can I stay?",
        before.messages[4]!.text,
      ]);
      expect(after.messages[2]!.parentId).toBe(edited.id);
      // The reply to the edited message can still be chosen and edited in turn; the original stays readable.
      const reply = await chats.editMessage(OWNER, chatId, after.messages[2]!.id, "Sit by the fire.");
      expect(reply.editOf).toBe(after.messages[2]!.id);
      const branch = await chats.branchChat(OWNER, chatId, typo.id);
      expect(branch.messages.at(-1)).toMatchObject({ text: "I lost my compas.", copiedFrom: typo.id });
    });

    it("continues a reply as a new version with the added text", async () => {
      const { chatId } = await newChat();
      server.setReply(sequence(["The storm", " will pass by morning."]));
      const first = dones(
        await collect(chats.sendMessage(OWNER, chatId, { text: "Will it stop?" }, policyFor(model))),
      )[0]!;
      const events = await collect(chats.continueMessage(OWNER, chatId, first.message.id, policyFor(model)));
      const [done] = dones(events);
      expect(done!.message).toMatchObject({
        text: "The storm will pass by morning.",
        continuedFrom: first.message.id,
        origin: "continue",
        version: 1,
        status: "complete",
      });
      // Deltas carry only the new text (the provider holds back leading whitespace; done has the whole text).
      const added = events.filter((e) => e.type === "delta").map((e) => (e as { text: string }).text);
      expect(added.join("").trim()).toBe("will pass by morning.");
      // The model saw the reply so far as the last message.
      expect(server.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: "assistant", content: "The storm" });
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)!.id).toBe(done!.message.id);
      const logged = await listCandidates(db.store, OWNER, { chatId });
      expect(logged.at(-1)).toMatchObject({ kind: "continue", messageId: done!.message.id, text: done!.message.text });
    });

    it("deletes softly: a deleted swipe shows its neighbour, a deleted middle message leaves the rest", async () => {
      const { chatId } = await newChat();
      const a = dones(await collect(chats.sendMessage(OWNER, chatId, { text: "Hi" }, policyFor(model))))[0]!;
      const b = dones(await collect(chats.regenerate(OWNER, chatId, a.message.id, policyFor(model))))[0]!;
      await chats.deleteMessage(OWNER, chatId, b.message.id);
      let view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)).toMatchObject({ id: a.message.id, siblingCount: 1, siblingIndex: 0 });
      await collect(chats.sendMessage(OWNER, chatId, { text: "Still there?" }, policyFor(model)));
      view = await chats.getChat(OWNER, chatId);
      const hi = view.messages[1]!;
      await chats.deleteMessage(OWNER, chatId, hi.id);
      view = await chats.getChat(OWNER, chatId);
      expect(view.messages.map((m) => m.text)).not.toContain("Hi");
      expect(view.messages.map((m) => m.text)).toContain("Still there?");
      expect(view.messages).toHaveLength(4);
      await expect(chats.selectMessage(OWNER, chatId, hi.id)).rejects.toMatchObject({ code: "message.not_found" });
    });

    it("keeps an aborted reply's partial text as incomplete, never complete", async () => {
      const { chatId } = await newChat();
      server.setReply(() => ({ fault: "truncated_stream", mode: "stall" }));
      const abort = new AbortController();
      const events: ReplyEvent[] = [];
      const run = (async () => {
        for await (const e of chats.sendMessage(OWNER, chatId, { text: "Talk slowly." }, policyFor(model), {
          signal: abort.signal,
        })) {
          events.push(e);
          if (e.type === "delta") abort.abort();
        }
      })();
      await expect(run).rejects.toBeDefined();
      const partial = events
        .filter((e) => e.type === "delta")
        .map((e) => (e as { text: string }).text)
        .join("");
      expect(partial.length).toBeGreaterThan(0);
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)).toMatchObject({ status: "incomplete", finishReason: "aborted", text: partial });
      const [logged] = await listCandidates(db.store, OWNER, { chatId });
      expect(logged).toMatchObject({ status: "incomplete", finishReason: "aborted" });
    });

    it("stores an upstream failure as incomplete and throws it", async () => {
      const { chatId } = await newChat();
      server.setReply(() => ({ fault: "http", status: 400, message: "bad request" }));
      await expect(collect(chats.sendMessage(OWNER, chatId, { text: "Hm?" }, policyFor(model)))).rejects.toMatchObject({
        code: "llm.invalid_request",
      });
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)).toMatchObject({ role: "assistant", status: "incomplete", finishReason: "error" });
    });

    it("reports one failed candidate in-stream while the others finish", async () => {
      const { chatId } = await newChat();
      server.setReply((_r, i) => (i === 1 ? { fault: "http", status: 400 } : presets.hash(_r, i)));
      const events = await collect(
        chats.sendMessage(OWNER, chatId, { text: "Three", candidates: 3 }, policyFor(model)),
      );
      const done = dones(events);
      expect(done).toHaveLength(3);
      expect(done.filter((d) => d.error).length).toBe(1);
      expect(done.filter((d) => d.message.status === "complete").length).toBe(2);
    });

    it("marks replies whose lease expired after a crash as incomplete (recoverInterrupted)", async () => {
      const { chatId } = await newChat();
      server.setReply(() => ({ fault: "truncated_stream", mode: "stall" }));
      const stream = chats.sendMessage(OWNER, chatId, { text: "Crash now." }, policyFor(model));
      // Read until the first delta, then stop reading: the process "dies" with the row streaming.
      for (;;) {
        const next = await stream.next();
        if (next.done || next.value.type === "delta") break;
      }
      let view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)!.status).toBe("streaming");
      expect(await chats.recoverInterrupted(clock.peek())).toBe(0);
      // Once the lease ran out the reply reads as interrupted, before anything is stored about it.
      clock.advance(60_000);
      view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)).toMatchObject({ status: "incomplete", finishReason: "interrupted" });
      expect(await chats.recoverInterrupted()).toBe(1);
      view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)).toMatchObject({ status: "incomplete", finishReason: "interrupted" });
      const [logged] = await listCandidates(db.store, OWNER, { chatId });
      expect(logged).toMatchObject({ status: "incomplete", finishReason: "interrupted" });
      await stream.return(undefined);
      view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)!.status).toBe("incomplete");
    });

    it("sends with a client message id only once", async () => {
      const { chatId } = await newChat();
      const first = await collect(
        chats.sendMessage(OWNER, chatId, { text: "Once", clientMessageId: "c-1" }, policyFor(model)),
      );
      const calls = server.callCount;
      const again = await collect(
        chats.sendMessage(OWNER, chatId, { text: "Once", clientMessageId: "c-1" }, policyFor(model)),
      );
      expect(server.callCount).toBe(calls);
      expect(again.map((e) => e.type)).toEqual(["message", "done"]);
      expect(dones(again)[0]!.message.id).toBe(dones(first)[0]!.message.id);
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.filter((m) => m.text === "Once")).toHaveLength(1);
    });

    it("branches a chat from any message into a new linked chat", async () => {
      const { chatId } = await newChat();
      await collect(chats.sendMessage(OWNER, chatId, { text: "First" }, policyFor(model)));
      await collect(chats.sendMessage(OWNER, chatId, { text: "Second" }, policyFor(model)));
      const source = await chats.getChat(OWNER, chatId);
      const at = source.messages[2]!;
      const branch = await chats.branchChat(OWNER, chatId, at.id, { title: "What if" });
      expect(branch.chat).toMatchObject({ title: "What if", branchedFrom: { chatId, messageId: at.id } });
      expect(branch.messages.map((m) => m.text)).toEqual(source.messages.slice(0, 3).map((m) => m.text));
      expect(branch.messages[2]!.candidateId).toBe(at.candidateId);
      await collect(chats.sendMessage(OWNER, branch.chat.id, { text: "Elsewhere" }, policyFor(model)));
      expect((await chats.getChat(OWNER, chatId)).messages).toHaveLength(5);
      expect((await chats.listChats(OWNER)).map((c) => c.id)).toContain(branch.chat.id);
    });

    it("rates messages with thumbs and stars", async () => {
      const { chatId, view } = await newChat();
      const id = view.messages[0]!.id;
      expect(await chats.rateMessage(OWNER, chatId, id, { thumbs: 1 })).toEqual({ thumbs: 1, stars: null });
      expect(await chats.rateMessage(OWNER, chatId, id, { stars: 4 })).toEqual({ thumbs: 1, stars: 4 });
      await expect(chats.rateMessage(OWNER, chatId, id, { stars: 6 })).rejects.toBeInstanceOf(ChatError);
      expect((await chats.getChat(OWNER, chatId)).messages[0]!.rating).toEqual({ thumbs: 1, stars: 4 });
    });

    it("scopes everything by owner: another owner gets not-found from every method", async () => {
      const { chatId, character, view } = await newChat();
      await collect(chats.sendMessage(OWNER, chatId, { text: "Mine" }, policyFor(model)));
      const mid = (await chats.getChat(OWNER, chatId)).messages.at(-1)!.id;
      const greeting = view.messages[0]!.id;
      const notFound = { kind: "not_found" };
      const p = policyFor(model);
      const attempts: Array<() => Promise<unknown>> = [
        () => chats.getCharacter(OTHER, character.id),
        () => chats.updateCharacter(OTHER, character.id, { name: "Stolen" }),
        () => chats.exportCharacter(OTHER, character.id, "json"),
        () => chats.characterAvatar(OTHER, character.id),
        () => chats.deleteCharacter(OTHER, character.id),
        () => chats.createChat(OTHER, { characterId: character.id }),
        () => chats.getChat(OTHER, chatId),
        () => chats.chatSummary(OTHER, chatId),
        () => chats.deleteChat(OTHER, chatId),
        () => chats.branchChat(OTHER, chatId, mid),
        () => collect(chats.sendMessage(OTHER, chatId, { text: "Theirs" }, p)),
        () => collect(chats.regenerate(OTHER, chatId, mid, p)),
        () => collect(chats.continueMessage(OTHER, chatId, mid, p)),
        () => chats.selectMessage(OTHER, chatId, greeting),
        () => chats.editMessage(OTHER, chatId, mid, "x"),
        () => chats.deleteMessage(OTHER, chatId, mid),
        () => chats.rateMessage(OTHER, chatId, mid, { thumbs: -1 }),
      ];
      for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject(notFound);
      expect(await chats.listChats(OTHER)).toEqual([]);
      expect(await chats.listCharacters(OTHER)).toEqual([]);
      expect(await chats.listCandidates(OTHER)).toEqual([]);
      // Nothing changed for the owner.
      const mine = await chats.getChat(OWNER, chatId);
      expect(mine.messages).toHaveLength(3);
      expect(mine.messages.at(-1)!.rating).toBeNull();
      expect((await chats.getCharacter(OWNER, character.id)).name).toBe("Mira");
    });

    it("logs /v1 candidates without a chat", async () => {
      const ids = await chats.logCandidates(OWNER, [
        {
          batchId: "b1",
          batchSize: 2,
          generationIndex: 0,
          siblingPosition: 0,
          displayedPosition: 0,
          policyId: "split-a",
          policy: { model: "m" },
          manifest: { messages: 3 },
          propensity: 0.5,
          orderPropensity: 1,
          kind: "completion",
          api: "openai",
          status: "complete",
          text: "hello",
          createdAt: clock.now(),
        },
      ]);
      const [row] = await chats.listCandidates(OWNER, { batchId: "b1" });
      expect(row).toMatchObject({ id: ids[0], chatId: null, propensity: 0.5, api: "openai", text: "hello" });
    });

    it("waits for nothing it does not need: a chat is readable while a reply streams", async () => {
      const { chatId } = await newChat();
      server.setReply(() => ({ fault: "truncated_stream", mode: "stall" }));
      const abort = new AbortController();
      const seen: ReplyEvent[] = [];
      const run = collect(
        (async function* () {
          for await (const e of chats.sendMessage(OWNER, chatId, { text: "Wait" }, policyFor(model), {
            signal: abort.signal,
          })) {
            seen.push(e);
            yield e;
          }
        })(),
      ).catch(() => undefined);
      await waitUntil(() => seen.some((e) => e.type === "delta"));
      const view = await chats.getChat(OWNER, chatId);
      expect(view.messages.at(-1)!.status).toBe("streaming");
      abort.abort();
      await run;
    });
  });
}
