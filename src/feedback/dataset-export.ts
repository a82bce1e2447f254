import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { sha256 } from "../core/index.ts";
import {
  DEFAULT_OPENRLHF_KEYS,
  type OpenRlhfKeys,
  openAiPreferenceRow,
  openRlhfRow,
  trlDpoRow,
  trlKtoRows,
  verlRow,
} from "./export-formats.ts";
import type { PreferenceRecord } from "./preference-record.ts";
import { verlParquet } from "./verl-parquet.ts";

/** The export formats, by the name `troupe learn export --format` takes. */
export const EXPORT_FORMATS = ["trl-dpo", "trl-kto", "openrlhf", "openai", "verl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What went into an export, for its manifest (sources, filters and drop counts, weights, seeds). */
export interface ExportProvenance {
  sources: unknown[];
  filters: Array<{ name: string; config: unknown; input: number; dropped: number }>;
  labels: unknown;
  weights: unknown;
  seeds: Record<string, string | number>;
  [key: string]: unknown;
}

export interface ExportOptions {
  formats?: readonly ExportFormat[];
  openRlhfKeys?: OpenRlhfKeys;
  /** Dataset name for the card. */
  name?: string;
  /** Written into the manifest (ms). */
  createdAt: number;
}

/** One written file in the manifest. */
export interface ExportedFile {
  path: string;
  format: ExportFormat;
  split: "train" | "test";
  rows: number;
  sha256: string;
}

/** verl's RLHFDataset reads Parquet; every other trainer reads JSONL. */
const FILE_EXTENSION: Record<ExportFormat, "jsonl" | "parquet"> = {
  "trl-dpo": "jsonl",
  "trl-kto": "jsonl",
  openrlhf: "jsonl",
  openai: "jsonl",
  verl: "parquet",
};

const SPLITS = [
  ["train", "train"],
  ["test", "eval"],
] as const;

function jsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
}

function rowsFor(format: ExportFormat, records: readonly PreferenceRecord[], keys: OpenRlhfKeys): unknown[] {
  const pairs = records.filter((r) => r.kind === "pair");
  switch (format) {
    case "trl-dpo":
      return pairs.map(trlDpoRow);
    case "trl-kto":
      return records.flatMap(trlKtoRows);
    case "openrlhf":
      return pairs.map((r) => openRlhfRow(r, keys));
    case "openai":
      return pairs.map(openAiPreferenceRow);
    case "verl": {
      // One row per distinct prompt: verl samples its own responses.
      const seen = new Set<string>();
      return records
        .filter((r) => {
          const k = JSON.stringify(r.context);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        })
        .map(verlRow);
    }
  }
}

/**
 * Write a dataset folder: one JSONL (verl: Parquet) per format and split, `manifest.json` (provenance, counts, hashes, the KTO
 * weight range), ready TRL configs, and a README.md dataset card whose YAML header declares the configs, so
 * `datasets.load_dataset("<folder>")` loads the DPO pairs and `load_dataset("<folder>", "kto")` the KTO rows.
 */
export async function writeDataset(
  folder: string,
  records: readonly PreferenceRecord[],
  provenance: ExportProvenance,
  options: ExportOptions,
): Promise<{ files: ExportedFile[]; manifest: Record<string, unknown> }> {
  const formats = options.formats ?? EXPORT_FORMATS;
  const keys = options.openRlhfKeys ?? DEFAULT_OPENRLHF_KEYS;
  await mkdir(folder, { recursive: true });
  const files: ExportedFile[] = [];
  for (const format of formats) {
    for (const [split, recordSplit] of SPLITS) {
      const rows = rowsFor(
        format,
        records.filter((r) => r.split === recordSplit),
        keys,
      );
      const path = `${format}-${split}.${FILE_EXTENSION[format]}`;
      const data = format === "verl" ? verlParquet(rows as ReturnType<typeof verlRow>[]) : jsonl(rows);
      await writeFile(join(folder, path), data);
      files.push({ path, format, split, rows: rows.length, sha256: sha256(data) });
    }
  }
  const unary = records.filter((r) => r.kind === "unary");
  const pairs = records.filter((r) => r.kind === "pair");
  // KTO weights are set for what the trainer sees: the train split, pairs split into one row each way.
  const train = records.filter((r) => r.split === "train");
  const trainPairs = train.filter((r) => r.kind === "pair").length;
  const desirable = train.filter((r) => r.kind === "unary" && r.label).length + trainPairs;
  const undesirable = train.filter((r) => r.kind === "unary" && !r.label).length + trainPairs;
  const manifest = {
    schema_version: 1,
    created_at: new Date(options.createdAt).toISOString(),
    records: {
      total: records.length,
      pairs: pairs.length,
      unary: unary.length,
      by_source: countBy(records, (r) => r.source),
      by_split: countBy(records, (r) => r.split),
      users: new Set(records.map((r) => r.user_hash)).size,
    },
    kto: {
      desirable,
      undesirable,
      // KTO paper Eq. 8 / TRL's warning: keep λ_D·n_D / (λ_U·n_U) within [1, 4/3] with λ_U = 1.
      desirable_weight_range: desirable > 0 ? [undesirable / desirable, (4 / 3) * (undesirable / desirable)] : null,
    },
    openrlhf_keys: keys,
    ...provenance,
    data_sha256: sha256(files.map((f) => f.sha256).join("")),
    files,
  };
  await writeFile(join(folder, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const kto = manifest.kto.desirable_weight_range;
  if (formats.includes("trl-dpo")) await writeFile(join(folder, "trl-dpo.yaml"), trlConfig("dpo", folder));
  if (formats.includes("trl-kto"))
    await writeFile(
      join(folder, "trl-kto.yaml"),
      trlConfig("kto", folder, kto ? Number((kto[0] as number).toFixed(3)) : 1),
    );
  await writeFile(join(folder, "README.md"), datasetCard(options.name ?? "troupe-preferences", formats, manifest));
  return { files, manifest };
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function trlConfig(kind: "dpo" | "kto", folder: string, desirableWeight = 1): string {
  const config: Record<string, unknown> = {
    model_name_or_path: "Qwen/Qwen2-0.5B-Instruct",
    datasets: [{ path: folder, name: kind === "dpo" ? "dpo" : "kto", split: "train" }],
    output_dir: `${kind}-out`,
    beta: 0.1,
    learning_rate: 1e-6,
    max_length: 1024,
    per_device_train_batch_size: kind === "kto" ? 4 : 2,
  };
  // Implicit labels are noisy: the robust DPO loss assumes a label-flip rate (label_smoothing).
  if (kind === "dpo") Object.assign(config, { loss_type: ["robust"], label_smoothing: 0.1 });
  else Object.assign(config, { desirable_weight: desirableWeight, undesirable_weight: 1 });
  return `# Run with: trl ${kind} --config ${kind === "dpo" ? "trl-dpo.yaml" : "trl-kto.yaml"}\n${stringify(config)}`;
}

const CONFIG_NAMES: Record<ExportFormat, string> = {
  "trl-dpo": "dpo",
  "trl-kto": "kto",
  openrlhf: "openrlhf",
  openai: "openai",
  verl: "verl",
};

function datasetCard(name: string, formats: readonly ExportFormat[], manifest: Record<string, unknown>): string {
  const header = {
    pretty_name: name,
    license: "other",
    task_categories: ["text-generation"],
    tags: ["dpo", "kto", "preference", "role-play", "troupe"],
    configs: formats.map((f, i) => ({
      config_name: CONFIG_NAMES[f],
      ...(i === 0 ? { default: true } : {}),
      data_files: [
        { split: "train", path: `${f}-train.${FILE_EXTENSION[f]}` },
        { split: "test", path: `${f}-test.${FILE_EXTENSION[f]}` },
      ],
    })),
  };
  const records = manifest.records as { total: number; pairs: number; unary: number; users: number };
  return `---\n${stringify(header)}---\n\n# ${name}\n\nPreference data exported by \`troupe learn export\` from implicit and explicit feedback on role-play chats.\n\n- ${records.total} records (${records.pairs} pairs, ${records.unary} unary) from ${records.users} users; train/test split by user.\n- Configs: ${formats.map((f) => `\`${CONFIG_NAMES[f]}\` (${f})`).join(", ")}.\n- \`manifest.json\` lists the sources, every filter with its drop count, the label settings, weights and their effective sample size, seeds and file hashes.\n\n\`\`\`python\nfrom datasets import load_dataset\npairs = load_dataset("path/to/this/folder")          # TRL DPO: prompt / chosen / rejected\nkto = load_dataset("path/to/this/folder", "kto")     # TRL KTO: prompt / completion / label\n\`\`\`\n\nRows hold no user ids; \`user_hash\` is kept only in troupe's own records. Labels come from behaviour (swipes, edits, regenerates, continuation, leaving, ratings, dwell) and are noisy: train with a noise-robust loss (the included \`trl-dpo.yaml\` uses \`loss_type: robust\`, \`label_smoothing: 0.1\`).\n`;
}
