/**
 * Hybrid logical clocks (Kulkarni, Demirbas, Madappa, Avva, Leone, "Logical Physical Clocks", 2014):
 * a pair (l, c) where l is the largest physical time the node has heard of and c counts events that
 * share that l. Properties (checked as invariants): e happened before f ⇒ (l, c)(e) < (l, c)(f);
 * l(e) is the largest physical time of any event in e's causal past, so l − pt ≤ ε when clocks are
 * within ε of each other; c(e) ≤ the number of events before e that share its l (Theorem 3).
 * Physical time is read in whole milliseconds, the granularity at which counters come into play.
 */
import { mutantActive } from '../kit/mutants';

export interface HlcStamp {
  readonly l: number;
  readonly c: number;
}

/** Total order of stamps: by l, then by c. */
export function compareHlc(a: HlcStamp, b: HlcStamp): number {
  return a.l !== b.l ? a.l - b.l : a.c - b.c;
}

export class HybridLogicalClock {
  private l: number;
  private c: number;

  /** A fresh clock has heard of no time at all (physical clocks may read below zero in the simulator). */
  constructor(
    initial: HlcStamp = { l: -Infinity, c: 0 },
    private readonly mutant?: string,
  ) {
    this.l = initial.l;
    this.c = initial.c;
  }

  get current(): HlcStamp {
    return { l: this.l, c: this.c };
  }

  /** A local or send event at physical time `pt`. */
  tick(pt: number): HlcStamp {
    const previous = this.l;
    this.l = Math.max(previous, pt);
    this.c = this.l === previous || mutantActive(this.mutant, 'hlc-counter-never-resets') ? this.c + 1 : 0;
    return this.current;
  }

  /** A receive event at physical time `pt` of a message stamped `remote`. */
  receive(remote: HlcStamp, pt: number): HlcStamp {
    const previous = this.l;
    const physical = mutantActive(this.mutant, 'hlc-receive-forgets-physical-time') ? -Infinity : pt;
    // The bug the literature warns about: taking only the local maximum, as if the message carried no time.
    const heard = mutantActive(this.mutant, 'hlc-forget-receive-max') ? -Infinity : remote.l;
    this.l = Math.max(previous, heard, physical);
    if (this.l === previous && this.l === heard) this.c = Math.max(this.c, remote.c) + 1;
    else if (this.l === previous) this.c = this.c + 1;
    else if (this.l === heard) this.c = remote.c + 1;
    else this.c = mutantActive(this.mutant, 'hlc-counter-never-resets') ? this.c + 1 : 0;
    return this.current;
  }
}
