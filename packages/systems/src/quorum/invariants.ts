/**
 * Safety properties of the quorum store that hold whatever N, R, W, the conflict mode or the faults:
 * checked after every event from what the harness saw (the writes clients issued, every change a
 * replica made to a key, every message sent), with the harness's own reading of the rules — never by
 * asking the code under test whether it behaved.
 */
import type { NodeId, TraceEvent, World } from '@dslab/sim';
import type { QuorumMessage } from './messages';
import type { ApplySource, ReplicaObserver } from './node';
import { descends, type DvvSibling, type Stored } from './versions';

export const INVARIANTS = {
  /** A read returns only values some client wrote to that key: nothing invented, nothing from another key. */
  valuesWritten: 'every value read was written to that key',
  /** A stand-in hands a hint only to the node the hint names. */
  hintsToIntended: 'hints go only to the node they were meant for',
  /** Reconciling siblings (a write, a sync) keeps every sibling no other sibling's causal past covers. */
  dvvKeepsDots: 'a DVV merge never drops an undominated dot',
  /** A read repair never leaves a replica with a state its old state dominates. */
  repairMonotone: 'read repair never moves a replica back',
} as const;

/** The final check: once healed and quiet, every key's preferred replicas hold the same state, and no hint is left. */
export const CONVERGENCE_CHECK = 'replicas converge after heal';

/** `y` keeps `x`: the same write (dot and value), or `x`'s dot is in `y`'s causal past. */
function keeps(y: DvvSibling, x: DvvSibling): boolean {
  if (y.dot.node === x.dot.node && y.dot.counter === x.dot.counter) return y.value === x.value;
  return x.dot.counter <= (y.past[x.dot.node] ?? 0);
}

function show(state: Stored | undefined): string {
  if (!state) return 'nothing';
  switch (state.kind) {
    case 'lww':
      return `${state.value}@${state.ts.toFixed(1)}`;
    case 'vv':
      return `[${state.values.join(',')}] ${JSON.stringify(state.vv)}`;
    case 'dvv':
      return `{${state.siblings.map((s) => `${s.value}(${s.dot.node}:${s.dot.counter})`).join(', ')}}`;
  }
}

export class QuorumObserver implements ReplicaObserver {
  private readonly written = new Map<string, Set<string>>();
  /** The first violation of each invariant, by name. */
  readonly problems: Record<string, string | undefined> = {};
  /** Hook for scenarios that measure coordinators (latency per request). */
  onCoordinated:
    | ((
        node: NodeId,
        kind: 'get' | 'put',
        needed: number,
        replyMs: readonly number[],
        answeredMs: number,
      ) => void)
    | undefined;

  private report(name: string, problem: string): void {
    this.problems[name] ??= problem;
  }

  /** A client is about to write `value` to `key` (values are unique per write). */
  wrote(key: string, value: string): void {
    let values = this.written.get(key);
    if (!values) this.written.set(key, (values = new Set()));
    values.add(value);
  }

  /** A client's read of `key` returned these values. */
  readReturned(client: NodeId, key: string, values: readonly string[]): void {
    const known = this.written.get(key);
    for (const value of values)
      if (!known?.has(value))
        this.report(
          INVARIANTS.valuesWritten,
          `${client} read ${JSON.stringify(value)} from ${key}, which no client wrote there`,
        );
  }

  applied(
    node: NodeId,
    key: string,
    before: Stored | undefined,
    incoming: Stored,
    after: Stored,
    source: ApplySource,
  ): void {
    if (after.kind === 'dvv') {
      for (const from of [before, incoming]) {
        if (from?.kind !== 'dvv') continue;
        for (const x of from.siblings)
          if (!after.siblings.some((y) => keeps(y, x)))
            this.report(
              INVARIANTS.dvvKeepsDots,
              `${node} reconciled ${key} (${source}) from ${show(before)} with ${show(incoming)} into ${show(after)}: ${x.value} (${x.dot.node}:${x.dot.counter}) is gone and nothing kept covers it`,
            );
      }
    }
    if (source === 'repair' && !descends(after, before))
      this.report(
        INVARIANTS.repairMonotone,
        `read repair moved ${node}'s ${key} back from ${show(before)} to ${show(after)}`,
      );
  }

  coordinated(
    node: NodeId,
    kind: 'get' | 'put',
    needed: number,
    replyMs: readonly number[],
    answeredMs: number,
  ): void {
    this.onCoordinated?.(node, kind, needed, replyMs, answeredMs);
  }

  /** Watches the messages sent: a handoff must go to the node its hint names. */
  watch(world: World): void {
    world.onTrace((event: TraceEvent) => {
      if (event.kind !== 'send') return;
      const msg = event.msg as QuorumMessage;
      if (msg.type === 'handoff' && event.to !== msg.intended)
        this.report(
          INVARIANTS.hintsToIntended,
          `${event.from} handed ${msg.intended}'s hint for ${msg.key} to ${event.to}`,
        );
    });
  }

  install(world: World): void {
    this.watch(world);
    for (const name of Object.values(INVARIANTS)) world.addInvariant(name, () => this.problems[name]);
  }
}

export { show as describeState };
