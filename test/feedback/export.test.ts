import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  buildRecords,
  ingestFile,
  OpenAiPreferenceRowSchema,
  type PreferenceRecord,
  readEvents,
  runPipeline,
  storeTextSource,
  TrlDpoRowSchema,
  TrlKtoRowSchema,
  VerlRowSchema,
  verlParquet,
  writeDataset,
} from "../../src/feedback/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";

const fixtures = join(import.meta.dirname, "../fixtures/feedback");
const provenance = { sources: ["st-chat.jsonl"], filters: [], labels: {}, weights: {}, seeds: { split: "s" } };

function record(i: number, kind: "pair" | "unary", split: "train" | "eval", label?: boolean): PreferenceRecord {
  return {
    id: `r${i}`,
    schema_version: 1,
    created_at: i,
    kind,
    source: kind === "pair" ? "swipe" : "continuation",
    context: [
      { role: "assistant", content: "Welcome." },
      { role: "user", content: `question ${i}` },
    ],
    ...(kind === "pair" ? { chosen: `good ${i}`, rejected: `bad ${i}` } : { completion: `reply ${i}`, label }),
    weight: 1,
    confidence: 1,
    user_hash: `u${i % 3}`,
    chat_id: "c",
    split,
  };
}

function readJsonl(file: string): unknown[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("dataset export", () => {
  const dirs: string[] = [];
  let current: TestStore | undefined;
  afterEach(async () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    await current?.cleanup();
    current = undefined;
  });

  it("writes every format valid against its schema, with a manifest and a loadable dataset card", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-export-"));
    dirs.push(dir);
    const records = [
      record(1, "pair", "train"),
      record(2, "pair", "eval"),
      record(3, "unary", "train", true),
      record(4, "unary", "train", false),
      record(5, "unary", "train", false),
    ];
    const { files, manifest } = await writeDataset(dir, records, provenance, {
      createdAt: 0,
      openRlhfKeys: { prompt: "context", chosen: "good", rejected: "bad", margin: null },
    });
    const rows = (name: string) => readJsonl(join(dir, name));
    expect(rows("trl-dpo-train.jsonl")).toHaveLength(1);
    expect(rows("trl-dpo-test.jsonl")).toHaveLength(1);
    for (const r of [...rows("trl-dpo-train.jsonl"), ...rows("trl-dpo-test.jsonl")]) TrlDpoRowSchema.parse(r);
    const kto = rows("trl-kto-train.jsonl");
    expect(kto.map((r) => (r as { label: boolean }).label)).toEqual([true, false, true, false, false]);
    for (const r of kto) TrlKtoRowSchema.parse(r);
    for (const r of rows("openai-train.jsonl")) OpenAiPreferenceRowSchema.parse(r);
    expect(rows("openrlhf-train.jsonl")[0]).toEqual({
      context: [
        { role: "assistant", content: "Welcome." },
        { role: "user", content: "question 1" },
      ],
      good: [{ role: "assistant", content: "good 1" }],
      bad: [{ role: "assistant", content: "bad 1" }],
    });
    // verl: Parquet that reads back with the five columns verl documents, prompts as lists of messages.
    const verlFile = readFileSync(join(dir, "verl-train.parquet"));
    const verlBuffer = verlFile.buffer.slice(verlFile.byteOffset, verlFile.byteOffset + verlFile.byteLength);
    const columns = parquetSchema(parquetMetadata(verlBuffer)).children.map((c) => c.element.name);
    expect(columns).toEqual(["data_source", "prompt", "ability", "reward_model", "extra_info"]);
    const verl = await parquetReadObjects({ file: verlBuffer });
    expect(verl).toHaveLength(4);
    for (const r of verl) VerlRowSchema.parse(r);
    expect(verl[0]).toEqual({
      data_source: "troupe/roleplay",
      prompt: [
        { role: "assistant", content: "Welcome." },
        { role: "user", content: "question 1" },
      ],
      ability: "roleplay",
      reward_model: { style: "model", ground_truth: "" },
      extra_info: { record_id: "r1", character_id: null, split: "train" },
    });
    expect(files.find((f) => f.path === "verl-test.parquet")?.rows).toBe(1);
    // An empty split is still a valid file with the same columns.
    const empty = verlParquet([]).slice().buffer;
    expect(parquetSchema(parquetMetadata(empty)).children.map((c) => c.element.name)).toEqual(columns);
    expect(await parquetReadObjects({ file: empty })).toEqual([]);
    // KTO over the train split: 1 desirable + 1 pair vs 2 undesirable + 1 pair → λ_D ∈ [3/2, 4/3 · 3/2].
    expect(manifest.kto).toEqual({ desirable: 2, undesirable: 3, desirable_weight_range: [1.5, 2] });
    const written = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(written.files).toHaveLength(10);
    expect(written.seeds).toEqual({ split: "s" });
    for (const f of files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The card's YAML header declares configs whose files exist (what `datasets.load_dataset(folder)` reads).
    const card = readFileSync(join(dir, "README.md"), "utf8");
    const header = parse(card.split("---\n")[1] as string);
    expect(header.configs[0]).toMatchObject({ config_name: "dpo", default: true });
    for (const c of header.configs)
      for (const df of c.data_files) expect(readFileSync(join(dir, df.path), "utf8")).toBeDefined();
    const trl = parse(readFileSync(join(dir, "trl-kto.yaml"), "utf8"));
    expect(trl).toMatchObject({ desirable_weight: 1.5, datasets: [{ path: dir, name: "kto" }] });
  });

  it("goes from a SillyTavern file to TRL DPO pairs with texts, deterministically", async () => {
    current = await openTestSqlite();
    const { store } = current;
    await ingestFile(store, "local", join(fixtures, "st-chat.jsonl"), { now: Date.UTC(2026, 0, 1) });
    const result = runPipeline(await readEvents(store));
    const { records, skipped } = await buildRecords(result.labels, storeTextSource(store), {
      evalFraction: 0,
      seed: "s",
    });
    expect(skipped).toEqual({ missingText: 0, missingContext: 0 });
    expect(records.map((r) => [r.chosen, r.rejected])).toEqual([
      ["The lighthouse at the end of the world.", "A tavern."],
      ["The lighthouse at the end of the world.", "It is a ruin."],
    ]);
    expect(records[0]?.context).toEqual([
      { role: "assistant", content: "Welcome, traveller." },
      { role: "user", content: "Hi Mira, what is this place?" },
    ]);
    const hashes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), "troupe-export-"));
      dirs.push(dir);
      const { manifest } = await writeDataset(dir, records, provenance, { createdAt: 0, formats: ["trl-dpo"] });
      hashes.push(manifest.data_sha256 as string);
      for (const r of readJsonl(join(dir, "trl-dpo-train.jsonl"))) TrlDpoRowSchema.parse(r);
    }
    expect(hashes[0]).toBe(hashes[1]);
  });
});
