/** Helpers the quorum scenarios share: scripted requests, the checker's counterexample, and interval arithmetic. */
import { checkLinearizable, kvModel, type CheckResult, type History, type Operation } from '@dslab/check';
import type { NodeId } from '@dslab/sim';
import type { ClientResult } from '../client';
import type { QuorumCluster } from '../cluster';
import type { Level } from '../messages';
import type { VersionVector } from '../versions';

/** Checker budget per key; past it the verdict is `unknown` and the scenario says so. */
export const MAX_STATES = 400_000;

/** Longest a scripted request may take before the script gives up on it (virtual ms). */
const REQUEST_LIMIT_MS = 10_000;
/**
 * Pause after each scripted request, so the next one starts strictly after it ended: the checker
 * takes operations that meet at one instant as concurrent.
 */
const GAP_MS = 1;

/** Sends one read and runs the world until it completes. */
export function read(
  cluster: QuorumCluster,
  client: NodeId,
  key: string,
  level: Level,
  via?: NodeId,
): ClientResult {
  let result: ClientResult | undefined;
  cluster.client(client).get(key, level, (r) => (result = r), via);
  cluster.world.runUntilCondition(() => result !== undefined, REQUEST_LIMIT_MS);
  if (!result) throw new Error(`read of ${key} by ${client} did not finish`);
  cluster.world.runFor(GAP_MS);
  return result;
}

/** Sends one write and runs the world until it completes. */
export function write(
  cluster: QuorumCluster,
  client: NodeId,
  key: string,
  value: string,
  level: Level,
  options: { via?: NodeId; context?: VersionVector } = {},
): ClientResult {
  let result: ClientResult | undefined;
  cluster.client(client).put(key, value, level, (r) => (result = r), options);
  cluster.world.runUntilCondition(() => result !== undefined, REQUEST_LIMIT_MS);
  if (!result) throw new Error(`write of ${key} by ${client} did not finish`);
  cluster.world.runFor(GAP_MS);
  return result;
}

export function valuesRead(result: ClientResult): readonly string[] {
  return result.ok && result.f === 'get' ? result.values : [];
}

/** One operation as a line: `c2 read k1 → "c1-3" (120.4–131.9 ms)`. */
export function describeOp(op: Operation): string {
  const input = op.input as unknown[];
  const what =
    op.f === 'read'
      ? `read ${String(input[0])} → ${JSON.stringify(op.output)}`
      : `write ${String(input[0])} ${JSON.stringify(input[1])}`;
  const end = Number.isFinite(op.ret) ? op.ret.toFixed(1) : '∞';
  return `${op.process} ${what} [${op.outcome}] (${op.call.toFixed(1)}–${end} ms)`;
}

export interface Judged {
  readonly check: CheckResult;
  readonly linearizable: boolean;
  readonly undecided: boolean;
  /** For a violation: the operation no order explains and the operations on its key around it. */
  readonly counterexample?: { readonly stuck: string; readonly operations: readonly string[] };
}

/**
 * Judges a history with the kv model and, for a violation, extracts the evidence: the operation the
 * search could not place, and the operations on its key that overlap the window from the last write
 * it could have read to its completion (at most `limit`, nearest first).
 */
export function judge(history: History, limit = 12): Judged {
  const check = checkLinearizable(history, kvModel(null), { maxStates: MAX_STATES });
  if (check.verdict !== 'not-linearizable')
    return { check, linearizable: check.verdict === 'linearizable', undecided: check.verdict === 'unknown' };
  const part = check.parts.find((p) => p.verdict === 'not-linearizable');
  const stuck = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
  if (!stuck) return { check, linearizable: false, undecided: false };
  const key = (stuck.input as unknown[])[0];
  const sameKey = history.filter((op) => (op.input as unknown[])[0] === key && op.outcome !== 'fail');
  // From the write whose value the stuck read returned, or the last write acknowledged before it began
  // (whichever is earlier), to the stuck op's end.
  const source =
    stuck.f === 'read'
      ? sameKey.find((op) => op.f === 'write' && (op.input as unknown[])[1] === stuck.output)
      : undefined;
  let lastBefore: Operation | undefined;
  for (const op of sameKey)
    if (
      op.f === 'write' &&
      op.outcome === 'ok' &&
      op.ret < stuck.call &&
      (!lastBefore || op.ret > lastBefore.ret)
    )
      lastBefore = op;
  const from = Math.min(source?.call ?? stuck.call, lastBefore?.call ?? stuck.call, stuck.call);
  const to = Number.isFinite(stuck.ret) ? stuck.ret : stuck.call;
  const window = sameKey
    .filter((op) => op.call <= to && (Number.isFinite(op.ret) ? op.ret : Infinity) >= from)
    .sort((a, b) => a.call - b.call);
  const around = window.length > limit ? window.slice(window.length - limit) : window;
  return {
    check,
    linearizable: false,
    undecided: false,
    counterexample: { stuck: describeOp(stuck), operations: around.map(describeOp) },
  };
}

/** Wilson score interval at 95% for k successes out of n (the tolerance of a measured proportion). */
export function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const z = 1.959964;
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The q-quantile (0..1) of a list of numbers (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Reads that returned a value some other write had already replaced before the read began: the write
 * `w` it returned completed, then a write `w'` on the key started after `w` completed and itself
 * completed before the read was invoked. Such a read is stale by any reading of real time.
 */
export function staleReads(history: History): { reads: number; stale: number } {
  const writes = new Map<unknown, Operation[]>();
  for (const op of history) {
    if (op.f !== 'write' || op.outcome === 'fail') continue;
    const key = (op.input as unknown[])[0];
    let list = writes.get(key);
    if (!list) writes.set(key, (list = []));
    list.push(op);
  }
  let reads = 0;
  let stale = 0;
  for (const op of history) {
    if (op.f !== 'read' || op.outcome !== 'ok') continue;
    reads++;
    const list = writes.get((op.input as unknown[])[0]) ?? [];
    // The write it returned may have an unknown outcome (then it ends at infinity: never provably old).
    const source = list.find((w) => (w.input as unknown[])[1] === op.output);
    const sourceEnd = source ? source.ret : -Infinity;
    if (list.some((w) => w.outcome === 'ok' && w.call > sourceEnd && w.ret < op.call)) stale++;
  }
  return { reads, stale };
}
