/** Collects findings: every one counted, the first few of each kind kept with their records. */
import { LOG_FINDING_KINDS, type LogFinding, type LogFindingKind } from './types';

export class FindingSink {
  readonly counts: Record<LogFindingKind, number>;
  readonly kept: LogFinding[] = [];
  private readonly keptByKind: Record<LogFindingKind, number>;

  constructor(private readonly maxPerKind: number) {
    if (!Number.isInteger(maxPerKind) || maxPerKind < 0)
      throw new Error(`maxFindingsPerKind must be a non-negative integer, got ${maxPerKind}`);
    this.counts = Object.fromEntries(LOG_FINDING_KINDS.map((k) => [k, 0])) as Record<LogFindingKind, number>;
    this.keptByKind = { ...this.counts };
  }

  /** Counts a finding; `make` builds it only when it is kept, so a flood of findings stays cheap. */
  add(kind: LogFindingKind, make: () => Omit<LogFinding, 'kind'>): void {
    this.counts[kind]++;
    if (this.keptByKind[kind] >= this.maxPerKind) return;
    this.keptByKind[kind]++;
    this.kept.push({ kind, ...make() });
  }

  get total(): number {
    let total = 0;
    for (const kind of LOG_FINDING_KINDS) total += this.counts[kind];
    return total;
  }
}
