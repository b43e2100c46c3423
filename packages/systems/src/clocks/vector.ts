/**
 * Vector clocks (Fidge 1988, Mattern 1989): one counter per process; a process increments its own
 * entry at each event and a receive first takes the entry-wise maximum with the message's vector.
 * V(a) < V(b) (every entry ≤, one <) exactly when a happened before b; incomparable vectors mean the
 * events were concurrent. Vectors are records keyed by node id: a missing entry is 0.
 */
import { mutantActive } from '../kit/mutants';

export type Vector = Readonly<Record<string, number>>;

export type Order = 'before' | 'after' | 'equal' | 'concurrent';

/** How `a` relates to `b`. */
export function compareVectors(a: Vector, b: Vector): Order {
  let less = false;
  let greater = false;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    if (x < y) less = true;
    else if (x > y) greater = true;
    if (less && greater) return 'concurrent';
  }
  return less ? 'before' : greater ? 'after' : 'equal';
}

export class VectorClock {
  private value: Record<string, number>;

  constructor(
    private readonly self: string,
    initial: Vector = {},
    private readonly mutant?: string,
  ) {
    this.value = { ...initial };
  }

  get current(): Vector {
    return { ...this.value };
  }

  /** A local or send event. */
  tick(): Vector {
    this.value[this.self] = (this.value[this.self] ?? 0) + 1;
    return this.current;
  }

  /** A receive event of a message stamped `remote`. */
  receive(remote: Vector): Vector {
    if (!mutantActive(this.mutant, 'vector-forget-merge'))
      for (const [key, count] of Object.entries(remote))
        this.value[key] = Math.max(this.value[key] ?? 0, count);
    return this.tick();
  }
}
