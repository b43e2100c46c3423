/**
 * The harness's ledger of every id issued, fed by the workers' `id` trace events in the order they
 * happened (with true time, which no worker can see). The invariants read its verdicts; the scenarios
 * read the ids it kept.
 */
import type { TraceEvent, World } from '@dslab/sim';
import { decodeSnowflake, TWITTER_EPOCH_MS } from './snowflake';
import { decodeUlidTime } from './ulid';
import { uuidHasRfcVariant, uuidV7Ms, uuidVersion } from './uuid';
import { schemes, type IssuedId, type Scheme } from './worker';

export interface LedgerEntry {
  readonly id: string;
  readonly node: string;
  /** True virtual time of issue. */
  readonly t: number;
  readonly ms?: number;
}

const timeOrdered: ReadonlySet<Scheme> = new Set(['snowflake', 'ulid', 'uuidv7']);

export class IdLedger {
  private readonly seen = new Map<Scheme, Map<string, LedgerEntry>>(schemes.map((s) => [s, new Map()]));
  private readonly lastByWorker = new Map<string, LedgerEntry>();
  /** Ids per scheme in issue order (kept only when asked: scenarios keep them, fuzzing does not). */
  readonly entries = new Map<Scheme, LedgerEntry[]>(schemes.map((s) => [s, []]));
  readonly issued = new Map<Scheme, number>(schemes.map((s) => [s, 0]));
  duplicates = 0;
  /** The first problem found by each check, kept until read. */
  duplicate: string | undefined;
  outOfOrder: string | undefined;
  malformed: string | undefined;

  constructor(
    world: World,
    private readonly keep = false,
  ) {
    world.onTrace((event) => this.observe(event));
  }

  private observe(event: TraceEvent): void {
    if (event.kind !== 'node' || event.name !== 'id') return;
    const issued = event.data as unknown as IssuedId;
    const entry: LedgerEntry = {
      id: issued.id,
      node: event.node,
      t: event.t,
      ...(issued.ms !== undefined ? { ms: issued.ms } : {}),
    };
    this.issued.set(issued.scheme, (this.issued.get(issued.scheme) ?? 0) + 1);
    if (this.keep) this.entries.get(issued.scheme)?.push(entry);
    const seen = this.seen.get(issued.scheme) as Map<string, LedgerEntry>;
    const earlier = seen.get(issued.id);
    if (earlier !== undefined) {
      this.duplicates++;
      this.duplicate ??= `${issued.scheme} id ${issued.id} issued by ${earlier.node} at ${earlier.t.toFixed(3)} ms and again by ${event.node} at ${event.t.toFixed(3)} ms`;
    } else seen.set(issued.id, entry);
    if (timeOrdered.has(issued.scheme)) {
      const key = `${event.node}/${issued.scheme}`;
      const last = this.lastByWorker.get(key);
      if (last !== undefined && issued.id <= last.id)
        this.outOfOrder ??= `${event.node} issued ${issued.scheme} ${issued.id} at ${event.t.toFixed(3)} ms after ${last.id} (at ${last.t.toFixed(3)} ms)`;
      this.lastByWorker.set(key, entry);
    }
    this.malformed ??= layoutProblem(issued);
  }
}

/** Why an id does not hold its scheme's layout (version, variant, the time and worker it claims), if it does not. */
export function layoutProblem(issued: IssuedId): string | undefined {
  const { scheme, id, ms } = issued;
  switch (scheme) {
    case 'snowflake': {
      const fields = decodeSnowflake(BigInt(id));
      if (fields.worker !== issued.worker)
        return `snowflake ${id} carries worker ${fields.worker}, not ${issued.worker}`;
      if (fields.ms + TWITTER_EPOCH_MS !== ms)
        return `snowflake ${id} carries ${fields.ms + TWITTER_EPOCH_MS} ms, not the ${ms} ms it was issued for`;
      return undefined;
    }
    case 'ulid':
      if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return `'${id}' is not 26 Crockford base32 characters`;
      if (decodeUlidTime(id) !== ms) return `ULID ${id} carries ${decodeUlidTime(id)} ms, not ${ms}`;
      return undefined;
    case 'uuidv7':
    case 'uuidv4': {
      const version = scheme === 'uuidv7' ? 7 : 4;
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
        return `'${id}' is not a UUID`;
      if (uuidVersion(id) !== version) return `${scheme} ${id} has version ${uuidVersion(id)}`;
      if (!uuidHasRfcVariant(id)) return `${scheme} ${id} lacks the RFC 9562 variant bits (10)`;
      if (scheme === 'uuidv7' && uuidV7Ms(id) !== ms)
        return `UUIDv7 ${id} carries ${uuidV7Ms(id)} ms, not ${ms}`;
      return undefined;
    }
  }
}
