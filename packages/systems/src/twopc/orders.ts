/**
 * The order workload of the sagas comparison (catalog I1): reserve stock → charge payment → confirm the
 * order, run here as one atomic two-phase-commit transaction across three participants (`stock`,
 * `payment`, `orders`). `runTwoPhaseOrders` is the stable entry point the sagas system calls to put the
 * same workload through 2PC beside its sagas.
 */
import type { NodeId } from '@dslab/sim';
import { buildTwoPcCluster, twoPcParams } from './cluster';
import type { TxPlan, Workload } from './coordinator';
import type { TxObserver, TxRecord } from './observer';
import { summarize, type Summary } from './stats';

/** The three services of an order, as 2PC participants. */
export const ORDER_PARTICIPANTS = ['stock', 'payment', 'orders'] as const;
export type OrderParticipant = (typeof ORDER_PARTICIPANTS)[number];

export interface OrderWorkload {
  /** Orders placed, one every `intervalMs` on average. */
  readonly orders: number;
  readonly intervalMs: number;
  /** Distinct products (stock rows); fewer products means more orders wanting the same locked row. */
  readonly products: number;
  /** Units of each product in stock at the start. */
  readonly stockPerProduct: number;
  readonly customers: number;
  /** Each customer's balance at the start. */
  readonly balancePerCustomer: number;
  /** Units per order are 1…maxQuantity; each unit costs `unitPrice`. */
  readonly maxQuantity: number;
  readonly unitPrice: number;
  /** One participant crashed from `fromMs` and restarted at `untilMs` (virtual time since the start). */
  readonly outage?: {
    readonly participant: OrderParticipant;
    readonly fromMs: number;
    readonly untilMs: number;
  };
  /** One-way network latency: a base plus uniform jitter (default 5 + 5 ms). */
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /** How long the coordinator waits for votes before aborting (default 200 ms). */
  readonly voteTimeoutMs?: number;
}

export interface TwoPhaseOrderFigures {
  /** Orders the coordinator started. */
  readonly orders: number;
  readonly committed: number;
  readonly aborted: number;
  /** Orders with no outcome when the run ended (the coordinator never answered). */
  readonly unanswered: number;
  /** Start → the outcome the application is told, over every answered order. */
  readonly latencyMs: Summary;
  /** The same over committed orders only. */
  readonly commitLatencyMs: Summary;
  /**
   * Per participant and order, PREPARE → outcome applied: the time that participant held the order's row
   * locks (participants that voted NO locked nothing and are not counted).
   */
  readonly lockHeldMs: Summary;
  /** Sum of every lock-held interval: row-milliseconds other orders could not touch. */
  readonly lockHeldTotalMs: number;
  /** Committed ÷ started, over the whole run. */
  readonly availability: number;
  /** Committed ÷ started among orders started during the outage (null without an outage or orders in it). */
  readonly availabilityDuringOutage: number | null;
  readonly ordersDuringOutage: number;
  /** Orders refused because stock or money ran out, or a row was locked (NO votes). */
  readonly refusals: number;
  readonly traceHash: string;
  readonly virtualMs: number;
}

/** Time after the last order for stragglers to finish (resends, inquiries). */
const DRAIN_MS = 3_000;

function checkWorkload(w: OrderWorkload): void {
  const positive: (keyof OrderWorkload)[] = [
    'orders',
    'intervalMs',
    'products',
    'customers',
    'maxQuantity',
    'unitPrice',
  ];
  for (const key of positive) {
    const v = w[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new RangeError(`runTwoPhaseOrders: ${key} must be a positive number, got ${String(v)}`);
  }
  if (w.orders > 100_000) throw new RangeError('runTwoPhaseOrders: at most 100000 orders');
  for (const key of ['stockPerProduct', 'balancePerCustomer'] as const)
    if (!Number.isFinite(w[key]) || w[key] < 0)
      throw new RangeError(`runTwoPhaseOrders: ${key} must be ≥ 0, got ${w[key]}`);
  if (w.outage && !(w.outage.untilMs > w.outage.fromMs && w.outage.fromMs >= 0))
    throw new RangeError('runTwoPhaseOrders: outage needs 0 ≤ fromMs < untilMs');
  if (w.outage && !ORDER_PARTICIPANTS.includes(w.outage.participant))
    throw new RangeError(`runTwoPhaseOrders: unknown participant '${w.outage.participant}'`);
}

/**
 * Runs the order workload through two-phase commit (presumed abort, coordinator log) in a fresh World
 * seeded with `seed`, and returns what it measured: latency, lock-held time, and how many orders still
 * commit while one participant is down (2PC needs every participant's YES, so none that touch it do).
 * Deterministic: the same workload and seed give the same figures and trace hash.
 */
export function runTwoPhaseOrders(workload: OrderWorkload, seed = 1): TwoPhaseOrderFigures {
  checkWorkload(workload);
  const params = twoPcParams.parse({
    participants: ORDER_PARTICIPANTS.length,
    txIntervalMs: workload.intervalMs,
    maxActive: 1_000,
    latencyMs: workload.latencyMs ?? 5,
    jitterMs: workload.jitterMs ?? 5,
    ...(workload.voteTimeoutMs !== undefined ? { voteTimeoutMs: workload.voteTimeoutMs } : {}),
    durationMs: workload.orders * workload.intervalMs * 2 + DRAIN_MS,
  });
  let placed = 0;
  const orderWorkload = (): Workload => ({
    intervalMs: workload.intervalMs,
    next: (random): TxPlan | undefined => {
      if (placed >= workload.orders) return undefined;
      placed++;
      const quantity = 1 + Math.floor(random() * workload.maxQuantity);
      const product = Math.floor(random() * workload.products);
      const customer = Math.floor(random() * workload.customers);
      return [
        { participant: 'stock', ops: [{ key: `product-${product}`, add: -quantity, min: 0 }] },
        {
          participant: 'payment',
          ops: [{ key: `customer-${customer}`, add: -quantity * workload.unitPrice, min: 0 }],
        },
        { participant: 'orders', ops: [{ key: `order-${placed}`, add: 1 }] },
      ];
    },
  });
  const cluster = buildTwoPcCluster(params, seed, {
    names: ORDER_PARTICIPANTS,
    workload: orderWorkload,
    initialRows: { stock: workload.stockPerProduct, payment: workload.balancePerCustomer, orders: 0 },
  });
  const { world, observer } = cluster;
  const outage = workload.outage;
  if (outage) {
    world.at(outage.fromMs, `crash ${outage.participant}`, () => world.crash(outage.participant));
    world.at(outage.untilMs, `restart ${outage.participant}`, () => world.restart(outage.participant));
  }
  // Run until every order was placed and answered and nobody is in doubt, or the time limit.
  world.runUntilCondition(() => {
    if (placed < workload.orders) return false;
    for (const record of observer.txs.values()) if (record.answer === undefined) return false;
    return observer.inDoubt().length === 0;
  }, params.durationMs);
  return figures(observer, outage, world.traceHash(), world.now());
}

function figures(
  observer: TxObserver,
  outage: OrderWorkload['outage'],
  traceHash: string,
  virtualMs: number,
): TwoPhaseOrderFigures {
  let orders = 0;
  let committed = 0;
  let aborted = 0;
  let inOutage = 0;
  let committedInOutage = 0;
  let lockTotal = 0;
  const latency: number[] = [];
  const commitLatency: number[] = [];
  const locks: number[] = [];
  for (const tx of observer.txs.values() as Iterable<TxRecord>) {
    orders++;
    const during = outage !== undefined && tx.startedAt >= outage.fromMs && tx.startedAt < outage.untilMs;
    if (during) inOutage++;
    if (tx.answer !== undefined && tx.decidedAt !== undefined) {
      latency.push(tx.decidedAt - tx.startedAt);
      if (tx.answer === 'commit') {
        committed++;
        commitLatency.push(tx.decidedAt - tx.startedAt);
        if (during) committedInOutage++;
      } else aborted++;
    }
    for (const p of tx.at.values()) {
      if (p.preparedAt === undefined) continue;
      const held = (p.resolvedAt ?? virtualMs) - p.preparedAt;
      locks.push(held);
      lockTotal += held;
    }
  }
  return {
    orders,
    committed,
    aborted,
    unanswered: orders - committed - aborted,
    latencyMs: summarize(latency),
    commitLatencyMs: summarize(commitLatency),
    lockHeldMs: summarize(locks),
    lockHeldTotalMs: lockTotal,
    availability: orders > 0 ? committed / orders : 0,
    availabilityDuringOutage: outage && inOutage > 0 ? committedInOutage / inOutage : null,
    ordersDuringOutage: inOutage,
    refusals: observer.refusals,
    traceHash,
    virtualMs,
  };
}

/** The participants an order touches, for callers that draw them. */
export const orderParticipants: readonly NodeId[] = ORDER_PARTICIPANTS;
