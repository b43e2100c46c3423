/**
 * Which append wrote each element of a key, and how often it was appended and seen. Elle-style
 * workloads append small distinct integers to each key, so when a key's elements fit a dense range
 * they are indexed by value in a plain array; anything else (strings, sparse numbers) goes through a
 * Map. Built once per key while its version order is read, then dropped.
 */
import { AMBIGUOUS } from './context';
import type { Scalar } from './types';

/** Elements spread wider than this many slots per element use the Map. */
const DENSITY = 4;

export class ElementIndex {
  private readonly min: number;
  private readonly dense: boolean;
  private readonly map: Map<Scalar, number> | undefined;
  /** Per slot: the append op (AMBIGUOUS if several), how many appends, how many times seen so far. */
  private readonly op: number[];
  private readonly appended: number[];
  private readonly seen: number[];

  constructor(values: readonly Scalar[], ops: ArrayLike<number>) {
    let min = Infinity;
    let max = -Infinity;
    let integers = true;
    for (const value of values) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        integers = false;
        break;
      }
      if (value < min) min = value;
      if (value > max) max = value;
    }
    this.dense = integers && (values.length === 0 || max - min <= DENSITY * values.length + 16);
    this.min = this.dense && values.length > 0 ? min : 0;
    const size = this.dense && values.length > 0 ? max - min + 1 : 0;
    this.map = this.dense ? undefined : new Map();
    this.op = new Array<number>(this.dense ? size : values.length).fill(-1);
    this.appended = new Array<number>(this.op.length).fill(0);
    this.seen = new Array<number>(this.op.length).fill(0);
    let next = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as Scalar;
      let slot: number;
      if (this.map) {
        const known = this.map.get(value);
        slot = known ?? next++;
        if (known === undefined) this.map.set(value, slot);
      } else slot = (value as number) - this.min;
      this.appended[slot] = (this.appended[slot] as number) + 1;
      this.op[slot] = this.op[slot] === -1 ? (ops[i] as number) : AMBIGUOUS;
    }
  }

  /** The slot of an element, or -1 when no append wrote it. */
  slot(value: Scalar): number {
    if (this.map) return this.map.get(value) ?? -1;
    if (typeof value !== 'number') return -1;
    const slot = value - this.min;
    return slot >= 0 && slot < this.op.length && (this.appended[slot] as number) > 0 ? slot : -1;
  }

  /** The append op that wrote the slot's element, or AMBIGUOUS. */
  writer(slot: number): number {
    return this.op[slot] as number;
  }

  appendCount(slot: number): number {
    return this.appended[slot] as number;
  }

  /** Counts one more sighting of the slot's element; returns how many so far. */
  see(slot: number): number {
    const count = (this.seen[slot] as number) + 1;
    this.seen[slot] = count;
    return count;
  }

  /** Elements appended more than once. */
  ambiguous(): number {
    let count = 0;
    for (const n of this.appended) if (n > 1) count++;
    return count;
  }
}
