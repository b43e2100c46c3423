/**
 * Choreographed sagas: no coordinator; each service reacts to the events it subscribes to by running its
 * local step and publishing the outcome as the next event. The chain below is the correct one (payment
 * reacts to StockReserved, so a charge always follows a reservation). The `parallel` variant is the one
 * people draw first: inventory and payment both react to OrderCreated, so they run side by side.
 */
import type { SagaKind, ServiceId } from './definitions';

export interface Reaction {
  readonly service: ServiceId;
  readonly on: readonly string[];
  readonly op: string;
  /** Published when the operation succeeded (absent: the saga ends here). */
  readonly ok?: string;
  /** Published when it was refused (absent: the operation cannot be refused). */
  readonly fail?: string;
}

export type ChoreographyVariant = 'chained' | 'parallel';

/** The event a client publishes to begin a saga, and the service that receives it. */
export const placedEvent: Readonly<Record<SagaKind, { readonly name: string; readonly to: ServiceId }>> = {
  order: { name: 'OrderPlaced', to: 'orders' },
  trip: { name: 'TripPlaced', to: 'flights' },
};

const orderChain: readonly Reaction[] = [
  { service: 'orders', on: ['OrderPlaced'], op: 'create', ok: 'OrderCreated', fail: 'OrderRefused' },
  { service: 'inventory', on: ['OrderCreated'], op: 'reserve', ok: 'StockReserved', fail: 'OutOfStock' },
  { service: 'payment', on: ['StockReserved'], op: 'charge', ok: 'PaymentCharged', fail: 'PaymentDeclined' },
  { service: 'shipping', on: ['PaymentCharged'], op: 'ship', ok: 'Shipped', fail: 'ShipRefused' },
  { service: 'inventory', on: ['Shipped'], op: 'commit', ok: 'StockCommitted' },
  { service: 'orders', on: ['StockCommitted'], op: 'confirm' },
  { service: 'payment', on: ['ShipRefused'], op: 'refund', ok: 'PaymentRefunded' },
  { service: 'inventory', on: ['PaymentDeclined', 'PaymentRefunded'], op: 'release', ok: 'StockReleased' },
  { service: 'orders', on: ['OutOfStock', 'StockReleased'], op: 'reject' },
];

const tripChain: readonly Reaction[] = [
  { service: 'flights', on: ['TripPlaced'], op: 'book', ok: 'FlightBooked', fail: 'FlightFull' },
  { service: 'hotels', on: ['FlightBooked'], op: 'book', ok: 'HotelBooked', fail: 'HotelFull' },
  { service: 'payment', on: ['HotelBooked'], op: 'charge', ok: 'TripPaid', fail: 'TripDeclined' },
  { service: 'flights', on: ['TripPaid'], op: 'ticket' },
  { service: 'hotels', on: ['TripDeclined'], op: 'cancel', ok: 'HotelCancelled' },
  { service: 'flights', on: ['HotelFull', 'HotelCancelled'], op: 'cancel' },
];

/** Payment subscribes to OrderCreated beside inventory: the two run in parallel. */
const orderParallel: readonly Reaction[] = orderChain.map((r) =>
  r.service === 'payment' && r.op === 'charge' ? { ...r, on: ['OrderCreated'] } : r,
);

export function reactions(variant: ChoreographyVariant): readonly Reaction[] {
  return [...(variant === 'parallel' ? orderParallel : orderChain), ...tripChain];
}

/** Which services subscribe to each event. */
export function subscribers(table: readonly Reaction[]): ReadonlyMap<string, readonly ServiceId[]> {
  const map = new Map<string, ServiceId[]>();
  for (const reaction of table)
    for (const event of reaction.on) {
      const list = map.get(event) ?? [];
      if (!list.includes(reaction.service)) list.push(reaction.service);
      map.set(event, list);
    }
  return map;
}
