/** What the B4 scenarios share: loops of client operations driven by the harness, and figures of a history. */
import type { History, Operation } from '@dslab/check';
import type { World } from '@dslab/sim';

/** Runs `step` again `pauseMs` after each time it says it is done, until `until` (true time). */
export function loop(
  world: World,
  startMs: number,
  until: number,
  pauseMs: number,
  step: (next: () => void) => void,
): void {
  const go = () => {
    if (world.now() >= until) return;
    step(() => world.after(pauseMs, 'next operation', go));
  };
  world.at(startMs, 'start session', go);
}

function keyOf(op: Operation): string {
  return (op.input as readonly unknown[])[0] as string;
}

/**
 * Reads that returned a value superseded in real time before they began: some write w of the key
 * completed before the read was invoked, and the value read is the initial one or was written by a
 * write that completed before w was invoked. Under linearizability there are none, whatever the order
 * of overlapping writes; any one is a real-time violation.
 */
export function supersededReads(history: History): { reads: number; superseded: number } {
  const writes = new Map<string, Operation[]>();
  const writerOf = new Map<string, Operation>();
  for (const op of history)
    if (op.f === 'write' && op.outcome === 'ok') {
      const key = keyOf(op);
      const list = writes.get(key) ?? [];
      list.push(op);
      writes.set(key, list);
      writerOf.set(`${key}\u0000${String((op.input as readonly unknown[])[1])}`, op);
    }
  let reads = 0;
  let superseded = 0;
  for (const op of history) {
    if (op.f !== 'read' || op.outcome !== 'ok') continue;
    reads++;
    const key = keyOf(op);
    const source = op.output === null ? undefined : writerOf.get(`${key}\u0000${String(op.output)}`);
    const sourceRet = source ? source.ret : -Infinity;
    for (const w of writes.get(key) ?? [])
      if (w !== source && w.ret < op.call && w.call > sourceRet) {
        superseded++;
        break;
      }
  }
  return { reads, superseded };
}

export function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let total = 0;
  for (const x of xs) total += f(x);
  return total;
}
