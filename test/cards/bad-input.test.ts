import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { placeholderPng } from "../../src/cards/card-png.ts";
import {
  CardError,
  extractCardAssets,
  type LoadedCard,
  normalizeCard,
  readCard,
  readCardFile,
  readLorebook,
  writeCardCharx,
  writeCardPng,
} from "../../src/cards/index.ts";
import { encodePng, parsePng, textChunk } from "../../src/cards/png-chunks.ts";
import { DEFAULT_READ_LIMITS } from "../../src/cards/read-limits.ts";

const card = normalizeCard({
  spec: "chara_card_v2",
  spec_version: "2.0",
  data: { name: "Tess", description: "A test.", extensions: { x_app: { deep: [1, 2] } } },
});

/** Expect a typed CardError with this code (and a hint a user can act on). */
function expectCode(run: () => unknown, code: string): CardError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(CardError);
  const e = caught as CardError;
  expect(e.code).toBe(code);
  expect(e.hint).toBeTruthy();
  expect(e.exitCode).toBe(2);
  return e;
}

async function expectCodeAsync(run: () => Promise<unknown>, code: string): Promise<void> {
  await expect(run()).rejects.toMatchObject({ code, name: "CardError" });
}

function pngWithText(keyword: string, text: string): Uint8Array {
  const chunks = parsePng(placeholderPng(), DEFAULT_READ_LIMITS);
  chunks.splice(chunks.length - 1, 0, textChunk(keyword, text));
  return encodePng(chunks);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "troupe-cards-"));
}

describe("bad PNGs", () => {
  const good = writeCardPng(card);

  it("refuses a truncated PNG", () => {
    expect(readCard(good).card.data.name).toBe("Tess");
    for (const cut of [9, 20, 40, good.length - 5, good.length - 1])
      expectCode(() => readCard(good.subarray(0, cut)), "card.png.truncated");
  });

  it("refuses a chunk whose CRC does not match", () => {
    const bad = new Uint8Array(good);
    const at = Buffer.from(bad).indexOf("chara") + 10;
    bad[at] = (bad[at] as number) ^ 0x01;
    expectCode(() => readCard(bad), "card.png.bad_crc");
  });

  it("refuses a text chunk that is not base64, not JSON, or not UTF-8", () => {
    expectCode(() => readCard(pngWithText("chara", "this is not base64 !!!")), "card.png.bad_base64");
    expectCode(() => readCard(pngWithText("chara", Buffer.from("{not json").toString("base64"))), "card.json.invalid");
    expectCode(
      () => readCard(pngWithText("chara", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64"))),
      "card.invalid_utf8",
    );
    expectCode(() => readCard(pngWithText("chara", Buffer.from("[1,2]").toString("base64"))), "card.not_object");
    expectCode(() => readCard(placeholderPng()), "card.png.no_card");
  });

  it("falls back to chara (with a warning) when ccv3 is broken", () => {
    const chunks = parsePng(good, DEFAULT_READ_LIMITS).filter(
      (c) => !Buffer.from(c.data.subarray(0, 4)).toString().startsWith("ccv3"),
    );
    chunks.splice(chunks.length - 1, 0, textChunk("ccv3", "%%%"));
    const loaded = readCard(encodePng(chunks));
    expect(loaded.source.chunk).toBe("chara");
    expect(loaded.warnings[0]).toMatch(/ccv3 chunk is unreadable/);
  });

  it("refuses a 100 MB chunk from its header, before reading or allocating it", async () => {
    const png = placeholderPng();
    const ihdrEnd = 8 + 12 + 13;
    const declared = 100 * 1024 * 1024;
    const chunkHeader = Buffer.alloc(8);
    chunkHeader.writeUInt32BE(declared, 0);
    chunkHeader.write("tEXt", 4, "latin1");
    const bytes = Buffer.concat([png.subarray(0, ihdrEnd), chunkHeader, Buffer.from("chara\0AAAA")]);
    expectCode(() => readCard(bytes), "card.png.chunk_too_large");
    // On disk: a sparse file really 100 MB long; only its first bytes are ever read.
    const path = join(tempDir(), "huge.png");
    const fd = openSync(path, "w");
    writeSync(fd, bytes);
    closeSync(fd);
    const { truncateSync } = await import("node:fs");
    truncateSync(path, ihdrEnd + 8 + declared + 4);
    const before = process.memoryUsage().arrayBuffers;
    await expectCodeAsync(() => readCardFile(path), "card.png.chunk_too_large");
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 1024 * 1024);
  });

  it("refuses files over the size limit before reading them", async () => {
    expectCode(() => readCard(new Uint8Array(64), { limits: { maxFileBytes: 10 } }), "card.file_too_large");
    const path = join(tempDir(), "big.json");
    writeFileSync(path, "{}");
    await expectCodeAsync(() => readCardFile(path, { limits: { maxFileBytes: 1 } }), "card.file_too_large");
    await expectCodeAsync(() => readCardFile(join(tempDir(), "missing.png")), "card.file_unreadable");
  });
});

describe("APNG", () => {
  it("embeds a card in an animated PNG and keeps every animation chunk as it was", () => {
    const chunks = parsePng(placeholderPng(), DEFAULT_READ_LIMITS);
    const actl = { type: "acTL", data: Uint8Array.of(0, 0, 0, 2, 0, 0, 0, 0) };
    const fctl = { type: "fcTL", data: new Uint8Array(26).fill(1) };
    const fdat = { type: "fdAT", data: Uint8Array.of(0, 0, 0, 2, 9, 9, 9) };
    chunks.splice(1, 0, actl, fctl);
    chunks.splice(chunks.length - 1, 0, fdat);
    const apng = encodePng(chunks);
    const written = writeCardPng(card, { image: apng });
    const back = readCard(written);
    expect(back.card).toEqual(card.card);
    const types = parsePng(written, DEFAULT_READ_LIMITS).map((c) => c.type);
    expect(types).toEqual(["IHDR", "acTL", "fcTL", "IDAT", "fdAT", "tEXt", "tEXt", "IEND"]);
    expect(parsePng(written, DEFAULT_READ_LIMITS)[4]?.data).toEqual(fdat.data);
  });
});

describe("a card whose spec is not a string (issue 12.15)", () => {
  it("is a CardError with a hint, for every non-string spec", () => {
    for (const spec of [3, true, { v: 2 }, ["chara_card_v2"]])
      expectCode(() => normalizeCard({ spec, name: "X", data: { name: "X" } }), "card.spec_not_string");
  });

  it("reads a null spec as absent; a V1 card's stray spec, spec_version or data never replaces the card's own", () => {
    const loaded = normalizeCard({ spec: null, spec_version: 7, name: "Y", data: "junk" });
    expect(loaded.source.spec).toBe("v1");
    expect(loaded.card.spec).toBe("chara_card_v3");
    expect(loaded.card.spec_version).toBe("3.0");
    expect(loaded.card.data.name).toBe("Y");
    expect(loaded.card.data.description).toBe("");
    expect(loaded.warnings).toHaveLength(3);
  });
});

describe("bad JSON", () => {
  it("refuses invalid UTF-8, deep nesting and non-cards with typed errors", () => {
    expectCode(() => readCard(Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d)), "card.invalid_utf8");
    expectCode(() => readCard(Buffer.from("[".repeat(200_000))), "card.json.too_deep");
    const nested = `{"name":"x","extensions":${"[".repeat(300)}${"]".repeat(300)}}`;
    expectCode(() => readCard(Buffer.from(nested)), "card.json.too_deep");
    expectCode(() => readCard(Buffer.from('{"name": "x",')), "card.json.invalid");
    expectCode(() => readCard(Buffer.from("hello")), "card.unknown_format");
    expectCode(() => readCard(Buffer.from('{"spec":"chara_card_v9","data":{}}')), "card.unknown_spec");
    expectCode(() => readCard(Buffer.from('{"spec":"chara_card_v2"}')), "card.missing_data");
    expectCode(() => readCard(Buffer.from('{"entries":{}}')), "card.is_lorebook");
    expectCode(() => readCard(Buffer.from('{"foo":1}')), "card.unrecognized");
    expectCode(() => readLorebook('{"kind":"memory","entries":[]}'), "lorebook.unsupported_format");
    expectCode(() => readLorebook('{"hello":1}'), "lorebook.unrecognized");
    expectCode(
      () => readLorebook(JSON.stringify({ spec: "chara_card_v2", data: { name: "x" } })),
      "lorebook.card_without_book",
    );
  });

  it("repairs wrongly typed fields with warnings instead of failing", () => {
    const loaded = readCard(
      Buffer.from(
        JSON.stringify({
          spec: "chara_card_v2",
          spec_version: "2.0",
          data: { name: 42, tags: "a, b", extensions: [] },
        }),
      ),
    );
    expect(loaded.card.data.name).toBe("42");
    expect(loaded.card.data.tags).toEqual(["a", "b"]);
    // What the spec's types cannot hold is set aside, not thrown away.
    expect(loaded.card.data.extensions).toEqual({ troupe_invalid_fields: { extensions: [] } });
    expect(loaded.warnings).toHaveLength(3);
    const entry = readLorebook(
      JSON.stringify({ entries: [{ keys: ["a"], content: "x", id: { bad: 1 }, priority: "high" }] }),
    );
    expect(entry.book.entries[0]?.extensions).toEqual({ troupe_invalid_fields: { id: { bad: 1 }, priority: "high" } });
  });
});

describe("bad CharX archives", () => {
  const cardJson = Buffer.from(JSON.stringify({ spec: "chara_card_v3", spec_version: "3.0", data: { name: "Zed" } }));

  it("reads a good one", () => {
    const loaded = readCard(zipSync({ "card.json": cardJson, "assets/other/other/a.txt": Buffer.from("hi") }));
    expect(loaded.card.data.name).toBe("Zed");
    expect(Object.keys(loaded.files)).toEqual(["assets/other/other/a.txt"]);
  });

  it("refuses a zip bomb by its compression ratio", () => {
    const bomb = zipSync({ "card.json": cardJson, "assets/x/bomb.bin": new Uint8Array(8 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    expectCode(() => readCard(bomb), "card.charx.zip_bomb");
  });

  it("refuses archives over the per-file, total or entry-count limits", () => {
    const zip = zipSync(
      { "card.json": cardJson, a: new Uint8Array(2000), b: new Uint8Array(2000), c: new Uint8Array(10) },
      { level: 0 },
    );
    expectCode(() => readCard(zip, { limits: { maxZipEntryBytes: 1000 } }), "card.charx.entry_too_large");
    expectCode(() => readCard(zip, { limits: { maxZipTotalBytes: 3000 } }), "card.charx.too_large");
    expectCode(() => readCard(zip, { limits: { maxZipEntries: 3 } }), "card.charx.too_many_entries");
  });

  it("catches a member that lies about its size", () => {
    const zip = zipSync({ "card.json": cardJson, "a.bin": new Uint8Array(5000).fill(7) });
    const view = new DataView(zip.buffer);
    for (let i = 0; i < zip.length - 4; i++) {
      const sig = view.getUint32(i, true);
      const nameAt = sig === 0x02014b50 ? i + 46 : sig === 0x04034b50 ? i + 30 : -1;
      if (nameAt > 0 && Buffer.from(zip.subarray(nameAt, nameAt + 5)).toString() === "a.bin") {
        view.setUint32(sig === 0x02014b50 ? i + 24 : i + 22, 100, true);
      }
    }
    expectCode(() => readCard(zip), "card.charx.corrupt");
  });

  it("refuses path traversal, absolute paths, backslashes and drive letters", () => {
    for (const name of [
      "../evil.txt",
      "assets/../../evil.txt",
      "/etc/passwd",
      "assets\\..\\evil",
      "C:/evil",
      "a/./b",
    ]) {
      expectCode(
        () => readCard(zipSync({ "card.json": cardJson, [name]: Buffer.from("x") })),
        "card.charx.path_traversal",
      );
    }
  });

  it("refuses encrypted members and archives without card.json", () => {
    const zip = zipSync({ "card.json": cardJson });
    const view = new DataView(zip.buffer);
    for (let i = 0; i < zip.length - 4; i++) if (view.getUint32(i, true) === 0x02014b50) view.setUint16(i + 8, 1, true);
    expectCode(() => readCard(zip), "card.charx.encrypted");
    expectCode(() => readCard(zipSync({ "other.json": cardJson })), "card.charx.no_card");
    expectCode(() => readCard(zipSync({ "card.json": cardJson }).subarray(0, 30)), "card.charx.not_zip");
  });

  it("writes embedded files only inside the target folder", async () => {
    const root = tempDir();
    const target = join(root, "out");
    const good: LoadedCard = {
      ...readCard(writeCardCharx(card)),
      files: { "assets/icon/images/a.png": Uint8Array.of(1) },
    };
    const written = await extractCardAssets(good, target);
    expect(written).toEqual([join(target, "assets/icon/images/a.png")]);
    for (const name of ["../escape.txt", "/tmp/abs.txt", "a/../../escape2.txt"]) {
      await expectCodeAsync(
        () => extractCardAssets({ ...good, files: { [name]: Uint8Array.of(1) } }, target),
        "card.charx.path_traversal",
      );
    }
    // A symlink planted inside the target folder must not redirect a write outside it.
    const outside = join(root, "outside");
    mkdirSync(outside);
    symlinkSync(outside, join(target, "link"));
    await expectCodeAsync(
      () => extractCardAssets({ ...good, files: { "link/x.txt": Uint8Array.of(1) } }, target),
      "card.charx.path_traversal",
    );
    expect(existsSync(join(root, "escape.txt"))).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(["out", "outside"]);
  });
});
