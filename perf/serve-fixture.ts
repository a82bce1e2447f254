// The data the serving benchmark runs against: a user with an API key, and a character (Mira) whose card carries a
// 10,000-entry lorebook (made-up names as keys, as fantasy lorebooks are) and who lives in a world of 10,000
// facts — Mira and nineteen others moving between places, picking things up and changing mood over a few
// thousand turns — reached through a world-backed chat, which /v1 serves as the model `world:<chatId>`.
import { ChatService } from "../src/chat/index.ts";
import { createWorldChat } from "../src/chat/world-chat-rows.ts";
import { createRng, type Rng } from "../src/core/index.ts";
import { IdentityStore } from "../src/server/auth/identity-store.ts";
import type { Store } from "../src/store/index.ts";
import {
  type Branch,
  buildNode,
  bulkInsertNodes,
  type EventDraft,
  Ledger,
  moveProjection,
  Projection,
  World,
  type WorldNode,
} from "../src/world/index.ts";

export const LOREBOOK_ENTRIES = 10_000;
export const WORLD_FACTS = 10_000;

const SYLLABLES = "ka ro th vel mar ith zo dra nor el sha qu ven lor ish tal bri gor an eth mir dun fal cor syl".split(
  " ",
);
const CAST = ["Mira", ...Array.from({ length: 19 }, (_, i) => `Sailor${i}`)];
const PLACES = Array.from({ length: 15 }, (_, i) => `Quay${i}`);
const ITEMS = Array.from({ length: 40 }, (_, i) => `Crate${i}`);
const pick = <T>(rng: Rng, list: readonly T[]) => list[rng.int(list.length)] as T;

/** What the benchmark needs to call the server. */
export interface SeededServe {
  key: string;
  /** The model name of the world-backed character: `world:<chatId>`. */
  model: string;
  lorebookEntries: number;
  worldFacts: number;
}

function lorebook(rng: Rng) {
  const name = () => {
    let s = "";
    for (let i = 0; i < 3; i++) s += pick(rng, SYLLABLES);
    return s[0]?.toUpperCase() + s.slice(1);
  };
  return {
    name: "Gull Harbor",
    extensions: {},
    entries: Array.from({ length: LOREBOOK_ENTRIES }, (_, i) => ({
      keys: [`${name()}${i}`],
      content: `Entry ${i}: a place of the harbour country with its own customs and old quarrels.`,
      enabled: true,
      insertion_order: 100,
      use_regex: false,
      extensions: {},
    })),
  };
}

/** One turn: a line and two or three changes of where people are, what they hold, how they feel. */
function turnDrafts(rng: Rng): EventDraft[] {
  const speaker = pick(rng, CAST);
  const witnesses = [speaker, pick(rng, CAST), pick(rng, CAST)];
  const drafts: EventDraft[] = [
    {
      kind: "happened",
      payload: { description: `${speaker} speaks`, utterance: { speaker, text: "…" }, importance: 1 + rng.int(10) },
      witnesses,
    },
  ];
  for (let i = 0, n = 2 + rng.int(2); i < n; i++) {
    const who = pick(rng, CAST);
    const r = rng.next();
    const payload =
      r < 0.5
        ? { op: "set", subject: who, predicate: "at", object: pick(rng, PLACES) }
        : r < 0.8
          ? { op: "add", subject: who, predicate: "holds", object: pick(rng, ITEMS) }
          : { op: "set", subject: who, predicate: "mood", object: pick(rng, ["calm", "wary", "glad", "afraid"]) };
    drafts.push({ kind: "changed", payload, causedBy: ["#0"], witnesses });
  }
  return drafts;
}

/** Seed the store: user, key, Mira with her lorebook, her world of 10,000 facts, and a world-backed chat. */
export async function seedServeFixture(store: Store): Promise<SeededServe> {
  const identity = await IdentityStore.open(store);
  const user = await identity.createUser({ name: "perf" });
  const { key } = await identity.createKey(user.id, "perf");
  const rng = createRng("serve-perf");
  const book = lorebook(rng);
  const chats = new ChatService({ store });
  const mira = {
    name: "Mira",
    description: "Mira keeps the harbour light of Gull Harbor and knows every ship that comes in.",
    personality: "wry, watchful, kind to strangers",
    scenario: "A storm has just passed; a damaged ship is in the harbour.",
    first_mes: 'Mira looks up from the logbook. "You came in with the Gull?"',
  };
  await chats.createCharacter(user.id, { ...mira, character_book: book });

  const world = await World.create(store, {
    name: "Gull Harbor",
    userName: "Alex",
    cast: CAST.map((name) =>
      name === "Mira"
        ? {
            name,
            description: mira.description,
            personality: mira.personality,
            scenario: mira.scenario,
            firstMessage: mira.first_mes,
          }
        : { name, description: `${name} crews a fishing boat.` },
    ),
    lorebooks: [{ name: book.name, scope: "character", book }],
  });
  // Build the history in memory (so event references stay valid), then bulk-insert it.
  const ledger = new Ledger();
  const p = new Projection();
  const root = world.head();
  ledger.add(root);
  p.apply(root);
  const nodes: WorldNode[] = [];
  let head = root;
  for (let n = 0; p.facts.size < WORLD_FACTS; n++) {
    const node = buildNode(
      ledger,
      { storyTime: head.storyTime + 5, events: turnDrafts(rng), speaker: "x", text: "…" },
      head,
      "main",
      { id: `${world.id}.p${n}`, now: 0, startTime: 0, onBranch: (id) => p.hasEvent(id) },
    );
    ledger.add(node);
    moveProjection(p, ledger, node.id);
    nodes.push(node);
    head = node;
  }
  const now = Date.now();
  const branches: Branch[] = [{ name: "main", head: head.id, status: "active", createdAt: now, updatedAt: now }];
  for (let i = 0; i < nodes.length; i += 2_000)
    await bulkInsertNodes(store, world.id, nodes.slice(i, i + 2_000), i + 2_000 >= nodes.length ? branches : []);
  const reopened = await World.open(store, world.id);
  const chatId = await createWorldChat({ store }, user.id, reopened, { title: "Gull Harbor" });
  return { key, model: `world:${chatId}`, lorebookEntries: LOREBOOK_ENTRIES, worldFacts: p.facts.size };
}
