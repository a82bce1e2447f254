import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readCard } from "../../src/cards/index.ts";
import { ChatService, listCandidates } from "../../src/chat/index.ts";
import type { ChatModel } from "../../src/llm/index.ts";
import { type FakeLlmServer, presets, startFakeLlmServer } from "../support/fake-llm-server.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";
import { cardBytes, collect, dones, fakeServerModel, policyFor, tickingClock } from "./chat-fixtures.ts";

let server: FakeLlmServer;
let model: ChatModel;
beforeAll(async () => {
  server = await startFakeLlmServer({ reply: presets.hash });
  model = fakeServerModel(server);
});
afterAll(() => server.close());

const OWNER = "owner-1";

for (const [dialect, open] of await storeFactories()) {
  describe(`characters on ${dialect}`, () => {
    let db: TestStore;
    let chats: ChatService;
    beforeAll(async () => {
      db = await open("chat_characters");
    });
    afterAll(() => db.cleanup());
    beforeEach(() => {
      chats = new ChatService({ store: db.store, now: tickingClock().now });
    });

    it("imports the real PNG cards, keeps their avatar and exports them without loss", async () => {
      for (const file of ["default_Seraphina.png", "default_FluxTheCat.png", "default_CodingSensei.png"]) {
        const bytes = cardBytes(file);
        const original = readCard(bytes);
        const character = await chats.importCharacter(OWNER, bytes);
        expect(character).toMatchObject({ name: original.card.data.name, version: 1, hasAvatar: true });
        expect(character.source).toMatchObject({ spec: "v2", container: "png", chunk: "chara" });
        expect(Buffer.from((await chats.characterAvatar(OWNER, character.id))!).equals(Buffer.from(bytes))).toBe(true);

        // JSON export stays V2 and keeps unknown extensions (talkativeness, fav, world, depth_prompt) as they were.
        const json = await chats.exportCharacter(OWNER, character.id, "json");
        expect(json.contentType).toBe("application/json");
        const exported = JSON.parse(Buffer.from(json.bytes).toString("utf8"));
        expect(exported.spec).toBe("chara_card_v2");
        const originalJson = original.original as { data: { extensions: unknown } };
        expect(exported.data.extensions).toEqual(originalJson.data.extensions);

        // PNG and CharX round trips read back to the same card (a CharX carries the avatar as its main icon).
        const png = await chats.exportCharacter(OWNER, character.id, "png");
        expect(readCard(png.bytes).card.data).toEqual(original.card.data);
        const charx = await chats.exportCharacter(OWNER, character.id, "charx");
        expect(charx.fileName.endsWith(".charx")).toBe(true);
        const { assets, ...rest } = readCard(charx.bytes).card.data;
        expect(rest).toEqual(original.card.data);
        expect(assets).toEqual([
          { type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" },
        ]);
        const fromCharx = await chats.importCharacter(OWNER, charx.bytes);
        expect(fromCharx.source.container).toBe("charx");
        const icon = await chats.characterAvatar(OWNER, fromCharx.id);
        expect(Buffer.from(icon!).equals(Buffer.from(bytes))).toBe(true);
        await chats.deleteCharacter(OWNER, fromCharx.id);
      }
      const listed = await chats.listCharacters(OWNER);
      expect(listed.map((c) => c.name).sort()).toEqual(["Coding Sensei", "Flux the Cat", "Seraphina"]);
      expect(listed.every((c) => c.hasAvatar)).toBe(true);
    });

    it("refuses a lorebook or garbage as a card with an actionable error", async () => {
      await expect(chats.importCharacter(OWNER, cardBytes("Eldoria.json"))).rejects.toMatchObject({
        kind: "invalid",
        code: "character.invalid_card",
      });
      await expect(chats.importCharacter(OWNER, new TextEncoder().encode("hello"))).rejects.toMatchObject({
        code: "character.invalid_card",
      });
    });

    it("creates from fields, updates with a version bump, exports a created card and deletes it", async () => {
      const created = await chats.createCharacter(OWNER, { name: "Vera", description: "A cartographer." });
      expect(created).toMatchObject({ version: 1, hasAvatar: false });
      expect(created.card.spec).toBe("chara_card_v3");
      const updated = await chats.updateCharacter(OWNER, created.id, { personality: "curious", tags: ["maps"] });
      expect(updated).toMatchObject({ version: 2, tags: ["maps"] });
      expect(updated.card.data).toMatchObject({ description: "A cartographer.", personality: "curious" });
      await expect(chats.updateCharacter(OWNER, created.id, { name: " " })).rejects.toMatchObject({ kind: "invalid" });
      const png = await chats.exportCharacter(OWNER, created.id, "png");
      expect(readCard(png.bytes).card.data.personality).toBe("curious");
      await chats.deleteCharacter(OWNER, created.id);
      await expect(chats.getCharacter(OWNER, created.id)).rejects.toMatchObject({ code: "character.not_found" });
    });

    it("serves prompt characters from a per-version card cache", async () => {
      const created = await chats.createCharacter(OWNER, { name: "Cached", description: "v1" });
      const a = await chats.promptCharacter(OWNER, created.id);
      const b = await chats.promptCharacter(OWNER, created.id);
      expect(a.card).toBe(b.card);
      expect(a.version).toBe(1);
      await chats.updateCharacter(OWNER, created.id, { description: "v2" });
      const c = await chats.promptCharacter(OWNER, created.id);
      expect(c).toMatchObject({ version: 2, card: { data: { description: "v2" } } });
      await expect(chats.promptCharacter("someone-else", created.id)).rejects.toMatchObject({ kind: "not_found" });
    });

    it("chats with Seraphina: her lorebook entry joins the prompt when its key is mentioned", async () => {
      const seraphina = await chats.importCharacter(OWNER, cardBytes("default_Seraphina.png"));
      const view = await chats.createChat(OWNER, {
        characterId: seraphina.id,
        persona: { name: "Ada", description: "" },
      });
      expect(view.messages[0]!.text).toContain("Seraphina");
      expect(view.messages[0]!.text).not.toContain("{{char}}");
      const done = dones(
        await collect(chats.sendMessage(OWNER, view.chat.id, { text: "What lives in this forest?" }, policyFor(model))),
      )[0]!;
      const system = server.requests.at(-1)!.messages[0]!.content ?? "";
      expect(system).toContain("Eldoria is here, all of the woods.");
      const [candidate] = await listCandidates(db.store, OWNER, { messageId: done.message.id });
      const lore = (candidate!.manifest as { lore: Array<{ title: string; reason: string }> }).lore;
      expect(lore.length).toBeGreaterThan(0);
      expect(lore.some((l) => /forest|eldoria/i.test(l.reason))).toBe(true);
      // A deleted character leaves its chats readable but unable to reply.
      await chats.deleteCharacter(OWNER, seraphina.id);
      expect((await chats.getChat(OWNER, view.chat.id)).messages).toHaveLength(3);
      await expect(
        collect(chats.sendMessage(OWNER, view.chat.id, { text: "Hello?" }, policyFor(model))),
      ).rejects.toMatchObject({ code: "chat.no_character" });
    });
  });
}
