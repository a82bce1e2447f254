// A world-backed chat started from an owner's own characters: the cast from their cards (lorebooks along), the
// persona as the world's user, refusals for someone else's character or a clashing name, and the world deleted
// with its last chat. On SQLite and PostgreSQL.
import { afterAll, describe, expect, it } from "vitest";
import { ChatError, ChatService, createWorldChat, createWorldChatFromCharacters } from "../../src/chat/index.ts";
import { listWorlds, World } from "../../src/world/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const opened: TestStore[] = [];
afterAll(async () => {
  for (const db of opened) await db.cleanup();
});

describe.each(await storeFactories())("world chats from characters (%s)", (_name, open) => {
  it("makes a world of the owner's cards with the persona as its user, and a chat greeted by the first", async () => {
    const db = await open("world_chat_start");
    opened.push(db);
    const chats = new ChatService({ store: db.store });
    const mara = await chats.createCharacter("u1", {
      name: "Mara",
      first_mes: "Ahoy, {{user}}.",
      character_book: {
        name: "Harbour",
        entries: [{ keys: ["ferry"], content: "The ferry leaves at dusk.", enabled: true, insertion_order: 0 }],
      },
    });
    const jun = await chats.createCharacter("u1", { name: "Jun", first_mes: "Hello." });
    const { chatId, world } = await createWorldChatFromCharacters({ store: db.store }, "u1", {
      characterIds: [mara.id, jun.id],
      persona: { name: "Alex", description: "A traveller." },
      title: "Harbour",
    });
    expect(world.setup.cast.map((c) => c.name)).toEqual(["Mara", "Jun"]);
    expect(world.setup.userName).toBe("Alex");
    expect(world.setup.persona).toBe("A traveller.");
    expect(world.setup.lorebooks.map((l) => l.name)).toEqual(["Harbour"]);
    const view = await chats.getChat("u1", chatId);
    expect(view.chat).toMatchObject({ title: "Harbour", worldId: world.id, persona: { name: "Alex" } });
    expect(view.messages.map((m) => [m.speaker, m.text])).toEqual([["Mara", "Ahoy, Alex."]]);

    // Another owner cannot cast these characters; a persona named like a character is refused.
    await expect(
      createWorldChatFromCharacters({ store: db.store }, "u2", { characterIds: [mara.id] }),
    ).rejects.toMatchObject({ kind: "not_found" });
    const clash = createWorldChatFromCharacters({ store: db.store }, "u1", {
      characterIds: [mara.id],
      persona: { name: "Mara", description: "" },
    });
    await expect(clash).rejects.toBeInstanceOf(ChatError);
    await expect(clash).rejects.toMatchObject({ kind: "invalid" });
    await expect(
      createWorldChatFromCharacters({ store: db.store }, "u1", { characterIds: [mara.id, mara.id] }),
    ).rejects.toMatchObject({ kind: "invalid" });
  });

  it("deletes a chat's world with its last chat, and keeps a world another chat is still on", async () => {
    const db = await open("world_chat_delete");
    opened.push(db);
    const chats = new ChatService({ store: db.store });
    const mara = await chats.createCharacter("u1", { name: "Mara", first_mes: "Ahoy." });
    const alone = await createWorldChatFromCharacters({ store: db.store }, "u1", { characterIds: [mara.id] });
    await chats.deleteChat("u1", alone.chatId);
    expect((await listWorlds(db.store)).map((w) => w.id)).not.toContain(alone.world.id);
    await expect(World.open(db.store, alone.world.id)).rejects.toThrow();

    const shared = await createWorldChatFromCharacters({ store: db.store }, "u1", { characterIds: [mara.id] });
    const second = await createWorldChat({ store: db.store }, "u1", shared.world);
    await chats.deleteChat("u1", shared.chatId);
    expect((await listWorlds(db.store)).map((w) => w.id)).toContain(shared.world.id);
    await chats.deleteChat("u1", second);
    expect((await listWorlds(db.store)).map((w) => w.id)).not.toContain(shared.world.id);
  });
});
