/**
 * TrueTime-style intervals (Corbett et al., "Spanner", OSDI 2012, §3): `now()` returns [earliest,
 * latest] and promises that true time lies inside. Ours is built from the last exchange with the time
 * reference (whose clock is taken as true time, as Spanner's GPS and atomic-clock masters are) and the
 * node's monotonic clock, whose rate is off by at most `driftBoundPpm` (Spanner assumes 200 µs/s):
 *
 * - the reply left the reference at T3 and took between 0 and the measured round trip minus the
 *   reference's hold time, so at the reply's arrival true time ∈ [T3, T3 + rtt − hold];
 * - every local millisecond since then is between 1/(1 + b) and 1/(1 − b) true milliseconds.
 *
 * The interval widens with time since the exchange (Spanner's sawtooth). Jumps of the wall clock do
 * not touch it: it reads only the monotonic clock. Commit wait (Spanner §4.1.2): a commit takes
 * s = latest and becomes visible only once earliest > s, so any commit that starts after it ends gets
 * a larger timestamp: external consistency. The wait is about twice the uncertainty, 2ε.
 */
import { mutantActive } from '../kit/mutants';

export interface TimeInterval {
  readonly earliest: number;
  readonly latest: number;
}

export interface TrueTimeAnchor {
  /** The reference's clock when it sent its reply. */
  readonly t3: number;
  /** Time the reference held the request (t3 − t2). */
  readonly holdMs: number;
  /** Our monotonic clock when the request left and when the reply arrived. */
  readonly sentMono: number;
  readonly receivedMono: number;
}

export class TrueTime {
  private anchor: TrueTimeAnchor | undefined;

  constructor(
    private readonly driftBoundPpm: number,
    private readonly mutant?: string,
  ) {}

  get synced(): boolean {
    return this.anchor !== undefined;
  }

  /** Keeps whichever exchange gives the narrower interval now: both are valid bounds. */
  sync(anchor: TrueTimeAnchor): void {
    const mono = anchor.receivedMono;
    const current = this.anchor ? this.intervalFrom(this.anchor, mono) : undefined;
    const candidate = this.intervalFrom(anchor, mono);
    if (!current || candidate.latest - candidate.earliest <= current.latest - current.earliest)
      this.anchor = anchor;
  }

  /** The interval at monotonic time `mono`, or undefined before the first exchange. */
  now(mono: number): TimeInterval | undefined {
    return this.anchor ? this.intervalFrom(this.anchor, mono) : undefined;
  }

  private intervalFrom(anchor: TrueTimeAnchor, mono: number): TimeInterval {
    // The broken variant trusts the oscillator completely: its uncertainty never grows between exchanges.
    const b = mutantActive(this.mutant, 'truetime-ignore-drift') ? 0 : this.driftBoundPpm / 1e6;
    const roundTrip = anchor.receivedMono - anchor.sentMono;
    const since = mono - anchor.receivedMono;
    return {
      earliest: anchor.t3 + since / (1 + b),
      latest: anchor.t3 + roundTrip / (1 - b) - anchor.holdMs + since / (1 - b),
    };
  }
}
