import { parquetWriteBuffer } from "hyparquet-writer";
import type { verlRow } from "./export-formats.ts";

type VerlRow = ReturnType<typeof verlRow>;

const text = (name: string) => ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });

/** The Parquet schema pandas/pyarrow give verl's documented rows (prompt: list<struct<content, role>>). */
const VERL_SCHEMA = [
  { name: "root", num_children: 5 },
  text("data_source"),
  // Three-level LIST, as pyarrow writes it, so datasets/pandas read prompt back as a list of {role, content}.
  { name: "prompt", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
  text("content"),
  text("role"),
  text("ability"),
  { name: "reward_model", repetition_type: "OPTIONAL", num_children: 2 },
  text("ground_truth"),
  text("style"),
  { name: "extra_info", repetition_type: "OPTIONAL", num_children: 3 },
  text("character_id"),
  text("record_id"),
  text("split"),
] as const;

const COLUMNS = ["data_source", "prompt", "ability", "reward_model", "extra_info"] as const;

/** verl rows as one Parquet file (verl's RLHFDataset reads Parquet with these five columns). */
export function verlParquet(rows: readonly VerlRow[]): Uint8Array {
  const columnData = COLUMNS.map((name) => ({
    name,
    data: rows.map((r) => r[name]),
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    // hyparquet-writer's SchemaElement type is wider than this literal; the shape is checked by the read-back test.
    schema: VERL_SCHEMA as unknown as Parameters<typeof parquetWriteBuffer>[0]["schema"],
    createdBy: "troupe learn export",
  });
  return new Uint8Array(buffer);
}
