import type { ActivatedLoreEntry, LorePrompt } from "./lore-types.ts";

/**
 * Order activated entries for the prompt and group them by position, as SillyTavern assembles World Info: within
 * a position, lower `order` comes first (higher order lands closer to the end, where it has more influence);
 * `at_depth` entries are grouped by (depth, role). Entries whose content is empty are not placed.
 */
export function assemblePrompt(activated: ActivatedLoreEntry[]): { ordered: ActivatedLoreEntry[]; prompt: LorePrompt } {
  // SillyTavern sorts by order descending (stable over activation order) and unshifts into each bucket.
  const ordered = [...activated].sort((a, b) => b.order - a.order).reverse();
  const prompt: LorePrompt = {
    before: "",
    after: "",
    anTop: [],
    anBottom: [],
    emTop: [],
    emBottom: [],
    atDepth: [],
    outlets: {},
    beforeDesc: [],
    afterDesc: [],
    personality: [],
    scenario: [],
  };
  const before: string[] = [];
  const after: string[] = [];
  // Depth groups keep SillyTavern's order: a group is created by its highest-order entry.
  const depthGroups: LorePrompt["atDepth"] = [];
  for (const e of [...ordered].reverse()) {
    if (e.content === "") continue;
    switch (e.position) {
      case "before_char":
        before.unshift(e.content);
        break;
      case "after_char":
        after.unshift(e.content);
        break;
      case "an_top":
        prompt.anTop.unshift(e.content);
        break;
      case "an_bottom":
        prompt.anBottom.unshift(e.content);
        break;
      case "em_top":
        prompt.emTop.unshift(e.content);
        break;
      case "em_bottom":
        prompt.emBottom.unshift(e.content);
        break;
      case "at_depth": {
        const depth = e.depth ?? 4;
        const group = depthGroups.find((g) => g.depth === depth && g.role === e.role);
        if (group) group.entries.unshift(e.content);
        else depthGroups.push({ depth, role: e.role, entries: [e.content] });
        break;
      }
      case "outlet": {
        const name = e.outlet ?? "";
        prompt.outlets[name] = [e.content, ...(prompt.outlets[name] ?? [])];
        break;
      }
      case "before_desc":
        prompt.beforeDesc.unshift(e.content);
        break;
      case "after_desc":
        prompt.afterDesc.unshift(e.content);
        break;
      case "personality":
        prompt.personality.unshift(e.content);
        break;
      case "scenario":
        prompt.scenario.unshift(e.content);
        break;
    }
  }
  prompt.before = before.join("\n");
  prompt.after = after.join("\n");
  prompt.atDepth = depthGroups;
  return { ordered, prompt };
}
