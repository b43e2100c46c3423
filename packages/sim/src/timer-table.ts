/**
 * A node's live timers by id, for `clearTimer` and for cancelling them all in a crash. Open addressing
 * over a typed array of ids with linear probing and backward-shift deletion (no tombstones): setting and
 * clearing a timer allocate nothing once the table has grown to the node's peak, where a Map reallocated
 * its table whenever deletes shrank it (two timers set and dropped per client operation made that a
 * noticeable share of a simulation's garbage).
 */

/** A free slot (timer ids start at 1). */
const EMPTY = 0;

export class TimerTable<T> {
  private ids = new Float64Array(8);
  private items: (T | undefined)[] = Array.from({ length: 8 }, () => undefined);
  private live = 0;

  get size(): number {
    return this.live;
  }

  /** Adds a timer; `id` must be a positive integer not in the table. */
  set(id: number, item: T): void {
    if (2 * (this.live + 1) > this.ids.length) this.grow();
    const ids = this.ids;
    const mask = ids.length - 1;
    let i = id & mask;
    while (ids[i] !== EMPTY) i = (i + 1) & mask;
    ids[i] = id;
    this.items[i] = item;
    this.live++;
  }

  get(id: number): T | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.items[i];
  }

  /** Removes the timer `id`; returns it, or undefined when it is not here. */
  delete(id: number): T | undefined {
    let hole = this.find(id);
    if (hole < 0) return undefined;
    const ids = this.ids;
    const items = this.items;
    const item = items[hole];
    const mask = ids.length - 1;
    ids[hole] = EMPTY;
    items[hole] = undefined;
    this.live--;
    // Entries after the hole that probed past it move back into it, so every lookup still finds its entry
    // before reaching an empty slot.
    for (let j = (hole + 1) & mask; ids[j] !== EMPTY; j = (j + 1) & mask) {
      const home = (ids[j] as number) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      ids[hole] = ids[j] as number;
      items[hole] = items[j];
      ids[j] = EMPTY;
      items[j] = undefined;
      hole = j;
    }
    return item;
  }

  /** Calls `visit` on every live timer, then empties the table. */
  drain(visit: (item: T) => void): void {
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== EMPTY) visit(this.items[i] as T);
    this.ids.fill(EMPTY);
    this.items.fill(undefined);
    this.live = 0;
  }

  private find(id: number): number {
    const ids = this.ids;
    const mask = ids.length - 1;
    for (let i = id & mask; ; i = (i + 1) & mask) {
      const at = ids[i];
      if (at === id) return i;
      if (at === EMPTY) return -1;
    }
  }

  private grow(): void {
    const ids = this.ids;
    const items = this.items;
    this.ids = new Float64Array(ids.length * 2);
    this.items = Array.from({ length: ids.length * 2 }, () => undefined);
    this.live = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== EMPTY) this.set(ids[i] as number, items[i] as T);
  }
}
