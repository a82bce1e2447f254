import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import {
  Cassette,
  CassetteError,
  CassetteMissError,
  type ChatRequest,
  closeCassettes,
  collectStream,
  createFakeModel,
  openCassette,
  parseCassette,
  withCassette,
  wrapModel,
} from "../../src/llm/index.ts";

const ask = (content: string): ChatRequest => ({ messages: [{ role: "user", content }] });
const tempPath = () => join(mkdtempSync(join(tmpdir(), "troupe-cassette-")), "run.jsonl");

afterEach(() => closeCassettes());

describe("cassettes", () => {
  it("records calls as JSONL and replays them without the model", async () => {
    const path = tempPath();
    const recorder = createFakeModel({ name: "m" });
    const recording = wrapModel(recorder, withCassette(await Cassette.load(path), "record"));
    const a = await recording.chat(ask("one"), { role: "player", seed: 1, runIndex: 1 });
    const b = await collectStream(recording.stream(ask("two"), { role: "judge" }));
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      v: 1,
      model: "fake:m",
      role: "player",
      seed: 1,
      runIndex: 1,
      request: ask("one"),
    });
    expect(lines[0].result.text).toBe(a.text);

    const silent = createFakeModel({ name: "m", script: { default: () => "the live model must not be called" } });
    const replaying = wrapModel(silent, withCassette(await Cassette.load(path), "replay"));
    expect(await replaying.chat(ask("one"), { role: "player", seed: 1, runIndex: 1 })).toMatchObject({
      text: a.text,
      cached: true,
      latencyMs: 0,
    });
    const chunks = [];
    for await (const c of replaying.stream(ask("two"), { role: "judge" })) chunks.push(c);
    expect(chunks).toEqual([
      { type: "delta", text: b.text },
      { type: "finish", result: expect.objectContaining({ text: b.text, cached: true }) },
    ]);
    expect(silent.calls).toHaveLength(0);
  });

  it("fails clearly on a replay miss, and auto mode records what is missing", async () => {
    const path = tempPath();
    const model = createFakeModel({ name: "m" });
    const replay = wrapModel(model, withCassette(await Cassette.load(path), "replay"));
    const miss = await replay.chat(ask("new"), { role: "player", seed: 3 }).catch((e) => e);
    expect(miss).toBeInstanceOf(CassetteMissError);
    expect(miss.code).toBe("llm.cassette_miss");
    expect(miss.hint).toMatch(/Re-record/);
    expect(model.calls).toHaveLength(0);

    const auto = wrapModel(model, withCassette(await Cassette.load(path), "auto"));
    expect((await auto.chat(ask("new"))).cached).toBeUndefined();
    // An equal call is interchangeable with the recorded one, as in a cache.
    expect((await auto.chat(ask("new"))).cached).toBe(true);
    expect(model.calls).toHaveLength(1);
    const again = wrapModel(model, withCassette(await Cassette.load(path), "auto"));
    expect((await again.chat(ask("new"))).cached).toBe(true);
    expect((await again.chat(ask("other"))).cached).toBeUndefined();
    expect(model.calls).toHaveLength(2);
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("replays equal calls in recorded order, then repeats the last", async () => {
    const path = tempPath();
    let n = 0;
    const model = createFakeModel({ script: { default: () => `answer ${n++}` } });
    const rec = wrapModel(model, withCassette(await Cassette.load(path), "record"));
    await rec.chat(ask("same"));
    await rec.chat(ask("same"));
    const replay = wrapModel(model, withCassette(await Cassette.load(path), "replay"));
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await replay.chat(ask("same"))).text);
    expect(texts).toEqual(["answer 0", "answer 1", "answer 1"]);
  });

  it("drops a torn last line on load and cuts it from the file before appending", async () => {
    const path = tempPath();
    const model = createFakeModel();
    await wrapModel(model, withCassette(await Cassette.load(path), "record")).chat(ask("kept"));
    appendFileSync(path, '{"v":1,"key":"abc","result":{"text":"half');
    const cassette = await Cassette.load(path);
    expect(cassette.size).toBe(1);
    expect(cassette.hadTornTail).toBe(true);
    await wrapModel(model, withCassette(cassette, "record")).chat(ask("after the crash"));
    await cassette.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((l) => JSON.parse(l).request.messages[0].content)).toEqual([
      "kept",
      "after the crash",
    ]);
  });

  it("refuses a cassette damaged anywhere but the last line", () => {
    const good = JSON.stringify({ v: 1, key: "k", result: { text: "x" } });
    expect(() => parseCassette(`${good}\nnot json\n${good}\n`, "c.jsonl")).toThrow(CassetteError);
    expect(() => parseCassette(`${good}\nnot json\n${good}\n`, "c.jsonl")).toThrow(/line 2 is damaged/);
    expect(parseCassette(`${good}\n\n${good}`, "c.jsonl")).toMatchObject({ tornTail: false, missingNewline: true });
    expect(parseCassette("", "c.jsonl").entries).toEqual([]);
  });

  it("shares one cassette per path between models", async () => {
    const path = tempPath();
    expect(await openCassette(path)).toBe(await openCassette(join(path, "..", "run.jsonl")));
  });

  it("survives kill -9 mid-recording: every acknowledged call is on disk and the file stays usable", async () => {
    const path = tempPath();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures/cassette-writer.ts"), path],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let acknowledged = -1;
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        acknowledged = Number(line.split(" ")[1]);
        if (acknowledged >= 40) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((r) => child.once("exit", r));
    const cassette = await Cassette.load(path);
    expect(cassette.size).toBeGreaterThanOrEqual(acknowledged + 1);
    const replay = wrapModel(createFakeModel(), withCassette(cassette, "replay"));
    for (let i = 0; i <= acknowledged; i++) {
      const r = await replay.chat(ask(`call ${i}`), { role: "player" });
      expect(r.text.startsWith(`call ${i} `)).toBe(true);
    }
    // Appending after the crash leaves a file that parses completely.
    await wrapModel(createFakeModel(), withCassette(cassette, "record")).chat(ask("resumed"));
    await cassette.close();
    const reread = parseCassette(readFileSync(path, "utf8"), path);
    expect(reread.tornTail).toBe(false);
    expect(reread.entries.at(-1)?.request.messages[0]?.content).toBe("resumed");
  }, 30_000);

  it("writes nothing in replay mode", async () => {
    const path = tempPath();
    writeFileSync(path, '{"v":1,"key":"k","result":{"text":"x"}}\n{"torn');
    const before = readFileSync(path, "utf8");
    const replay = wrapModel(createFakeModel(), withCassette(await Cassette.load(path), "replay"));
    await replay.chat(ask("x")).catch(() => {});
    expect(readFileSync(path, "utf8")).toBe(before);
  });
});
