import type { MessageRow } from "./chat-tables.ts";

/** A slot (one place in the conversation) with its versions, oldest first. */
export interface Slot {
  id: string;
  parentKey: string;
  position: number;
  versions: MessageRow[];
  /** The newest live version; undefined when the slot is deleted. */
  shown: MessageRow | undefined;
}

/** One message on the shown path, with where it stands among its siblings ("2/5"). */
export interface PathItem {
  message: MessageRow;
  slot: Slot;
  /** 0-based index among the live siblings. */
  siblingIndex: number;
  siblingCount: number;
  /** The shown version id of each live sibling, in sibling order (for choosing a swipe). */
  siblingIds: string[];
}

/** A chat's messages indexed as a tree of slots. Pure: built from rows and the selections, no I/O. */
export class ChatTree {
  readonly slots = new Map<string, Slot>();
  private readonly children = new Map<string, Slot[]>();
  private readonly byId = new Map<string, MessageRow>();

  constructor(
    rows: readonly MessageRow[],
    private readonly selections: ReadonlyMap<string, string>,
  ) {
    for (const row of rows) {
      this.byId.set(row.id, row);
      let slot = this.slots.get(row.slot_id);
      if (!slot) {
        slot = { id: row.slot_id, parentKey: row.parent_key, position: row.position, versions: [], shown: undefined };
        this.slots.set(row.slot_id, slot);
        const siblings = this.children.get(row.parent_key) ?? [];
        siblings.push(slot);
        this.children.set(row.parent_key, siblings);
      }
      slot.versions.push(row);
    }
    for (const slot of this.slots.values()) {
      slot.versions.sort((a, b) => a.version - b.version);
      slot.shown = slot.versions.findLast((v) => v.deleted_at === null);
    }
    for (const siblings of this.children.values()) siblings.sort((a, b) => a.position - b.position);
  }

  /** A message version by id. */
  message(id: string): MessageRow | undefined {
    return this.byId.get(id);
  }

  /** The slot a message version belongs to. */
  slotOf(id: string): Slot | undefined {
    const row = this.byId.get(id);
    return row ? this.slots.get(row.slot_id) : undefined;
  }

  /** Live sibling slots under a parent key ("" = the root), in sibling order. */
  liveChildren(parentKey: string): Slot[] {
    return (this.children.get(parentKey) ?? []).filter((s) => s.shown !== undefined);
  }

  /** All sibling slots under a parent key, deleted ones included. */
  allChildren(parentKey: string): Slot[] {
    return this.children.get(parentKey) ?? [];
  }

  /** Next free sibling position under a parent. */
  nextPosition(parentKey: string): number {
    const siblings = this.children.get(parentKey) ?? [];
    return siblings.length === 0 ? 0 : Math.max(...siblings.map((s) => s.position)) + 1;
  }

  private item(slot: Slot, live: Slot[]): PathItem {
    const siblingIndex = live.indexOf(slot);
    return {
      message: slot.shown as MessageRow,
      slot,
      siblingIndex,
      siblingCount: live.length,
      siblingIds: live.map((s) => (s.shown as MessageRow).id),
    };
  }

  /**
   * The conversation as shown: under each parent the selected live sibling (else the last live one). A deleted
   * slot with no live sibling is passed through, so deleting a message removes it and keeps what followed.
   */
  shownPath(): PathItem[] {
    const path: PathItem[] = [];
    const seen = new Set<string>();
    let key = "";
    for (;;) {
      const all = this.children.get(key);
      if (!all || all.length === 0 || seen.has(key)) break;
      seen.add(key);
      const live = all.filter((s) => s.shown !== undefined);
      const selected = this.selections.get(key);
      const chosen = live.find((s) => s.id === selected) ?? live.at(-1);
      if (chosen) {
        path.push(this.item(chosen, live));
        key = chosen.id;
      } else key = (all.find((s) => s.id === selected) ?? (all.at(-1) as Slot)).id;
    }
    return path;
  }

  /** The shown versions from the root down to `slotId` inclusive (deleted slots left out), following parent links. */
  chainTo(slotId: string | null): PathItem[] {
    const chain: PathItem[] = [];
    const seen = new Set<string>();
    let slot = slotId === null ? undefined : this.slots.get(slotId);
    while (slot && !seen.has(slot.id)) {
      seen.add(slot.id);
      if (slot.shown) chain.push(this.item(slot, this.liveChildren(slot.parentKey)));
      slot = slot.parentKey === "" ? undefined : this.slots.get(slot.parentKey);
    }
    return chain.reverse();
  }
}
