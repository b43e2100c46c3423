/**
 * The keys the Jepsen-style clients work on: a few live at once, each retired after `opsPerKey`
 * operations and replaced by a fresh one (Jepsen's "independent" keys). Checking linearizability is
 * exponential in the operations left open on one key — a client killed mid-write leaves its write
 * pending to the end of the history — so a long run must spread them over many small histories:
 * 123,000 operations on four keys (a 60 s run) exhausted a 5,000,000-state search; the same load
 * on keys of 1,000 operations is decided in seconds.
 */
export class KeyRotation {
  private readonly live: { key: string; left: number }[] = [];
  private created = 0;
  /** Every key handed out, in order of creation (the final reads cover them all). */
  readonly used: string[] = [];

  constructor(
    readonly active: number,
    readonly opsPerKey: number,
  ) {
    if (!Number.isInteger(active) || active < 1) throw new Error(`active keys must be ≥ 1, got ${active}`);
    if (!Number.isInteger(opsPerKey) || opsPerKey < 1)
      throw new Error(`operations per key must be ≥ 1, got ${opsPerKey}`);
    for (let i = 0; i < active; i++) this.live.push(this.fresh());
  }

  /** A live key for the next operation, `draw` in [0, 1) choosing which; counts the operation. */
  take(draw: number): string {
    const slot = Math.min(this.active - 1, Math.floor(draw * this.active));
    const entry = this.live[slot] as { key: string; left: number };
    if (--entry.left === 0) this.live[slot] = this.fresh();
    return entry.key;
  }

  private fresh(): { key: string; left: number } {
    const key = `k${this.created++}`;
    this.used.push(key);
    return { key, left: this.opsPerKey };
  }
}
