/**
 * Leaky bucket as a queue: requests wait in a FIFO of `capacity` places and leave it one every
 * `intervalMs` (the leak), so whatever arrives, what goes downstream is evenly spaced. A request that
 * finds the queue full is refused. Pure, against a clock passed in: `offer` says when the request will
 * leave; nothing here sleeps.
 */

export interface Queued {
  readonly accepted: boolean;
  /** When the request leaves the queue (goes downstream), when accepted. */
  readonly departAt: number;
  /** Requests in the queue after this offer (those that had not left by `now`, plus this one). */
  readonly depth: number;
}

export class LeakyQueue {
  /** Departure times of the requests still queued at the last offer, oldest first; at most `capacity`. */
  private departures: number[] = [];
  private lastDeparture = -Infinity;

  constructor(
    /** The bound of the queue: requests waiting (including the one being let out next). */
    readonly capacity: number,
    /** Milliseconds between two departures: 1 / the leak rate. */
    readonly intervalMs: number,
  ) {
    if (!(capacity >= 1 && Number.isInteger(capacity)))
      throw new RangeError(`capacity must be an integer ≥ 1`);
    if (!(intervalMs > 0)) throw new RangeError(`interval must be > 0`);
  }

  offer(now: number): Queued {
    // Those that left by now are gone.
    let gone = 0;
    while (gone < this.departures.length && (this.departures[gone] as number) <= now) gone++;
    if (gone > 0) this.departures = this.departures.slice(gone);
    if (this.departures.length >= this.capacity)
      return { accepted: false, departAt: Infinity, depth: this.departures.length };
    const departAt = Math.max(now, this.lastDeparture + this.intervalMs);
    this.lastDeparture = departAt;
    this.departures.push(departAt);
    return { accepted: true, departAt, depth: this.departures.length };
  }

  depth(now: number): number {
    return this.departures.filter((t) => t > now).length;
  }
}
