/**
 * A node's physical clock: true virtual time seen through an offset, a drift rate and jumps.
 * local(t) = anchorLocal + (t − anchorTrue) · (1 + drift·10⁻⁶). Changing the drift re-anchors, so the
 * clock never jumps unless told to. Timers run on the node's rate (a fast clock fires early in true
 * time) but ignore jumps, like timers on a monotonic clock.
 */
export class SimClock {
  private anchorTrue = 0;
  private anchorLocal: number;
  private rate: number;
  /** The monotonic clock: same rate, never stepped (what CLOCK_MONOTONIC gives a process). */
  private monoAnchorTrue = 0;
  private monoAnchor = 0;

  constructor(offsetMs = 0, driftPpm = 0) {
    this.anchorLocal = offsetMs;
    this.rate = 1 + driftPpm / 1e6;
  }

  /** Elapsed-time clock: runs at this clock's rate but ignores offsets and jumps. */
  monotonic(trueTime: number): number {
    return this.monoAnchor + (trueTime - this.monoAnchorTrue) * this.rate;
  }

  local(trueTime: number): number {
    return this.anchorLocal + (trueTime - this.anchorTrue) * this.rate;
  }

  /** The local clock reads true time + offset from now on (drift continues from here). */
  setOffset(trueTime: number, offsetMs: number): void {
    this.anchorTrue = trueTime;
    this.anchorLocal = trueTime + offsetMs;
  }

  setDriftPpm(trueTime: number, driftPpm: number): void {
    if (!(driftPpm > -1e6)) throw new RangeError(`drift must be > -1e6 ppm, got ${driftPpm}`);
    this.monoAnchor = this.monotonic(trueTime);
    this.monoAnchorTrue = trueTime;
    this.anchorLocal = this.local(trueTime);
    this.anchorTrue = trueTime;
    this.rate = 1 + driftPpm / 1e6;
  }

  /** An NTP step: the clock jumps by `deltaMs` (negative = backwards). */
  jump(trueTime: number, deltaMs: number): void {
    this.anchorLocal = this.local(trueTime) + deltaMs;
    this.anchorTrue = trueTime;
  }

  /** True-time duration of `localMs` on this clock. */
  trueDuration(localMs: number): number {
    return localMs / this.rate;
  }

  offsetAt(trueTime: number): number {
    return this.local(trueTime) - trueTime;
  }

  get driftPpm(): number {
    return (this.rate - 1) * 1e6;
  }
}
