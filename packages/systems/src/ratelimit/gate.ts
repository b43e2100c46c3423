/**
 * A gate decides requests for many clients: one limiter per tenant (of the configured algorithm), or a
 * hierarchy global → tenant → endpoint. Servers hold one in local mode, the central limiter holds the
 * only one in central mode. Every decision is also shown to an outside monitor (promises.ts), whose
 * verdicts the world's invariants read.
 */
import { createLimiter, type AlgorithmMutant, type Decision, type Limiter, type Policy } from './algorithms';
import { HierarchicalLimiter, type HierarchyMutant, type HierarchySpec } from './hierarchical';
import { HierarchyMonitor, monitorFor, type Broken, type PromiseMonitor } from './promises';

/** At most this many tenants get their own limiter in a gate (a bound on memory whatever clients send). */
export const MAX_KEYS = 4_096;

export interface GateConfig {
  readonly policy: Policy;
  /** When given, requests go through global → tenant → endpoint buckets instead of one limiter per tenant. */
  readonly hierarchy?: HierarchySpec;
  readonly mutant?: AlgorithmMutant | HierarchyMutant | string;
  /** Told each decided key's level (share of quota left) right after each decision, for pictures. */
  readonly onLevels?: (levels: readonly (readonly [string, number])[]) => void;
}

export interface GateDecision {
  readonly admitted: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly retryAfterMs: number;
  readonly resetMs: number;
}

export class Gate {
  private readonly limiters = new Map<string, { limiter: Limiter; monitor: PromiseMonitor }>();
  private readonly hierarchy: HierarchicalLimiter | undefined;
  private readonly hierarchyMonitor = new HierarchyMonitor();
  /** The first broken promise seen, by side; stays set (the invariants report it). */
  broken: { bound?: string; fairness?: string } = {};
  admitted = 0;
  refused = 0;

  constructor(private readonly config: GateConfig) {
    this.hierarchy = config.hierarchy
      ? new HierarchicalLimiter(config.hierarchy, config.mutant as HierarchyMutant | undefined)
      : undefined;
  }

  private note(problem: Broken | undefined): void {
    if (problem && this.broken[problem.side] === undefined)
      this.broken = { ...this.broken, [problem.side]: problem.message };
  }

  decide(now: number, tenant: string, endpoint: string, cost = 1): GateDecision {
    const decision = this.hierarchy
      ? this.decideHierarchy(now, tenant, endpoint, cost)
      : this.decideKeyed(now, tenant, cost);
    if (decision.admitted) this.admitted++;
    else this.refused++;
    return decision;
  }

  private decideKeyed(now: number, key: string, cost: number): Decision {
    let entry = this.limiters.get(key);
    if (entry === undefined) {
      if (this.limiters.size >= MAX_KEYS) throw new RangeError(`more than ${MAX_KEYS} keys in one gate`);
      entry = {
        limiter: createLimiter(this.config.policy, this.config.mutant as AlgorithmMutant | undefined),
        monitor: monitorFor(this.config.policy),
      };
      this.limiters.set(key, entry);
    }
    const decision = entry.limiter.attempt(now, cost);
    this.note(entry.monitor.observe({ at: now, cost, admitted: decision.admitted }));
    this.config.onLevels?.([[key, entry.limiter.level(now)]]);
    return decision;
  }

  private decideHierarchy(now: number, tenant: string, endpoint: string, cost: number): GateDecision {
    const hierarchy = this.hierarchy as HierarchicalLimiter;
    const spec = hierarchy.spec;
    const d = hierarchy.attempt(now, tenant, endpoint, cost);
    this.note(
      this.hierarchyMonitor.observe(
        now,
        [
          { key: 'global', ...spec.global },
          { key: `tenant:${tenant}`, ...spec.tenant },
          { key: `endpoint:${tenant}/${endpoint}`, ...spec.endpoint },
        ],
        cost,
        d.admitted,
      ),
    );
    if (this.config.onLevels) {
      const buckets = hierarchy.buckets();
      this.config.onLevels(
        ['global', `tenant:${tenant}`, `endpoint:${tenant}/${endpoint}`].map(
          (key) => [key, (buckets.get(key) as { level(now: number): number }).level(now)] as const,
        ),
      );
    }
    const conservation = hierarchy.conservationProblem();
    if (conservation !== undefined && this.conservation === undefined) this.conservation = conservation;
    return {
      admitted: d.admitted,
      limit: d.limit,
      remaining: d.remaining,
      retryAfterMs: d.retryAfterMs ?? 0,
      resetMs: d.retryAfterMs ?? 0,
    };
  }

  /** A hierarchy bucket charged for a request it did not admit (the first one seen). */
  conservation: string | undefined;

  /** How full each limiter is at `now` (1 = all quota left), for pictures: tenant → level. */
  levels(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.hierarchy) {
      for (const [key, bucket] of this.hierarchy.buckets()) out[key] = bucket.level(now);
    } else for (const [key, { limiter }] of this.limiters) out[key] = limiter.level(now);
    return out;
  }
}
