import { once } from "node:events";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  assertSuiteValid,
  BenchDataError,
  DialogueSchema,
  fetchOfficialFile,
  formatRowIssue,
  loadDialogueSource,
  loadDialoguesFile,
  loadEvaluationsFile,
  loadSeedsFile,
  loadSuiteText,
  resolveSuite,
} from "../../src/bench/index.ts";
import { ExitCode } from "../../src/core/index.ts";
import { openTestSqlite } from "../support/stores.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const tmp = () => mkdtempSync(join(tmpdir(), "troupe-bench-loaders-"));
const seed = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  ai_name: "Ada",
  ai_setting: "A careful archivist.",
  user_name: "Sam",
  user_setting: "A visitor.",
  ai_prologue: "*looks up* Yes?",
  initial_user_input: "*look at you*",
  ...over,
});
const line = (v: unknown) => `${JSON.stringify(v)}\n`;

describe("seed files (JSONL)", () => {
  it("keeps valid rows and names the file, row and field of every bad one", async () => {
    const dir = tmp();
    const file = join(dir, "seeds.jsonl");
    const { ai_name: _drop, ...missing } = seed("en_dialogue_002");
    writeFileSync(
      file,
      [
        line(seed("en_dialogue_001", { extra_key: "tolerated" })),
        line(missing),
        line(seed("en_dialogue_003", { user_setting: 42 })),
        line(seed("en_dialogue_004", { ai_prologue: "   " })),
        "{not json}\n",
        "\n",
        line(["an", "array"]),
        line(seed("en_dialogue_001")),
        line(seed("en_dialogue_009")),
      ].join(""),
    );
    const loaded = await loadSeedsFile(file);
    expect(loaded.rows.map((r) => r.id)).toEqual(["en_dialogue_001", "en_dialogue_009"]);
    expect(loaded.rowNumbers).toEqual([1, 9]);
    expect(loaded.rows[0]?.lang).toBe("en");
    const issues = loaded.issues.map((i) => [i.row, i.field, i.code]);
    expect(issues).toEqual([
      [2, "ai_name", "missing_field"],
      [3, "user_setting", "wrong_type"],
      [4, "ai_prologue", "empty"],
      [5, undefined, "invalid_json"],
      [7, undefined, "not_an_object"],
      [8, "id", "duplicate_id"],
    ]);
    expect(formatRowIssue(loaded.issues[1]!)).toBe(`${file}:3: user_setting: must be a string, got number`);
  });

  it("reports invalid UTF-8 per line and keeps the lines around it", async () => {
    const file = join(tmp(), "seeds.jsonl");
    const good = Buffer.from(line(seed("a_1")));
    const bad = Buffer.concat([
      Buffer.from(JSON.stringify(seed("a_2")).slice(0, 30)),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}\n'),
    ]);
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good, bad, Buffer.from(line(seed("a_3")).replace("\n", "\r\n"))]),
    );
    const loaded = await loadSeedsFile(file);
    expect(loaded.rows.map((r) => r.id)).toEqual(["a_1", "a_3"]);
    expect(loaded.issues).toEqual([{ file, row: 2, code: "invalid_utf8", message: "is not valid UTF-8" }]);
  });

  it("skips a 50 MB line with a clear error, without holding it, and keeps the rows after it", async () => {
    const file = join(tmp(), "big.jsonl");
    const fd = openSync(file, "w");
    writeSync(fd, line(seed("b_1")));
    writeSync(fd, '{"id":"b_2","ai_setting":"');
    const chunk = "x".repeat(1024 * 1024);
    for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    writeSync(fd, '"}\n');
    writeSync(fd, line(seed("b_3")));
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const loaded = await loadSeedsFile(file);
    const grown = process.memoryUsage().rss - before;
    expect(loaded.rows.map((r) => r.id)).toEqual(["b_1", "b_3"]);
    expect(loaded.issues).toHaveLength(1);
    expect(loaded.issues[0]).toMatchObject({ row: 2, code: "line_too_long" });
    expect(loaded.issues[0]?.message).toMatch(/line is 50\.0 MiB, over the 16\.0 MiB limit; skipped/);
    // Streaming: far less than the line itself is held.
    expect(grown).toBeLessThan(45 * 1024 * 1024);
  });

  it("infers the language from official id prefixes and Chinese text", async () => {
    const file = join(tmp(), "seeds.jsonl");
    writeFileSync(
      file,
      line(seed("zh_dialogue_001")) +
        line(
          seed("custom_1", { ai_setting: "林砚秋，四十二岁，在江南古镇开了一间修表铺。", ai_prologue: "今天不接活。" }),
        ),
    );
    const loaded = await loadSeedsFile(file);
    expect(loaded.rows.map((r) => r.lang)).toEqual(["zh", "zh"]);
  });
});

describe("Parquet files (hyparquet)", () => {
  it("loads seeds with the same validation as JSONL, including invalid UTF-8 cells", async () => {
    const loaded = await loadSeedsFile(join(FIXTURES, "seeds.parquet"));
    expect(loaded.rows.map((r) => r.id)).toEqual(["en_pq_001", "en_pq_005"]);
    expect(loaded.issues.map((i) => [i.row, i.field, i.code])).toEqual([
      [2, "ai_name", "missing_field"],
      [3, "user_setting", "empty"],
      [4, "ai_prologue", "invalid_utf8"],
    ]);
  });

  it("loads dialogues (int64 num_turns, dialogue as a JSON string) and evaluations", async () => {
    const d = await loadDialoguesFile(join(FIXTURES, "dialogues.parquet"));
    expect(d.rows.map((r) => [r.seed_id, r.run_id, r.num_turns, r.dialogue.length])).toEqual([
      ["en_pq_001", "run_1", 4, 4],
      ["en_pq_005", "run_1", 6, 6],
    ]);
    expect(d.issues).toHaveLength(1);
    expect(d.issues[0]).toMatchObject({ row: 2, field: "dialogue", code: "invalid_value" });
    expect(d.issues[0]?.message).toMatch(/is a string but not valid JSON/);
    const e = await loadEvaluationsFile(join(FIXTURES, "evaluations.parquet"));
    expect(e.issues).toEqual([]);
    expect(e.rows[1]).toMatchObject({ seed_id: "en_pq_005", basics_score: 60.5, interaction_score: 65.5 });
  });

  it("reports a file that is not Parquet at all", async () => {
    const file = join(tmp(), "seeds.parquet");
    writeFileSync(file, "this is not parquet");
    const loaded = await loadSeedsFile(file);
    expect(loaded.rows).toEqual([]);
    expect(loaded.issues[0]?.code).toBe("invalid_parquet");
  });
});

describe("dialogues and evaluations (JSONL)", () => {
  const turns = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ role: i % 2 ? "user" : "ai", round: i, text: `t${i}`, extra: 1 }));
  it("parses `dialogue` twice when it is a string, tolerates extra keys, and checks the protocol", async () => {
    const file = join(tmp(), "dialogues.jsonl");
    writeFileSync(
      file,
      line({
        seed_id: "s",
        model_name: "m",
        run_id: "run_1",
        num_turns: 4,
        dialogue: JSON.stringify(turns(4)),
        unknown: true,
      }) +
        line({ seed_id: "s", model_name: "m", run_id: "run_2", num_turns: 4, dialogue: turns(4) }) +
        line({ seed_id: "s", model_name: "m", run_id: "run_3", num_turns: 5, dialogue: turns(4) }) +
        line({
          seed_id: "s",
          model_name: "m",
          run_id: "run_4",
          num_turns: 2,
          dialogue: [
            { role: "user", round: 0, text: "x" },
            { role: "ai", round: 1, text: "y" },
          ],
        }) +
        line({
          seed_id: "s",
          model_name: "m",
          run_id: "run_5",
          num_turns: 1,
          dialogue: [{ role: "ai", round: 0, text: 7 }],
        }),
    );
    const loaded = await loadDialoguesFile(file);
    expect(loaded.rows.map((r) => r.run_id)).toEqual(["run_1", "run_2"]);
    expect(loaded.rows[0]?.dialogue[1]).toEqual({ role: "user", round: 1, text: "t1" });
    expect(loaded.issues.map((i) => [i.row, i.field])).toEqual([
      [3, "num_turns"],
      [4, "dialogue.0.round"],
      [5, "dialogue.0.text"],
    ]);
    expect(loaded.issues[0]?.message).toBe("is 5 but dialogue has 4 turns");
    expect(() =>
      DialogueSchema.parse({ seed_id: "s", model_name: "m", run_id: "r", num_turns: 0, dialogue: "[]" }),
    ).not.toThrow();
  });

  it("validates evaluation scores", async () => {
    const file = join(tmp(), "evaluations.jsonl");
    const row = {
      seed_id: "s",
      model_name: "m",
      run_id: "run_1",
      basics_score: 80,
      logic_score: 70.5,
      knowledge_score: 90,
      diversity_score: 60,
      content_logic_score: 75,
      interaction_score: 95,
    };
    writeFileSync(file, line(row) + line({ ...row, logic_score: 140 }) + line({ ...row, diversity_score: "high" }));
    const loaded = await loadEvaluationsFile(file);
    expect(loaded.rows).toHaveLength(1);
    expect(loaded.issues.map((i) => [i.row, i.field])).toEqual([
      [2, "logic_score"],
      [3, "diversity_score"],
    ]);
  });
});

describe("suites", () => {
  it("reads troupe YAML suites and names scenario number, field and line of problems", () => {
    const text = `name: mine
lang: zh
scenarios:
  - id: a
    ai_name: 甲
    ai_setting: 设定
    user_name: 乙
    user_setting: 用户
    ai_prologue: 你好
    initial_user_input: 嗯
  - id: b
    ai_name: ""
    ai_setting: x
    user_name: y
    user_setting: z
    ai_prologue: p
`;
    const suite = loadSuiteText(text, "mine.yaml");
    expect(suite.name).toBe("mine");
    expect(suite.scenarios.map((s) => [s.id, s.lang])).toEqual([["a", "zh"]]);
    expect(suite.issues.map((i) => [i.row, i.field, i.code])).toEqual([
      [2, "ai_name", "empty"],
      [2, "initial_user_input", "missing_field"],
    ]);
    expect(suite.issues[0]?.message).toBe("is empty (line 12)");
    expect(() => assertSuiteValid(suite, false)).toThrow(BenchDataError);
    expect(() => assertSuiteValid(suite, true)).not.toThrow();
  });

  it("rejects a file that is not a suite, and an unknown suite name, with hints", async () => {
    expect(() => loadSuiteText("scenarios: 3\n", "x.yaml")).toThrow(/scenarios: must be a list of scenarios/);
    expect(() => loadSuiteText("a: [\n", "x.yaml")).toThrow(/not valid YAML/);
    await expect(resolveSuite("no-such-suite")).rejects.toMatchObject({ code: "bench.unknown_suite" });
  });

  it("finds the seeds in a folder of official files (data/<lang>/seeds.jsonl)", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "data", "en"), { recursive: true });
    mkdirSync(join(dir, "data", "zh"), { recursive: true });
    writeFileSync(join(dir, "data", "en", "seeds.jsonl"), line(seed("x_1")));
    writeFileSync(join(dir, "data", "zh", "seeds.jsonl"), line(seed("x_2")));
    const suite = await resolveSuite(dir);
    expect(suite.scenarios.map((s) => [s.id, s.lang])).toEqual([
      ["x_1", "en"],
      ["x_2", "zh"],
    ]);
    await expect(resolveSuite(tmp())).rejects.toMatchObject({ code: "bench.no_seeds_in_folder" });
  });
});

describe("official download", () => {
  it("downloads once into the cache with progress, and never caches a truncated file", async () => {
    let hits = 0;
    let truncate = false;
    const body = line(seed("en_dialogue_001")) + line(seed("en_dialogue_002"));
    const server = createServer((req, res) => {
      hits++;
      if (!req.url?.endsWith("/data/en/seeds.jsonl")) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": String(Buffer.byteLength(body)) });
      if (truncate) {
        res.write(body.slice(0, 10));
        setImmediate(() => res.destroy());
      } else res.end(body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cacheDir = tmp();
      truncate = true;
      await expect(fetchOfficialFile({ lang: "en", table: "seeds", cacheDir, endpoint })).rejects.toMatchObject({
        code: "bench.download_failed",
      });
      expect(readdirSync(cacheDir, { recursive: true }).filter((f) => String(f).endsWith(".jsonl"))).toEqual([]);
      truncate = false;
      const progress: number[] = [];
      const suite = await resolveSuite("role-play-bench:en", {
        cacheDir,
        download: { endpoint, onProgress: (n) => progress.push(n) },
      });
      expect(suite.scenarios).toHaveLength(2);
      expect(suite.source).toMatch(/MiniMaxAI\/role-play-bench@3c1be2a/);
      expect(progress.at(-1)).toBe(Buffer.byteLength(body));
      const before = hits;
      await resolveSuite("role-play-bench:en", { cacheDir, download: { endpoint } });
      expect(hits).toBe(before);
      await expect(fetchOfficialFile({ lang: "zh", table: "seeds", cacheDir, endpoint })).rejects.toMatchObject({
        code: "bench.download_failed",
      });
      expect(existsSync(join(cacheDir, "3c1be2a56afbcaab19ae6b40b8a24429eae792f5", "en", "seeds.jsonl"))).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe("official download offline", () => {
  it("fails like a model download (exit 4) with a hint, and keeps nothing", async () => {
    const cacheDir = tmp();
    // What undici's fetch throws when the machine is offline: "fetch failed" over a DNS error.
    const offline = async (): Promise<Response> => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND huggingface.co"), { code: "ENOTFOUND" }),
      });
    };
    const error = await fetchOfficialFile({ lang: "en", table: "seeds", cacheDir, fetch: offline }).catch((e) => e);
    expect(error).toMatchObject({ code: "bench.download_failed", exitCode: ExitCode.model });
    expect(error.message).toMatch(/fetch failed \(ENOTFOUND\)/);
    expect(error.hint).toMatch(/network connection[\s\S]*HF_ENDPOINT[\s\S]*--suite/);
    expect(readdirSync(cacheDir, { recursive: true })).toEqual([]);
    // A file the server does not have stays a usage error (exit 2): the language or revision is wrong.
    const missing = async () => new Response("no", { status: 404, statusText: "Not Found" });
    await expect(fetchOfficialFile({ lang: "en", table: "seeds", cacheDir, fetch: missing })).rejects.toMatchObject({
      exitCode: ExitCode.usage,
    });
  });
});

describe("dialogue sources", () => {
  it("says a dialogues file is missing instead of looking for a run of that name", async () => {
    const t = await openTestSqlite();
    try {
      for (const spec of ["./missing.jsonl", "missing.parquet", "data/en"]) {
        const error = await loadDialogueSource(t.store, spec).catch((e) => e);
        expect(error, spec).toMatchObject({ code: "bench.source_not_found", exitCode: ExitCode.usage });
        expect(error.message).toMatch(new RegExp(`No such file or folder: ${spec.replace(".", "\\.")}`));
        expect(error.hint).toMatch(/bench ls/);
      }
      await expect(loadDialogueSource(undefined, "./missing.jsonl")).rejects.toMatchObject({
        code: "bench.source_not_found",
      });
      // A name that is not a path is still looked up as a run.
      await expect(loadDialogueSource(t.store, "20990101-000000-none")).rejects.toMatchObject({
        code: "bench.unknown_run",
      });
    } finally {
      await t.cleanup();
    }
  });
});
