/**
 * A last-write-wins register per key, replicated by broadcast and anti-entropy: each write carries the
 * writer's physical timestamp, and a replica keeps the write with the largest (timestamp, writer).
 * Every replica ends with the same value whatever order writes arrive in — and that value is the
 * write with the largest timestamp, which is not the last write in real time when clocks disagree.
 */
import { mutantActive } from '../kit/mutants';

export interface LwwWrite {
  readonly id: string;
  readonly key: string;
  /** The writer's physical clock when it wrote (ms). */
  readonly ts: number;
  readonly node: string;
}

/** True when `a` wins over `b`: the larger timestamp, ties broken by writer id. */
export function lwwWins(a: LwwWrite, b: LwwWrite): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : a.node > b.node;
}

export class LwwStore {
  private readonly values = new Map<string, LwwWrite>();

  constructor(
    initial: readonly LwwWrite[] = [],
    private readonly mutant?: string,
  ) {
    for (const write of initial) this.values.set(write.key, write);
  }

  /** Merges one write; true when it became the key's value. */
  apply(write: LwwWrite): boolean {
    const current = this.values.get(write.key);
    if (current?.id === write.id) return false;
    // The broken variant keeps whatever arrived last, so replicas that saw writes in different orders differ.
    if (current && !lwwWins(write, current) && !mutantActive(this.mutant, 'lww-last-arrival-wins'))
      return false;
    this.values.set(write.key, write);
    return true;
  }

  get(key: string): LwwWrite | undefined {
    return this.values.get(key);
  }

  /** Every key's value, sorted by key (what gossip sends and what convergence compares). */
  entries(): LwwWrite[] {
    return [...this.values.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
