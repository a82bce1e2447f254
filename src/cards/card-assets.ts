import { lstat, mkdir, realpath, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { CardError } from "./card-error.ts";
import type { LoadedCard } from "./card-schema.ts";
import { unsafeZipPath } from "./zip-directory.ts";

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * Write a card's embedded files (CharX members) under `dir`. Every path is checked twice: as a zip path (no `..`,
 * no absolute paths, no backslashes) and, after the folders are created, by resolving real paths, so a symlink
 * planted inside `dir` cannot redirect a write outside it. Returns the paths written.
 */
export async function extractCardAssets(card: LoadedCard, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  const written: string[] = [];
  for (const [name, data] of Object.entries(card.files)) {
    const unsafe = unsafeZipPath(name);
    const target = resolve(root, name);
    if (unsafe || !inside(root, target)) {
      throw new CardError("card.charx.path_traversal", `refusing to write "${name}" outside ${dir}`, {
        hint: "The card's file list is hostile or broken; nothing outside the target folder was written.",
      });
    }
    await mkdir(dirname(target), { recursive: true });
    const parent = await realpath(dirname(target));
    if (parent !== root && !inside(root, parent)) {
      throw new CardError("card.charx.path_traversal", `refusing to write "${name}": its folder leads outside ${dir}`, {
        hint: "A symbolic link inside the target folder points elsewhere; remove it and retry.",
      });
    }
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) {
      throw new CardError("card.charx.path_traversal", `refusing to write "${name}": it is a symbolic link`, {
        hint: "A symbolic link inside the target folder could point anywhere; remove it and retry.",
      });
    }
    await writeFile(target, data, { flag: "w" });
    written.push(target);
  }
  return written;
}
