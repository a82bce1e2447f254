// Child process for the kill -9 test: commits turns to a world as fast as it can and reports each one after
// the commit returned. The parent kills it at a random moment.
import { openStore } from "../../src/store/index.ts";
import { World } from "../../src/world/index.ts";

const [home, worldRef] = process.argv.slice(2) as [string, string | undefined];
const store = await openStore({ home });
const world = worldRef
  ? await World.open(store, worldRef)
  : await World.create(store, { name: "crash", cast: [{ name: "Mara" }, { name: "Joel" }], startTime: 0 });
process.stdout.write(`world ${world.id}\n`);
const places = ["tavern", "forest", "harbor", "mill"];
for (let i = 0; ; i++) {
  const events = [
    {
      kind: "happened" as const,
      payload: { description: `step ${i}`, utterance: { speaker: "Mara", text: `line ${i}` } },
      witnesses: ["*"],
    },
  ];
  for (let k = 0; k < 7; k++)
    events.push({
      kind: "changed" as const,
      payload: { op: "set", subject: k % 2 ? "Mara" : "Joel", predicate: "at", object: places[(i + k) % 4] },
      causedBy: ["#0"],
      witnesses: ["Mara"],
    } as never);
  const node = await world.commit({
    speaker: "Mara",
    text: `line ${i}`,
    storyTime: world.head().storyTime + 1,
    events,
  });
  process.stdout.write(`committed ${node.turn}\n`);
}
