/**
 * A physical clock as an operating system keeps it under NTP: the hardware clock (the kernel's
 * `env.now()`: offset, drift in ppm, jumps) plus a correction the NTP client maintains.
 *
 * - On-wire arithmetic (RFC 5905 §8): with t1 the client's send time, t2 and t3 the server's receive
 *   and send times, t4 the client's receive time, the offset is θ = ((t2 − t1) + (t3 − t4)) / 2 and the
 *   round-trip delay δ = (t4 − t1) − (t3 − t2). θ is exact only when both directions take equally long;
 *   otherwise it is off by half the difference (which δ/2 bounds).
 * - Discipline, as ntpd does by default: an offset beyond the step threshold (128 ms) is stepped —
 *   the clock jumps, backwards if it was ahead; a smaller one is slewed at most 500 ppm, so the clock
 *   never runs backwards for it. The frequency error is estimated from how the raw clock's offset moves
 *   between samples at least `frequencyIntervalMs` apart, and corrected continuously from then on.
 *
 * Reading the clock advances the correction by the monotonic time elapsed since the last reading;
 * the amount slewed over an interval does not depend on how often the clock was read in it.
 */

export interface NtpSample {
  /** How far the server's clock is ahead of ours (ms). */
  readonly offsetMs: number;
  /** Round-trip time minus the server's own processing time (ms). */
  readonly delayMs: number;
}

export function ntpSample(t1: number, t2: number, t3: number, t4: number): NtpSample {
  return { offsetMs: (t2 - t1 + (t3 - t4)) / 2, delayMs: t4 - t1 - (t3 - t2) };
}

export interface DisciplineConfig {
  /** Offsets larger than this are stepped (ntpd: 128 ms). */
  readonly stepThresholdMs: number;
  /** The fastest a slew may move the clock (ntpd: 500 ppm). */
  readonly maxSlewPpm: number;
  /** Train the frequency only over samples at least this far apart, where drift outweighs noise. */
  readonly frequencyIntervalMs: number;
  /** The largest frequency correction applied (ntpd: 500 ppm). */
  readonly maxFrequencyPpm: number;
}

export const ntpdDefaults: DisciplineConfig = {
  stepThresholdMs: 128,
  maxSlewPpm: 500,
  frequencyIntervalMs: 16_000,
  maxFrequencyPpm: 500,
};

/** What survives a restart (it is the operating system's, not the process's). */
export interface DisciplineState {
  readonly correction: number;
  readonly pendingSlew: number;
  readonly frequencyPpm: number;
  readonly lastMono: number;
  /** The raw clock's offset from the server and when it was measured, for the frequency estimate. */
  readonly anchor?: { readonly rawOffset: number; readonly mono: number };
}

export type Correction = 'step' | 'slew';

export class DisciplinedClock {
  private correction: number;
  private pendingSlew: number;
  private frequencyPpm: number;
  private lastMono: number;
  private anchor: { rawOffset: number; mono: number } | undefined;
  steps = 0;
  slews = 0;

  constructor(
    private readonly clock: { now(): number; monotonic(): number },
    private readonly config: DisciplineConfig = ntpdDefaults,
    state?: DisciplineState,
  ) {
    this.correction = state?.correction ?? 0;
    this.pendingSlew = state?.pendingSlew ?? 0;
    this.frequencyPpm = state?.frequencyPpm ?? 0;
    this.lastMono = state?.lastMono ?? clock.monotonic();
    this.anchor = state?.anchor ? { ...state.anchor } : undefined;
  }

  /** The disciplined clock now, in milliseconds. */
  read(): number {
    const { mono, correction, pendingSlew } = this.advance();
    this.lastMono = mono;
    this.correction = correction;
    this.pendingSlew = pendingSlew;
    return this.clock.now() + correction;
  }

  /** What `read()` would return, without moving any state (for observers: the lab must not perturb a run). */
  peek(): number {
    return this.clock.now() + this.advance().correction;
  }

  private advance(): { mono: number; correction: number; pendingSlew: number } {
    const mono = this.clock.monotonic();
    const elapsed = Math.max(0, mono - this.lastMono);
    let correction = this.correction - (this.frequencyPpm / 1e6) * elapsed;
    let pendingSlew = this.pendingSlew;
    if (pendingSlew !== 0) {
      const most = (this.config.maxSlewPpm / 1e6) * elapsed;
      const step = Math.sign(pendingSlew) * Math.min(Math.abs(pendingSlew), most);
      correction += step;
      pendingSlew -= step;
    }
    return { mono, correction, pendingSlew };
  }

  /** Applies one sample taken just now (read() was the t4 of it). */
  apply(sample: NtpSample): Correction {
    const mono = this.clock.monotonic();
    const rawOffset = sample.offsetMs + this.correction; // the server minus the raw (uncorrected) clock
    if (Math.abs(sample.offsetMs) > this.config.stepThresholdMs) {
      this.correction += sample.offsetMs;
      this.pendingSlew = 0;
      this.anchor = { rawOffset, mono }; // the raw clock jumped, or we did: train the frequency afresh
      this.steps++;
      return 'step';
    }
    this.pendingSlew = sample.offsetMs;
    this.slews++;
    if (this.anchor === undefined) this.anchor = { rawOffset, mono };
    else if (mono - this.anchor.mono >= this.config.frequencyIntervalMs) {
      // The raw clock gains on the server at its frequency error: rawOffset falls by f·elapsed.
      const ppm = (-(rawOffset - this.anchor.rawOffset) / (mono - this.anchor.mono)) * 1e6;
      this.frequencyPpm = Math.max(-this.config.maxFrequencyPpm, Math.min(this.config.maxFrequencyPpm, ppm));
      // A baseline much older than the interval would average over drifts that have since changed.
      if (mono - this.anchor.mono >= 4 * this.config.frequencyIntervalMs) this.anchor = { rawOffset, mono };
    }
    return 'slew';
  }

  /** The frequency error the discipline has estimated and corrects (ppm; positive: the raw clock runs fast). */
  get estimatedFrequencyPpm(): number {
    return this.frequencyPpm;
  }

  get state(): DisciplineState {
    return {
      correction: this.correction,
      pendingSlew: this.pendingSlew,
      frequencyPpm: this.frequencyPpm,
      lastMono: this.lastMono,
      ...(this.anchor ? { anchor: { ...this.anchor } } : {}),
    };
  }
}
