/**
 * Collects anomalies as checks find them: every one is counted, and only the first `maxPerType` of a
 * type are built (a broken store can produce millions of one kind; describing them all would cost
 * more than finding them).
 */
import type { Anomaly, AnomalyType } from './types';

export class AnomalyLog {
  private readonly counts = new Map<AnomalyType, number>();
  private readonly kept: Anomaly[] = [];

  constructor(private readonly maxPerType: number) {}

  add(type: AnomalyType, build: () => Omit<Anomaly, 'type'>): void {
    const count = (this.counts.get(type) ?? 0) + 1;
    this.counts.set(type, count);
    if (count <= this.maxPerType) this.kept.push({ type, ...build() });
  }

  countsByType(): ReadonlyMap<AnomalyType, number> {
    return this.counts;
  }

  anomalies(): readonly Anomaly[] {
    return this.kept;
  }
}
