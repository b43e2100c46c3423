/** Runs idempotency-key experiments on the engine: concurrent duplicates, and retries after crashes. */
import { Rng } from '@dslab/sim';
import { buildMvccWorld, mvccParams } from '../mvcc/cluster';
import { Fleet } from './fleet';
import {
  CHARGES,
  IDEMPOTENCY,
  KeyCache,
  request,
  type Answer,
  type KeyDesign,
  type RequestContext,
} from './requests';

export interface RequestRun {
  readonly answers: readonly Answer[];
  /** Charges per key in the database. */
  readonly chargesPerKey: ReadonlyMap<number, number>;
  readonly doubleCharged: number;
  readonly traceHash: string;
}

const LIMIT_MS = 600_000;

/**
 * `keys` keys; for each, `concurrent` requests arriving `staggerMs` apart (a client and its impatient
 * retry, or a double click). With `crash`, a request dies at its weak point with that chance and its
 * client retries once the timeout passes.
 */
export function runRequests(options: {
  readonly seed: number;
  readonly design: KeyDesign;
  readonly keys: number;
  readonly concurrent: number;
  readonly staggerMs: number;
  readonly workMs: number;
  readonly crash?: number;
  readonly retryAfterMs?: number;
}): RequestRun {
  const cluster = buildMvccWorld(
    mvccParams.parse({ sessions: Math.min(32, options.keys * options.concurrent + 2), jitterMs: 1 }),
    options.seed,
    'hash',
    [
      { schema: IDEMPOTENCY, rows: [] },
      { schema: CHARGES, rows: [] },
    ],
  );
  const { world } = cluster;
  const fleet = new Fleet(cluster);
  let chargeId = 0;
  const context: RequestContext = {
    design: options.design,
    now: () => world.now(),
    workMs: options.workMs,
    cache: new KeyCache(() => world.now()),
    nextChargeId: () => ++chargeId,
    answers: [],
  };
  const rng = new Rng(options.seed).fork('requests');
  let requestNo = 0;
  const send = (key: number, delayMs: number, attempt: number) => {
    const crash = attempt === 1 && rng.chance(options.crash ?? 0);
    const no = ++requestNo;
    fleet.spawn(`request ${no}`, request(context, key, no, crash), delayMs);
    // The client's retry after its timeout: scheduled now, since the fault plan already says it will crash.
    if (crash) send(key, delayMs + (options.retryAfterMs ?? 200), attempt + 1);
  };
  for (let key = 1; key <= options.keys; key++)
    for (let i = 0; i < options.concurrent; i++) send(key, key * 3 + i * options.staggerMs, 1);
  fleet.runToEnd(LIMIT_MS);
  const charges = new Map<number, number>();
  for (const row of cluster.server().engine.committedRows(CHARGES.name)) {
    const key = Number(row.key);
    charges.set(key, (charges.get(key) ?? 0) + 1);
  }
  let doubleCharged = 0;
  for (const n of charges.values()) if (n > 1) doubleCharged++;
  return { answers: context.answers, chargesPerKey: charges, doubleCharged, traceHash: world.traceHash() };
}
