/**
 * A payment gateway whose answer can be lost: a call may time out before it charged, or after — the
 * caller cannot tell which. Three ways to handle the timeout, as client programs over a `payments`
 * table: retry blindly (the customer may pay twice), mark the payment failed (the customer may have
 * paid for nothing), or mark it unknown and reconcile — ask the gateway what happened to our reference
 * (or retry with the same idempotency key, which the gateway deduplicates).
 */
import { Rng } from '@dslab/sim';
import { buildMvccWorld, mvccParams } from '../mvcc/cluster';
import type { Program } from '../mvcc/programs';
import { eq, stmt, type StatementResult, type TableSchema } from '../mvcc/statements';
import { Fleet } from './fleet';

export const PAYMENTS: TableSchema = { name: 'payments', columns: ['id', 'status'], key: 'id' };
export const PENDING = 0;
export const PAID = 1;
export const FAILED = 2;
export const UNKNOWN = 3;

export type TimeoutHandling = 'retry-blindly' | 'mark-failed' | 'reconcile';

/** The gateway: charges per reference; with a key it charges a reference at most once. */
export class Gateway {
  readonly charges = new Map<number, number>();
  timeouts = 0;

  constructor(
    private readonly rng: Rng,
    private readonly timeoutBefore: number,
    private readonly timeoutAfter: number,
  ) {}

  /** One call: 'ok', or 'timeout' (charged or not — the caller cannot tell). */
  charge(reference: number, idempotent: boolean): 'ok' | 'timeout' {
    const draw = this.rng.next();
    if (draw < this.timeoutBefore) {
      this.timeouts++;
      return 'timeout';
    }
    if (!(idempotent && this.charges.has(reference)))
      this.charges.set(reference, (this.charges.get(reference) ?? 0) + 1);
    if (draw < this.timeoutBefore + this.timeoutAfter) {
      this.timeouts++;
      return 'timeout';
    }
    return 'ok';
  }

  /** The reconciliation query: did this reference get charged? */
  charged(reference: number): boolean {
    return (this.charges.get(reference) ?? 0) > 0;
  }
}

const CALL_MS = 30;
const MAX_ATTEMPTS = 3;

function* pay(gateway: Gateway, id: number, handling: TimeoutHandling): Program {
  yield stmt.insert(PAYMENTS.name, { id, status: PENDING });
  for (let attempt = 1; ; attempt++) {
    yield { kind: 'pause', ms: CALL_MS };
    // Blind retries carry no key; reconciliation's retries carry the payment id as the key.
    const outcome = gateway.charge(id, handling === 'reconcile');
    if (outcome === 'ok') {
      yield stmt.update(PAYMENTS.name, { status: PAID }, eq('id', id));
      return;
    }
    if (handling === 'mark-failed') {
      yield stmt.update(PAYMENTS.name, { status: FAILED }, eq('id', id));
      return;
    }
    if (handling === 'reconcile' && attempt >= MAX_ATTEMPTS) {
      yield stmt.update(PAYMENTS.name, { status: UNKNOWN }, eq('id', id));
      return;
    }
    if (handling === 'retry-blindly' && attempt >= MAX_ATTEMPTS) {
      yield stmt.update(PAYMENTS.name, { status: FAILED }, eq('id', id));
      return;
    }
  }
}

/** The reconciliation job: every payment left unknown is settled by asking the gateway. */
function* reconcile(gateway: Gateway): Program {
  const r: StatementResult = yield stmt.select(PAYMENTS.name, eq('status', UNKNOWN), { orderBy: 'id' });
  for (const row of r.rows ?? []) {
    const id = Number(row.id);
    yield { kind: 'pause', ms: CALL_MS };
    yield stmt.update(PAYMENTS.name, { status: gateway.charged(id) ? PAID : FAILED }, eq('id', id));
  }
}

export interface GatewayRun {
  readonly payments: number;
  readonly timeouts: number;
  /** Customers charged more than once. */
  readonly doubleCharged: number;
  /** Customers charged whose payment we recorded as failed. */
  readonly paidForNothing: number;
  /** Payments recorded as paid that the gateway never charged. */
  readonly paidNotCharged: number;
  readonly unresolved: number;
  readonly traceHash: string;
}

export function runPayments(options: {
  readonly seed: number;
  readonly payments: number;
  readonly handling: TimeoutHandling;
  readonly timeoutBefore: number;
  readonly timeoutAfter: number;
}): GatewayRun {
  const cluster = buildMvccWorld(mvccParams.parse({ sessions: 8, jitterMs: 1 }), options.seed, 'hash', [
    { schema: PAYMENTS, rows: [] },
  ]);
  const fleet = new Fleet(cluster);
  const rng = new Rng(options.seed).fork('gateway');
  const gateway = new Gateway(rng, options.timeoutBefore, options.timeoutAfter);
  for (let id = 1; id <= options.payments; id++)
    fleet.spawn(`payment ${id}`, pay(gateway, id, options.handling), id * 3);
  fleet.runToEnd(600_000);
  if (options.handling === 'reconcile') {
    fleet.spawn('reconciliation', reconcile(gateway));
    fleet.runToEnd(600_000);
  }
  let doubleCharged = 0;
  let paidForNothing = 0;
  let paidNotCharged = 0;
  let unresolved = 0;
  for (const row of cluster.server().engine.committedRows(PAYMENTS.name)) {
    const id = Number(row.id);
    const charged = gateway.charges.get(id) ?? 0;
    if (charged > 1) doubleCharged++;
    const status = Number(row.status);
    if (charged > 0 && status === FAILED) paidForNothing++;
    if (charged === 0 && status === PAID) paidNotCharged++;
    if (status === UNKNOWN || status === PENDING) unresolved++;
  }
  return {
    payments: options.payments,
    timeouts: gateway.timeouts,
    doubleCharged,
    paidForNothing,
    paidNotCharged,
    unresolved,
    traceHash: cluster.world.traceHash(),
  };
}
