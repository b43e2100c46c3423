/**
 * The two sagas of catalog row I1, as data: which service runs each step, which operation undoes it, and
 * which step is the pivot. Steps before the pivot are compensatable (a failure or a timeout undoes them
 * in reverse order); the pivot is the go/no-go point (its failure still compensates, but once it has
 * succeeded the saga only moves forward); the steps after it are retriable and never fail.
 */

export type SagaKind = 'order' | 'trip';
export const sagaKinds: readonly SagaKind[] = ['order', 'trip'];

/** What an operation does to a service's record of one saga. */
export type OpEffect = 'hold' | 'unhold' | 'charge' | 'refund' | 'mark';

export interface OperationSpec {
  readonly effect: OpEffect;
  /** For `mark`: the status it sets. */
  readonly status?: string;
  /** For a compensation: the forward operation it undoes (its tombstone refuses that operation later). */
  readonly undoes?: string;
  /** The business refuses this fraction of sagas (decided by a hash of the saga id, so a retry gets the same answer). */
  readonly refuseRate?: 'decline' | 'undeliverable';
}

/** Each service and the operations it offers. */
export const services = {
  orders: {
    create: { effect: 'mark', status: 'pending' },
    reject: { effect: 'mark', status: 'rejected', undoes: 'create' },
    confirm: { effect: 'mark', status: 'confirmed' },
    /** The customer cancels: a separate request, not a saga step (see the isolation scenario). */
    cancel: { effect: 'mark', status: 'cancelled' },
  },
  inventory: {
    reserve: { effect: 'hold' },
    release: { effect: 'unhold', undoes: 'reserve' },
    commit: { effect: 'mark', status: 'sold' },
  },
  payment: {
    charge: { effect: 'charge', refuseRate: 'decline' },
    refund: { effect: 'refund', undoes: 'charge' },
  },
  shipping: {
    ship: { effect: 'mark', status: 'shipped', refuseRate: 'undeliverable' },
  },
  flights: {
    book: { effect: 'hold' },
    cancel: { effect: 'unhold', undoes: 'book' },
    ticket: { effect: 'mark', status: 'ticketed' },
  },
  hotels: {
    book: { effect: 'hold' },
    cancel: { effect: 'unhold', undoes: 'book' },
  },
} as const satisfies Record<string, Record<string, OperationSpec>>;

export type ServiceId = keyof typeof services;
export const serviceIds = Object.keys(services) as ServiceId[];

export function operationSpec(service: ServiceId, op: string): OperationSpec {
  const spec = (services[service] as Record<string, OperationSpec>)[op];
  if (!spec) throw new Error(`service ${service} has no operation '${op}'`);
  return spec;
}

export type StepKind = 'compensatable' | 'pivot' | 'retriable';

export interface StepSpec {
  readonly name: string;
  readonly service: ServiceId;
  readonly op: string;
  /** The compensating operation on the same service (compensatable steps only). */
  readonly undo?: string;
  readonly kind: StepKind;
}

export const sagaSteps: Readonly<Record<SagaKind, readonly StepSpec[]>> = {
  order: [
    { name: 'create order', service: 'orders', op: 'create', undo: 'reject', kind: 'compensatable' },
    { name: 'reserve stock', service: 'inventory', op: 'reserve', undo: 'release', kind: 'compensatable' },
    { name: 'charge payment', service: 'payment', op: 'charge', undo: 'refund', kind: 'compensatable' },
    { name: 'ship', service: 'shipping', op: 'ship', kind: 'pivot' },
    { name: 'commit stock', service: 'inventory', op: 'commit', kind: 'retriable' },
    { name: 'confirm order', service: 'orders', op: 'confirm', kind: 'retriable' },
  ],
  trip: [
    { name: 'book flight', service: 'flights', op: 'book', undo: 'cancel', kind: 'compensatable' },
    { name: 'book hotel', service: 'hotels', op: 'book', undo: 'cancel', kind: 'compensatable' },
    { name: 'take payment', service: 'payment', op: 'charge', kind: 'pivot' },
    { name: 'issue ticket', service: 'flights', op: 'ticket', kind: 'retriable' },
  ],
};

/** The index of the pivot step of a saga kind. */
export function pivotIndex(kind: SagaKind): number {
  const index = sagaSteps[kind].findIndex((s) => s.kind === 'pivot');
  if (index < 0) throw new Error(`saga ${kind} has no pivot`);
  return index;
}

/** Which services hold the reservations a charge of this kind of saga must be backed by. */
export const reservationsBehindCharge: Readonly<Record<SagaKind, readonly ServiceId[]>> = {
  order: ['inventory'],
  trip: ['flights', 'hotels'],
};

/** Saga ids carry their kind: `o12` is an order, `t7` a trip. */
export function sagaKindOf(saga: string): SagaKind {
  if (saga.startsWith('o')) return 'order';
  if (saga.startsWith('t')) return 'trip';
  throw new Error(`saga id '${saga}' names no kind (o… or t…)`);
}
