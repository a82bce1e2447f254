// Round trips of every real card in ../shared/data/cards/ (read from there, never copied).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cardToJson,
  convertLorebook,
  normalizeLorebook,
  readCard,
  readCardFile,
  readLorebookFile,
  writeCard,
  writeCardJson,
  writeLorebook,
} from "../../src/cards/index.ts";
import { parsePng, textKeyword, textValue } from "../../src/cards/png-chunks.ts";
import { DEFAULT_READ_LIMITS } from "../../src/cards/read-limits.ts";

const DIR = resolve(import.meta.dirname, "../../../shared/data/cards");
const CARDS = ["default_Seraphina.png", "default_FluxTheCat.png", "default_CodingSensei.png"];

/** The V2 JSON stored in a PNG's `chara` chunk, as written by the card's author. */
function charaJson(bytes: Uint8Array): unknown {
  const chunk = parsePng(bytes, DEFAULT_READ_LIMITS).find((c) => textKeyword(c) === "chara");
  return JSON.parse(Buffer.from(textValue(chunk!, DEFAULT_READ_LIMITS), "base64").toString("utf8"));
}

describe("real cards", () => {
  for (const file of CARDS) {
    describe(file, () => {
      const path = resolve(DIR, file);
      const bytes = new Uint8Array(readFileSync(path));

      it("reads the same card from the file (chunk by chunk) and from bytes", async () => {
        const fromFile = await readCardFile(path);
        const fromBytes = readCard(bytes);
        expect(fromFile.card).toEqual(fromBytes.card);
        expect(fromFile.source).toEqual({ spec: "v2", specVersion: "2.0", container: "png", chunk: "chara" });
        // Compared as buffers: a deep equal over 500 KB element by element takes seconds.
        expect(Buffer.from(fromFile.image!).equals(bytes)).toBe(true);
      });

      it("exports as V2 JSON equal to the original, plus only the defaults the V2 spec requires", () => {
        const loaded = readCard(bytes);
        const original = charaJson(bytes) as Record<string, unknown>;
        const exported = JSON.parse(writeCardJson(loaded));
        if (file === "default_Seraphina.png") {
          // The one spec default missing from this card: a V2 character_book must have `extensions`.
          const book = (original["data"] as Record<string, Record<string, unknown>>)["character_book"]!;
          expect(book["extensions"]).toBeUndefined();
          expect(exported.data.character_book.extensions).toEqual({});
          delete exported.data.character_book.extensions;
        }
        expect(exported).toEqual(original);
        // Key order is kept too, so the JSON text is identical apart from formatting.
        if (file !== "default_Seraphina.png") expect(JSON.stringify(exported)).toBe(JSON.stringify(original));
      });

      it("keeps SillyTavern's unknown extension keys and top-level V1 mirrors", () => {
        const loaded = readCard(bytes);
        const original = charaJson(bytes) as { data: { extensions: Record<string, unknown> } } & Record<
          string,
          unknown
        >;
        expect(loaded.card.data.extensions).toEqual(original.data.extensions);
        for (const key of ["talkativeness", "fav", "world"]) expect(loaded.card.data.extensions).toHaveProperty(key);
        for (const key of ["avatar", "chat", "create_date", "creatorcomment"]) {
          expect((loaded.card as Record<string, unknown>)[key]).toEqual(original[key]);
        }
        const v3 = cardToJson(loaded.card, { spec: "v3" }) as { data: { extensions: unknown } };
        expect(v3.data.extensions).toEqual(original.data.extensions);
      });

      it("round-trips through PNG: ccv3 carries the card, chara a V2 backfill, the image is untouched", () => {
        const loaded = readCard(bytes);
        const png = writeCard(loaded, "png");
        const back = readCard(png);
        expect(back.source.chunk).toBe("ccv3");
        expect(back.card).toEqual(loaded.card);
        const chunks = parsePng(png, DEFAULT_READ_LIMITS);
        expect(chunks.filter((c) => textKeyword(c) === "chara")).toHaveLength(1);
        expect(chunks.filter((c) => textKeyword(c) === "ccv3")).toHaveLength(1);
        // Every non-card chunk (image data) is byte-for-byte the original.
        const imageChunks = (b: Uint8Array) =>
          parsePng(b, DEFAULT_READ_LIMITS)
            .filter((c) => !["chara", "ccv3"].includes(textKeyword(c) ?? ""))
            .map((c) => [c.type, Buffer.from(c.data).toString("base64")]);
        expect(imageChunks(png)).toEqual(imageChunks(bytes));
        // The backfill is the V2 card as the author wrote it (+ required defaults).
        const backfill = charaJson(png) as { spec: string; data: Record<string, unknown> };
        expect(backfill.spec).toBe("chara_card_v2");
        expect(backfill).toEqual(JSON.parse(writeCardJson(loaded, { spec: "v2" })));
      });

      it("round-trips through CharX (the image becomes the embedded main icon) and back to PNG", () => {
        const loaded = readCard(bytes);
        const charx = readCard(writeCard(loaded, "charx"));
        expect(charx.source.container).toBe("charx");
        expect(Buffer.from(charx.files["assets/icon/images/main.png"]!).equals(bytes)).toBe(true);
        expect(charx.card.data.assets).toEqual([
          { type: "icon", uri: "embeded://assets/icon/images/main.png", name: "main", ext: "png" },
        ]);
        const { assets: _assets, ...charxData } = charx.card.data;
        expect({ ...charx.card, data: charxData }).toEqual(loaded.card);
        const png = readCard(writeCard(charx, "png"));
        // Back in a PNG the icon is the PNG itself: `ccdefault:`, which the spec treats as equal to no assets.
        expect(png.card.data.assets).toEqual([{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }]);
        expect(readCard(writeCard(png, "charx")).files["assets/icon/images/main.png"]).toBeDefined();
      });

      it("converts troupe's own PNG to the same PNG again: no V3-only defaults creep into chara (issue 12.11)", () => {
        const once = writeCard(readCard(bytes), "png");
        const twice = writeCard(readCard(once), "png");
        expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
        const chara = charaJson(twice) as {
          data: Record<string, unknown> & { character_book?: { entries: object[] } };
        };
        for (const v3Only of ["group_only_greetings", "assets", "nickname", "source", "creator_notes_multilingual"])
          expect(chara.data).not.toHaveProperty(v3Only);
        for (const entry of chara.data.character_book?.entries ?? []) expect(entry).not.toHaveProperty("use_regex");
        // The backfill is the author's V2 card as before (+ required defaults).
        expect(chara).toEqual(JSON.parse(writeCardJson(readCard(bytes), { spec: "v2" })));
        // Via CharX and back the icon is `ccdefault:` in ccv3, which V2 has no word for.
        const viaCharx = writeCard(readCard(writeCard(readCard(bytes), "charx")), "png");
        expect(charaJson(viaCharx)).toEqual(chara);
      });

      it("writes V3 JSON back to V2 JSON without the V3-only fields V3 defaulted (issue 12.11)", () => {
        const v2 = writeCardJson(readCard(bytes), { spec: "v2" });
        const v3 = writeCard(readCard(bytes), "json", { spec: "v3" });
        expect(JSON.parse(v3.toString()).data.group_only_greetings).toEqual([]);
        const backToV2 = writeCardJson(readCard(v3), { spec: "v2" });
        expect(backToV2).toBe(v2);
        const v1 = JSON.parse(writeCardJson(readCard(v3), { spec: "v1" }));
        expect(v1).not.toHaveProperty("group_only_greetings");
        // What V3 really says is kept in V2's data, as SillyTavern does: nothing is lost.
        const said = JSON.parse(v3.toString());
        said.data.group_only_greetings = ["Hello, all of you."];
        if (said.data.character_book) said.data.character_book.entries[0].use_regex = true;
        const kept = JSON.parse(writeCardJson(readCard(Buffer.from(JSON.stringify(said))), { spec: "v2" }));
        expect(kept.data.group_only_greetings).toEqual(["Hello, all of you."]);
        if (said.data.character_book) expect(kept.data.character_book.entries[0].use_regex).toBe(true);
      });

      it("round-trips through V3 JSON and V1 JSON", () => {
        const loaded = readCard(bytes);
        const v3 = readCard(writeCard(loaded, "json", { spec: "v3" }));
        expect(v3.source.spec).toBe("v3");
        expect(v3.card).toEqual(loaded.card);
        const v1 = JSON.parse(writeCardJson(loaded, { spec: "v1" }));
        expect(v1.name).toBe(loaded.card.data.name);
        expect(v1.description).toBe(loaded.card.data.description);
        expect(v1.spec).toBeUndefined();
        const fromV1 = readCard(Buffer.from(JSON.stringify(v1)));
        expect(fromV1.source.spec).toBe("v1");
        for (const f of ["name", "description", "personality", "scenario", "first_mes", "mes_example"] as const) {
          expect(fromV1.card.data[f]).toBe(loaded.card.data[f]);
        }
      });
    });
  }
});

describe("Eldoria.json and Seraphina's embedded book", () => {
  const eldoriaText = readFileSync(resolve(DIR, "Eldoria.json"), "utf8");

  it("World Info → V3 → World Info reproduces Eldoria.json byte for byte", async () => {
    const book = await readLorebookFile(resolve(DIR, "Eldoria.json"));
    expect(book.source.format).toBe("sillytavern");
    expect(writeLorebook(book, "sillytavern")).toBe(eldoriaText);
    const v3 = normalizeLorebook(JSON.parse(writeLorebook(book, "lorebook_v3")));
    expect(writeLorebook(v3, "sillytavern")).toBe(eldoriaText);
  });

  it("Eldoria.json converts into Seraphina's character_book (every field Eldoria has)", async () => {
    const seraphina = await readLorebookFile(resolve(DIR, "default_Seraphina.png"));
    expect(seraphina.source.format).toBe("card");
    const converted = convertLorebook(normalizeLorebook(JSON.parse(eldoriaText)), "character_book") as {
      entries: Array<Record<string, unknown>>;
    };
    const target = JSON.parse(JSON.stringify(convertLorebook(seraphina, "character_book"))) as {
      entries: Array<Record<string, unknown>>;
    };
    expect(converted.entries).toHaveLength(4);
    converted.entries.forEach((entry, i) => {
      const t = target.entries[i]!;
      for (const key of [
        "id",
        "keys",
        "secondary_keys",
        "comment",
        "content",
        "constant",
        "selective",
        "insertion_order",
        "enabled",
        "position",
      ]) {
        expect(entry[key], `entry ${i} ${key}`).toEqual(t[key]);
      }
      expect((entry["extensions"] as Record<string, unknown>)["position"]).toBe(0);
    });
  });

  it("Seraphina's book converts into Eldoria.json (every field Eldoria has), and back exactly", async () => {
    const seraphina = await readLorebookFile(resolve(DIR, "default_Seraphina.png"));
    const st = convertLorebook(seraphina, "sillytavern") as { entries: Record<string, Record<string, unknown>> };
    const eldoria = JSON.parse(eldoriaText) as { entries: Record<string, Record<string, unknown>> };
    expect(Object.keys(st.entries)).toEqual(Object.keys(eldoria.entries));
    for (const [uid, entry] of Object.entries(eldoria.entries)) {
      for (const [key, value] of Object.entries(entry)) expect(st.entries[uid]![key], `${uid}.${key}`).toEqual(value);
      // What Seraphina has beyond Eldoria is SillyTavern's own probability fields, under their ST names.
      expect(st.entries[uid]!["probability"]).toBeNull();
      expect(st.entries[uid]!["useProbability"]).toBe(false);
    }
    const back = normalizeLorebook(st);
    expect(convertLorebook(back, "character_book")).toEqual(convertLorebook(seraphina, "character_book"));
  });

  it("Seraphina's book through lorebook_v3 back to character_book gains no V3 defaults (issue 12.11)", async () => {
    const seraphina = await readLorebookFile(resolve(DIR, "default_Seraphina.png"));
    const v3Text = writeLorebook(seraphina, "lorebook_v3");
    expect(JSON.parse(v3Text).data.entries[0].use_regex).toBe(false);
    const v2 = convertLorebook(normalizeLorebook(JSON.parse(v3Text)), "character_book") as {
      entries: Array<Record<string, unknown>>;
    };
    for (const entry of v2.entries) expect(entry).not.toHaveProperty("use_regex");
    expect(v2).toEqual(convertLorebook(seraphina, "character_book"));
  });
});
