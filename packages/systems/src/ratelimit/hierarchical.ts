/**
 * A hierarchical limiter for a multi-tenant API: one token bucket for the whole service, one per
 * tenant, one per (tenant, endpoint). A request is admitted only when every level on its path has the
 * tokens, and only then is every level charged; a refusal charges nothing and says which level refused
 * and how long until all of them would have room (Retry-After). Buckets refill lazily from the time
 * that passed, only when a request touches them.
 *
 * `SketchHierarchy` is the study material's sketch, reproduced from its description (not its code): it
 * refills every bucket of every tenant on every request, checks only the endpoint's bucket, and gives
 * no Retry-After. Both are pure, against a clock passed in.
 */
import { mutantActive } from '../kit/mutants';
import { EPSILON, TokenBucket } from './algorithms';

export const hierarchyMutants = ['hierarchy-charges-on-refusal'] as const;
export type HierarchyMutant = (typeof hierarchyMutants)[number];

export const levels = ['global', 'tenant', 'endpoint'] as const;
export type Level = (typeof levels)[number];

export interface BucketSpec {
  readonly capacity: number;
  readonly ratePerMs: number;
}

export interface HierarchySpec {
  readonly global: BucketSpec;
  readonly tenant: BucketSpec;
  readonly endpoint: BucketSpec;
}

export interface HierarchyDecision {
  readonly admitted: boolean;
  /** The first level (from the top) that lacked tokens, when refused. */
  readonly refusedBy?: Level;
  /** Tokens left at the tightest level after this decision. */
  readonly remaining: number;
  /** The capacity of the tightest level (RateLimit-Limit). */
  readonly limit: number;
  /** When every level would have room for the same request; undefined from the sketch (it sends none). */
  readonly retryAfterMs: number | undefined;
  /** Buckets this decision read or refilled: the work it did. */
  readonly bucketsTouched: number;
}

/** Bounds on how many buckets a hierarchy may hold, so memory stays bounded whatever the clients send. */
export const MAX_TENANTS = 1_024;
export const MAX_ENDPOINTS_PER_TENANT = 64;

export interface Bucketed {
  /** Every bucket by path: 'global', 'tenant:t1', 'endpoint:t1/GET /a'. */
  buckets(): ReadonlyMap<string, TokenBucket>;
}

export class HierarchicalLimiter implements Bucketed {
  private readonly global: TokenBucket;
  private readonly byPath = new Map<string, TokenBucket>();
  /** Cost admitted through each bucket: what it must have been charged (the conservation check). */
  readonly admittedThrough = new Map<string, number>();

  constructor(
    readonly spec: HierarchySpec,
    private readonly mutant?: HierarchyMutant,
  ) {
    this.global = new TokenBucket(spec.global.capacity, spec.global.ratePerMs);
    this.byPath.set('global', this.global);
  }

  private bucket(path: string, spec: BucketSpec): TokenBucket {
    let bucket = this.byPath.get(path);
    if (bucket === undefined) {
      if (this.byPath.size >= 1 + MAX_TENANTS * (1 + MAX_ENDPOINTS_PER_TENANT))
        throw new RangeError(`more than ${MAX_TENANTS} tenants × ${MAX_ENDPOINTS_PER_TENANT} endpoints`);
      bucket = new TokenBucket(spec.capacity, spec.ratePerMs);
      this.byPath.set(path, bucket);
    }
    return bucket;
  }

  /** The path of buckets a request of this tenant and endpoint goes through, top first. */
  path(tenant: string, endpoint: string): [Level, string, TokenBucket][] {
    return [
      ['global', 'global', this.global],
      ['tenant', `tenant:${tenant}`, this.bucket(`tenant:${tenant}`, this.spec.tenant)],
      [
        'endpoint',
        `endpoint:${tenant}/${endpoint}`,
        this.bucket(`endpoint:${tenant}/${endpoint}`, this.spec.endpoint),
      ],
    ];
  }

  attempt(now: number, tenant: string, endpoint: string, cost = 1): HierarchyDecision {
    const path = this.path(tenant, endpoint);
    let refusedBy: Level | undefined;
    for (const [level, , bucket] of path) {
      const room = bucket.available(now) + EPSILON >= cost;
      if (!room && refusedBy === undefined) refusedBy = level;
      // The broken variant charges each level as it passes it, so a refusal further down has already spent
      // the tokens above it.
      if (
        room &&
        refusedBy === undefined &&
        mutantActive(this.mutant, 'hierarchy-charges-on-refusal') &&
        level !== 'endpoint'
      )
        bucket.take(cost);
    }
    const admitted = refusedBy === undefined;
    if (admitted) {
      for (const [level, key, bucket] of path) {
        if (!(mutantActive(this.mutant, 'hierarchy-charges-on-refusal') && level !== 'endpoint'))
          bucket.take(cost);
        this.admittedThrough.set(key, (this.admittedThrough.get(key) ?? 0) + cost);
      }
    }
    const tightest = path.reduce((a, b) =>
      b[2].available(now) / b[2].capacity < a[2].available(now) / a[2].capacity ? b : a,
    );
    return {
      admitted,
      ...(refusedBy !== undefined ? { refusedBy } : {}),
      remaining: Math.max(0, Math.floor(Math.min(...path.map(([, , b]) => b.available(now))) + EPSILON)),
      limit: tightest[2].capacity,
      retryAfterMs: admitted ? 0 : Math.max(...path.map(([, , b]) => b.waitFor(cost))),
      bucketsTouched: path.length,
    };
  }

  buckets(): ReadonlyMap<string, TokenBucket> {
    return this.byPath;
  }

  /** A bucket charged for more (or less) than it admitted: what a refusal must never do. */
  conservationProblem(): string | undefined {
    for (const [key, bucket] of this.byPath) {
      const admitted = this.admittedThrough.get(key) ?? 0;
      if (Math.abs(bucket.taken - admitted) > 1e-9)
        return `${key} was charged ${bucket.taken} tokens for ${admitted} admitted requests`;
    }
    return undefined;
  }
}

/**
 * The sketch as the study material describes it: every request refills every bucket there is, then
 * only the endpoint's bucket decides; the global and tenant buckets are refilled and never charged.
 * It answers without a Retry-After.
 */
export class SketchHierarchy implements Bucketed {
  private readonly byPath = new Map<string, TokenBucket>();

  constructor(readonly spec: HierarchySpec) {
    this.byPath.set('global', new TokenBucket(spec.global.capacity, spec.global.ratePerMs));
  }

  attempt(now: number, tenant: string, endpoint: string, cost = 1): HierarchyDecision {
    const tenantKey = `tenant:${tenant}`;
    const endpointKey = `endpoint:${tenant}/${endpoint}`;
    if (!this.byPath.has(tenantKey))
      this.byPath.set(tenantKey, new TokenBucket(this.spec.tenant.capacity, this.spec.tenant.ratePerMs));
    if (!this.byPath.has(endpointKey))
      this.byPath.set(
        endpointKey,
        new TokenBucket(this.spec.endpoint.capacity, this.spec.endpoint.ratePerMs),
      );
    for (const bucket of this.byPath.values()) bucket.available(now);
    const endpointBucket = this.byPath.get(endpointKey) as TokenBucket;
    const decision = endpointBucket.attempt(now, cost);
    return {
      admitted: decision.admitted,
      ...(decision.admitted ? {} : { refusedBy: 'endpoint' as const }),
      remaining: decision.remaining,
      limit: decision.limit,
      retryAfterMs: undefined,
      bucketsTouched: this.byPath.size,
    };
  }

  buckets(): ReadonlyMap<string, TokenBucket> {
    return this.byPath;
  }
}
