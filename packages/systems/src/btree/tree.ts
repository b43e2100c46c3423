/**
 * A B+tree with inspectable steps: values live in leaves linked left to right; inner pages hold
 * separators. Every operation reports the pages it touched and the splits, borrows and merges it
 * made, so the lab can animate a step and scenarios can count page reads. Keys are tuples (a composite
 * index) compared column by column; a single-column key is a one-element tuple.
 */
import { invariant } from '@dslab/sim';

export type KeyPart = number | string;
export type Key = readonly KeyPart[];

export function compareKeys(a: Key, b: Key): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as KeyPart;
    const y = b[i] as KeyPart;
    if (x === y) continue;
    if (typeof x === typeof y) return x < y ? -1 : 1;
    return typeof x === 'number' ? -1 : 1; // numbers sort before strings, as in a typed column
  }
  return a.length - b.length;
}

interface Leaf<V> {
  readonly id: number;
  readonly leaf: true;
  keys: Key[];
  values: V[];
  next: Leaf<V> | undefined;
  prev: Leaf<V> | undefined;
}

interface Inner<V> {
  readonly id: number;
  readonly leaf: false;
  /** children[i] holds keys < keys[i]; children[i + 1] holds keys ≥ keys[i]. */
  keys: Key[];
  children: Page<V>[];
}

type Page<V> = Leaf<V> | Inner<V>;

/**
 * How a page is laid out, so its capacity follows from bytes rather than being typed in. The default
 * is PostgreSQL's nbtree with an 8-byte key (bigint): an 8 KB page, a 24-byte page header plus 16 bytes
 * of b-tree special space; each entry is an index tuple — an 8-byte header holding the heap pointer (a
 * leaf) or the child page number (an inner page) — plus the key, padded to 8 bytes, plus a 4-byte line
 * pointer. (src/include/storage/bufpage.h, itemid.h, access/itup.h, access/nbtree.h.)
 */
export interface PageLayout {
  readonly pageBytes: number;
  /** Page header plus the index's special space. */
  readonly headerBytes: number;
  /** One key as stored. */
  readonly keyBytes: number;
  /** Per-entry tuple header: heap pointer or child page number, and flags. */
  readonly tupleHeaderBytes: number;
  /** Tuples are padded to a multiple of this. */
  readonly alignBytes: number;
  /** The entry's slot in the page's line-pointer array. */
  readonly linePointerBytes: number;
}

export const postgresBigintLayout: PageLayout = {
  pageBytes: 8_192,
  headerBytes: 24 + 16,
  keyBytes: 8,
  tupleHeaderBytes: 8,
  alignBytes: 8,
  linePointerBytes: 4,
};

/** Bytes one entry takes on the page: the aligned tuple and its line pointer. */
export function layoutEntryBytes(layout: PageLayout): number {
  const tuple = layout.tupleHeaderBytes + layout.keyBytes;
  return Math.ceil(tuple / layout.alignBytes) * layout.alignBytes + layout.linePointerBytes;
}

/** Entries that fit on one page: an inner page's most children, a leaf's most keys. */
export function layoutEntriesPerPage(layout: PageLayout): number {
  return Math.floor((layout.pageBytes - layout.headerBytes) / layoutEntryBytes(layout));
}

/** What a walk over the whole tree counts, level by level. */
export interface TreeShape {
  readonly height: number;
  /** Pages per level, root first. */
  readonly pagesPerLevel: readonly number[];
  readonly leaves: number;
  /** Keys per leaf, on average. */
  readonly keysPerLeaf: number;
  /** Children per inner page below the root, on average (the root is a partial level); 0 if none. */
  readonly childrenPerInnerPage: number;
  /** Inner pages below the root that the average is over. */
  readonly innerPagesMeasured: number;
  /** With a layout: bytes used by the fullest page, and the page size. */
  readonly fullestPageBytes?: number;
  readonly pageBytes?: number;
}

export interface StepReport {
  /** Pages read, root first (and, for a range scan, the leaves followed). */
  readonly pages: readonly number[];
  readonly splits: readonly { readonly page: number; readonly into: number; readonly separator: Key }[];
  readonly borrows: readonly { readonly page: number; readonly from: number }[];
  readonly merges: readonly { readonly page: number; readonly into: number }[];
}

export type SplitRule = 'half' | 'rightmost-fillfactor';

/** PostgreSQL's default leaf fillfactor (BTREE_DEFAULT_FILLFACTOR), used when the rightmost leaf splits. */
export const RIGHTMOST_LEAF_FILLFACTOR = 0.9;

export class BPlusTree<V> {
  private root: Page<V>;
  private nextId = 1;
  private count = 0;
  /** Most keys an inner page holds (fan-out − 1); a page splits above its maximum (see minKeys for the floor). */
  readonly maxKeys: number;
  /** Most keys a leaf holds: fan-out − 1 given a fan-out, every entry that fits given a layout. */
  readonly maxLeafKeys: number;
  /** Most children of an inner page. */
  readonly fanout: number;
  readonly layout: PageLayout | undefined;

  /**
   * How a full leaf splits: `half` (the textbook rule) always halves it; `rightmost-fillfactor` does what
   * PostgreSQL's nbtree does when the new key lands at the end of the rightmost leaf — keep
   * RIGHTMOST_LEAF_FILLFACTOR of it on the left and start a nearly empty page for the appends to come,
   * so an index built by appending ends up with packed leaves instead of half-empty ones.
   */
  readonly splitRule: SplitRule;

  /** A fan-out (most children per inner page), or a page layout the fan-out follows from. */
  constructor(fanoutOrLayout: number | PageLayout, options: { readonly splitRule?: SplitRule } = {}) {
    this.splitRule = options.splitRule ?? 'half';
    const fanout = typeof fanoutOrLayout === 'number' ? fanoutOrLayout : layoutEntriesPerPage(fanoutOrLayout);
    invariant(
      Number.isInteger(fanout) && fanout >= 3,
      'b+tree fan-out',
      () => `fan-out must be an integer ≥ 3, got ${fanout}`,
    );
    this.layout = typeof fanoutOrLayout === 'number' ? undefined : fanoutOrLayout;
    this.fanout = fanout;
    this.maxKeys = fanout - 1;
    this.maxLeafKeys = this.layout ? fanout : fanout - 1;
    this.root = this.newLeaf();
  }

  /**
   * Bytes a page uses under the layout: one entry per key in a leaf, one per child in an inner page
   * (as in PostgreSQL, whose first downlink carries no key).
   */
  pageBytesUsed(page: { readonly leaf: boolean; readonly keys: readonly unknown[] }): number {
    invariant(
      this.layout !== undefined,
      'b+tree layout',
      () => 'this tree was built from a fan-out, not a layout',
    );
    const entries = page.leaf ? page.keys.length : page.keys.length + 1;
    return this.layout.headerBytes + entries * layoutEntryBytes(this.layout);
  }

  /** Walks every page: pages per level, keys per leaf, children per inner page, fullest page. */
  shape(): TreeShape {
    const pagesPerLevel: number[] = [];
    let leaves = 0;
    let leafKeys = 0;
    let innerBelowRoot = 0;
    let childrenBelowRoot = 0;
    let fullest = 0;
    let row: Page<V>[] = [this.root];
    for (let depth = 0; row.length > 0; depth++) {
      pagesPerLevel.push(row.length);
      const next: Page<V>[] = [];
      for (const page of row) {
        if (this.layout) fullest = Math.max(fullest, this.pageBytesUsed(page));
        if (page.leaf) {
          leaves++;
          leafKeys += page.keys.length;
          continue;
        }
        if (depth > 0) {
          innerBelowRoot++;
          childrenBelowRoot += page.children.length;
        }
        for (const child of page.children) next.push(child);
      }
      row = next;
    }
    return {
      height: pagesPerLevel.length,
      pagesPerLevel,
      leaves,
      keysPerLeaf: leafKeys / leaves,
      childrenPerInnerPage: innerBelowRoot > 0 ? childrenBelowRoot / innerBelowRoot : 0,
      innerPagesMeasured: innerBelowRoot,
      ...(this.layout ? { fullestPageBytes: fullest, pageBytes: this.layout.pageBytes } : {}),
    };
  }

  private newLeaf(): Leaf<V> {
    return { id: this.nextId++, leaf: true, keys: [], values: [], next: undefined, prev: undefined };
  }

  get size(): number {
    return this.count;
  }

  get height(): number {
    let h = 1;
    let page = this.root;
    while (!page.leaf) {
      page = page.children[0] as Page<V>;
      h++;
    }
    return h;
  }

  get pageCount(): number {
    let n = 0;
    const walk = (page: Page<V>) => {
      n++;
      if (!page.leaf) page.children.forEach(walk);
    };
    walk(this.root);
    return n;
  }

  get leafCount(): number {
    let n = 0;
    for (let leaf: Leaf<V> | undefined = this.firstLeaf(); leaf; leaf = leaf.next) n++;
    return n;
  }

  private firstLeaf(): Leaf<V> {
    let page = this.root;
    while (!page.leaf) page = page.children[0] as Page<V>;
    return page;
  }

  /** Index of the child to descend into for `key`. */
  private childIndex(page: Inner<V>, key: Key): number {
    let lo = 0;
    let hi = page.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(key, page.keys[mid] as Key) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private leafPosition(leaf: Leaf<V>, key: Key): number {
    let lo = 0;
    let hi = leaf.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(leaf.keys[mid] as Key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The path of pages from the root to the leaf that would hold `key`. */
  private descend(key: Key): Page<V>[] {
    const path: Page<V>[] = [this.root];
    let page = this.root;
    while (!page.leaf) {
      page = page.children[this.childIndex(page, key)] as Page<V>;
      path.push(page);
    }
    return path;
  }

  get(key: Key): { readonly value: V | undefined; readonly report: StepReport } {
    const path = this.descend(key);
    const leaf = path[path.length - 1] as Leaf<V>;
    const i = this.leafPosition(leaf, key);
    const found = i < leaf.keys.length && compareKeys(leaf.keys[i] as Key, key) === 0;
    return {
      value: found ? leaf.values[i] : undefined,
      report: { pages: path.map((p) => p.id), splits: [], borrows: [], merges: [] },
    };
  }

  /** Inserts or replaces. */
  insert(key: Key, value: V): StepReport {
    const path = this.descend(key);
    const leaf = path[path.length - 1] as Leaf<V>;
    const i = this.leafPosition(leaf, key);
    const splits: { page: number; into: number; separator: Key }[] = [];
    if (i < leaf.keys.length && compareKeys(leaf.keys[i] as Key, key) === 0) {
      leaf.values[i] = value;
    } else {
      leaf.keys.splice(i, 0, key);
      leaf.values.splice(i, 0, value);
      this.count++;
      if (leaf.keys.length > this.maxLeafKeys) this.split(path, splits, i === leaf.keys.length - 1);
    }
    return { pages: path.map((p) => p.id), splits, borrows: [], merges: [] };
  }

  private split(
    path: Page<V>[],
    splits: { page: number; into: number; separator: Key }[],
    appendedAtEnd: boolean,
  ): void {
    let level = path.length - 1;
    let page = path[level] as Page<V>;
    while (page.keys.length > this.maxKeysOf(page)) {
      const packLeft =
        page.leaf && page.next === undefined && appendedAtEnd && this.splitRule === 'rightmost-fillfactor';
      const mid = packLeft
        ? Math.min(
            page.keys.length - 1,
            Math.max(1, Math.floor(this.maxLeafKeys * RIGHTMOST_LEAF_FILLFACTOR)),
          )
        : Math.floor(page.keys.length / 2);
      let separator: Key;
      let right: Page<V>;
      if (page.leaf) {
        const leaf: Leaf<V> = this.newLeaf();
        leaf.keys = page.keys.splice(mid);
        leaf.values = page.values.splice(mid);
        leaf.next = page.next;
        leaf.prev = page;
        if (page.next) page.next.prev = leaf;
        page.next = leaf;
        separator = leaf.keys[0] as Key; // copied up: the leaf keeps it
        right = leaf;
      } else {
        separator = page.keys[mid] as Key; // moved up: the inner page drops it
        const inner: Inner<V> = {
          id: this.nextId++,
          leaf: false,
          keys: page.keys.splice(mid + 1),
          children: page.children.splice(mid + 1),
        };
        page.keys.pop();
        right = inner;
      }
      splits.push({ page: page.id, into: right.id, separator });
      if (level === 0) {
        this.root = { id: this.nextId++, leaf: false, keys: [separator], children: [page, right] };
        return;
      }
      const parent = path[level - 1] as Inner<V>;
      const at = parent.children.indexOf(page);
      parent.keys.splice(at, 0, separator);
      parent.children.splice(at + 1, 0, right);
      level--;
      page = parent;
    }
  }

  /** Removes `key`; rebalances by borrowing from a sibling or merging with it. */
  delete(key: Key): StepReport & { readonly deleted: boolean } {
    const path = this.descend(key);
    const leaf = path[path.length - 1] as Leaf<V>;
    const i = this.leafPosition(leaf, key);
    const borrows: { page: number; from: number }[] = [];
    const merges: { page: number; into: number }[] = [];
    const pages = path.map((p) => p.id);
    if (i >= leaf.keys.length || compareKeys(leaf.keys[i] as Key, key) !== 0) {
      return { pages, splits: [], borrows, merges, deleted: false };
    }
    leaf.keys.splice(i, 1);
    leaf.values.splice(i, 1);
    this.count--;
    this.rebalance(path, borrows, merges);
    return { pages, splits: [], borrows, merges, deleted: true };
  }

  /**
   * Fewest keys a non-root page may hold: a leaf ⌈max/2⌉, an inner page ⌊max/2⌋ (it pulls the parent's
   * separator down when merging, so two underfull inner pages must fit together with it).
   */
  private minKeys(page: Page<V>): number {
    return page.leaf ? Math.ceil(this.maxLeafKeys / 2) : Math.floor(this.maxKeys / 2);
  }

  private maxKeysOf(page: Page<V>): number {
    return page.leaf ? this.maxLeafKeys : this.maxKeys;
  }

  private rebalance(
    path: Page<V>[],
    borrows: { page: number; from: number }[],
    merges: { page: number; into: number }[],
  ): void {
    for (let level = path.length - 1; level > 0; level--) {
      const page = path[level] as Page<V>;
      if (page.keys.length >= this.minKeys(page)) return;
      const parent = path[level - 1] as Inner<V>;
      const at = parent.children.indexOf(page);
      const left = at > 0 ? (parent.children[at - 1] as Page<V>) : undefined;
      const right = at < parent.children.length - 1 ? (parent.children[at + 1] as Page<V>) : undefined;
      if (left && left.keys.length > this.minKeys(left)) {
        this.borrowFromLeft(parent, at, page, left);
        borrows.push({ page: page.id, from: left.id });
        return;
      }
      if (right && right.keys.length > this.minKeys(right)) {
        this.borrowFromRight(parent, at, page, right);
        borrows.push({ page: page.id, from: right.id });
        return;
      }
      if (left) {
        this.mergeInto(parent, at - 1, left, page);
        merges.push({ page: page.id, into: left.id });
      } else if (right) {
        this.mergeInto(parent, at, page, right);
        merges.push({ page: right.id, into: page.id });
      }
    }
    // The root shrinks when it is an inner page left with one child.
    if (!this.root.leaf && this.root.children.length === 1) this.root = this.root.children[0] as Page<V>;
  }

  private borrowFromLeft(parent: Inner<V>, at: number, page: Page<V>, left: Page<V>): void {
    if (page.leaf && left.leaf) {
      page.keys.unshift(left.keys.pop() as Key);
      page.values.unshift(left.values.pop() as V);
      parent.keys[at - 1] = page.keys[0] as Key;
    } else if (!page.leaf && !left.leaf) {
      page.keys.unshift(parent.keys[at - 1] as Key);
      page.children.unshift(left.children.pop() as Page<V>);
      parent.keys[at - 1] = left.keys.pop() as Key;
    }
  }

  private borrowFromRight(parent: Inner<V>, at: number, page: Page<V>, right: Page<V>): void {
    if (page.leaf && right.leaf) {
      page.keys.push(right.keys.shift() as Key);
      page.values.push(right.values.shift() as V);
      parent.keys[at] = right.keys[0] as Key;
    } else if (!page.leaf && !right.leaf) {
      page.keys.push(parent.keys[at] as Key);
      page.children.push(right.children.shift() as Page<V>);
      parent.keys[at] = right.keys.shift() as Key;
    }
  }

  /** Merges `right` into `left`, its neighbour at parent.children[index]. */
  private mergeInto(parent: Inner<V>, index: number, left: Page<V>, right: Page<V>): void {
    const separator = parent.keys[index] as Key;
    if (left.leaf && right.leaf) {
      left.keys.push(...right.keys);
      left.values.push(...right.values);
      left.next = right.next;
      if (right.next) right.next.prev = left;
    } else if (!left.leaf && !right.leaf) {
      left.keys.push(separator, ...right.keys);
      left.children.push(...right.children);
    }
    parent.keys.splice(index, 1);
    parent.children.splice(index + 1, 1);
  }

  /**
   * Rows with lo ≤ key ≤ hi in order (a missing bound is open): one descent, then along the leaf links.
   * `pages` counts the descent and every leaf read.
   */
  range(
    lo: Key | undefined,
    hi: Key | undefined,
    limit = Infinity,
  ): { readonly rows: [Key, V][]; readonly pages: number[] } {
    const path = lo ? this.descend(lo) : this.descendFirst();
    const pages = path.map((p) => p.id);
    const rows: [Key, V][] = [];
    let leaf: Leaf<V> | undefined = path[path.length - 1] as Leaf<V>;
    let i = lo ? this.leafPosition(leaf, lo) : 0;
    while (leaf && rows.length < limit) {
      for (; i < leaf.keys.length && rows.length < limit; i++) {
        const key = leaf.keys[i] as Key;
        if (hi && compareKeys(key, hi) > 0) return { rows, pages };
        rows.push([key, leaf.values[i] as V]);
      }
      leaf = leaf.next;
      i = 0;
      if (leaf && rows.length < limit) pages.push(leaf.id);
    }
    return { rows, pages };
  }

  private descendFirst(): Page<V>[] {
    const path: Page<V>[] = [this.root];
    let page = this.root;
    while (!page.leaf) {
      page = page.children[0] as Page<V>;
      path.push(page);
    }
    return path;
  }

  /** The pages level by level, root first, left to right (plain data for the lab to draw). */
  levels(): { readonly id: number; readonly leaf: boolean; readonly keys: readonly Key[] }[][] {
    const levels: { id: number; leaf: boolean; keys: Key[] }[][] = [];
    let row: Page<V>[] = [this.root];
    while (row.length > 0) {
      levels.push(row.map((page) => ({ id: page.id, leaf: page.leaf, keys: [...page.keys] })));
      row = row.flatMap((page) => (page.leaf ? [] : page.children));
    }
    return levels;
  }

  /** Checks the structure: ordering, separators, occupancy, equal leaf depth, leaf links. Throws. */
  validate(): void {
    let leafDepth = -1;
    const walk = (page: Page<V>, depth: number, lo: Key | undefined, hi: Key | undefined) => {
      for (let i = 1; i < page.keys.length; i++) {
        invariant(
          compareKeys(page.keys[i - 1] as Key, page.keys[i] as Key) < 0,
          'b+tree order',
          () => `page ${page.id} is not sorted`,
        );
      }
      for (const key of page.keys) {
        invariant(
          !lo || compareKeys(key, lo) >= 0,
          'b+tree separators',
          () => `page ${page.id} holds a key below its range`,
        );
        invariant(
          !hi || compareKeys(key, hi) < 0,
          'b+tree separators',
          () => `page ${page.id} holds a key above its range`,
        );
      }
      // Under the rightmost-fillfactor rule the rightmost leaf starts nearly empty by design: appends fill it.
      const exempt = this.splitRule === 'rightmost-fillfactor' && page.leaf && page.next === undefined;
      if (page !== this.root && !exempt) {
        invariant(
          page.keys.length >= this.minKeys(page),
          'b+tree occupancy',
          () => `page ${page.id} underflows with ${page.keys.length} keys`,
        );
      }
      invariant(
        page.keys.length <= this.maxKeysOf(page),
        'b+tree occupancy',
        () => `page ${page.id} overflows with ${page.keys.length} keys`,
      );
      if (this.layout) {
        const layout = this.layout;
        invariant(
          this.pageBytesUsed(page) <= layout.pageBytes,
          'b+tree page size',
          () => `page ${page.id} uses ${this.pageBytesUsed(page)} bytes of ${layout.pageBytes}`,
        );
      }
      if (page.leaf) {
        if (leafDepth < 0) leafDepth = depth;
        invariant(
          depth === leafDepth,
          'b+tree balance',
          () => `leaf ${page.id} at depth ${depth}, others at ${leafDepth}`,
        );
        return;
      }
      invariant(
        page.children.length === page.keys.length + 1,
        'b+tree fan-out',
        () => `page ${page.id}: ${page.children.length} children for ${page.keys.length} keys`,
      );
      page.children.forEach((child, i) =>
        walk(child, depth + 1, i === 0 ? lo : page.keys[i - 1], i === page.keys.length ? hi : page.keys[i]),
      );
    };
    walk(this.root, 1, undefined, undefined);
    let seen = 0;
    let previous: Key | undefined;
    for (let leaf: Leaf<V> | undefined = this.firstLeaf(); leaf; leaf = leaf.next) {
      for (const key of leaf.keys) {
        invariant(
          !previous || compareKeys(previous, key) < 0,
          'b+tree leaf links',
          () => 'leaf chain out of order',
        );
        previous = key;
        seen++;
      }
    }
    invariant(seen === this.count, 'b+tree count', () => `${seen} keys in the leaves, ${this.count} counted`);
  }
}
