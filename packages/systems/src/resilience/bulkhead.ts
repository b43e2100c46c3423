/**
 * A bulkhead (Nygard, "Release It!"): a fixed number of slots for the calls to one dependency, so a
 * dependency that turns slow can hold at most its own slots, never every worker of the caller. A call
 * that finds no free slot is refused at once (no queue: waiting for a slot would be the very pile-up
 * the bulkhead is there to stop).
 */
import { invariant } from '@dslab/sim';

export class Bulkhead {
  private inFlight = 0;
  /** Most slots ever taken at once: what a picture shows and what a check bounds. */
  peak = 0;
  refused = 0;

  /** `unbounded` is the mutant that forgets to refuse (see index.ts). */
  constructor(
    readonly limit: number,
    private readonly unbounded = false,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`a bulkhead needs a positive integer limit, got ${limit}`);
  }

  get used(): number {
    return this.inFlight;
  }

  tryEnter(): boolean {
    if (this.inFlight >= this.limit && !this.unbounded) {
      this.refused++;
      return false;
    }
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    return true;
  }

  leave(): void {
    invariant(this.inFlight > 0, 'bulkhead slots', () => 'left a bulkhead nobody was in');
    this.inFlight--;
  }
}
