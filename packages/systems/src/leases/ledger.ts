/**
 * The harness's ledger of a leases world, kept in true time (the simulator's, which no node can read):
 * who believed it held the lock when, every grant the lease service made in its own view, and every
 * write the storage applied or refused. The scenarios' figures and the invariants come from here.
 *
 * A write is *corrupting* when the storage applies it after it already applied a write of a later
 * acquisition: the older holder's write lands on top of the newer holder's (Kleppmann's "client 1 wakes
 * up and overwrites client 2"). A write of a superseded acquisition that lands before the newer holder
 * wrote anything is *stale* but harmless: it is ordered before the newer holder's writes.
 */

/** What nodes report to the ledger (the harness passes it in their config). */
export interface LeaseObserver {
  /** `client` believes, from now, it holds the lock under its acquisition number `grant`. */
  hold(client: string, grant: number, token: number): void;
  /** `client` no longer believes it holds the lock. */
  drop(client: string): void;
  /** The lease service granted `token` to `session`, valid until `expiresAt` (the service's monotonic ms). */
  granted(session: string, token: number, serviceNow: number, expiresAt: number): void;
  /** The lease service extended (or, on recovery, re-armed) the lease of `token`. */
  extended(token: number, expiresAt: number): void;
  /** The lease of `token` ended in the service's view (released or expired). */
  ended(token: number): void;
  /** The storage applied or refused a write of `writer` under its acquisition `grant`. */
  wrote(writer: string, grant: number, token: number, rule: string, accepted: boolean): void;
  /** A client passed its own check and is preparing a write (where a GC pause hurts most). */
  preparing(client: string): void;
  /** The term-CAS row: `winner` took term `term` over. */
  tookOver(winner: string, term: number): void;
}

/** A write names its acquisition; a client's writes in flight belong to one of its last few. */
export const RECENT_GRANTS_PER_CLIENT = 8;

/** Term-CAS: the winners of this many latest terms are kept. */
export const RECENT_TERMS = 16;

/** At most this many refused or corrupting writes are kept for the lab's picture. */
export const MAX_INCIDENTS = 16;

/** At most this many recent writes are kept for the lab's picture. */
export const MAX_RECENT_WRITES = 64;

export interface LedgerWrite {
  readonly t: number;
  readonly writer: string;
  readonly token: number;
  readonly accepted: boolean;
  readonly corrupting: boolean;
}

export class LeaseLedger implements LeaseObserver {
  /** Each client's recent acquisitions (grant → epoch, in true-time order), newest last. */
  private readonly epochs = new Map<string, { grant: number; epoch: number }[]>();
  private nextEpoch = 1;
  /** Who believes it holds now, with the epoch it believes in. */
  readonly believers = new Map<
    string,
    { readonly epoch: number; readonly token: number; readonly since: number }
  >();
  maxBelievers = 0;
  /** True ms during which two or more clients believed they held the lock. */
  overlapMs = 0;
  private overlapSince: number | undefined;
  acquisitions = 0;
  accepted = 0;
  rejected = 0;
  stale = 0;
  corrupted = 0;
  /** The latest epoch with an applied write. */
  private latestWrittenEpoch = 0;
  /** Fenced storage: the highest token applied; and the first write applied below it. */
  private highestToken = -Infinity;
  fencingProblem: string | undefined;
  /** The lease service's view: the lease in force, grants and tokens. */
  private current: { session: string; token: number; expiresAt: number; ended: boolean } | undefined;
  grants = 0;
  private highestGrant = -Infinity;
  leaseProblem: string | undefined;
  tokenProblem: string | undefined;
  /** Term-CAS: how many terms were taken over, and the winners of the last few. */
  terms = 0;
  private readonly termWinners = new Map<number, string[]>();
  private mostWinners = 0;
  /** Clients that passed their check and are preparing a write, in order. */
  readonly preparingClients: string[] = [];
  readonly recent: LedgerWrite[] = [];
  /** The last writes that were refused or corrupting (what a pause leads to), kept longer than `recent`. */
  readonly incidents: LedgerWrite[] = [];

  /** The harness's hook: a GC pause armed to hit the next client that prepares a write. */
  onPreparing: ((client: string) => void) | undefined;

  constructor(private readonly now: () => number) {}

  private epochOf(client: string, grant: number): number {
    return this.epochs.get(client)?.find((e) => e.grant === grant)?.epoch ?? 0;
  }

  private updateOverlap(): void {
    const t = this.now();
    if (this.overlapSince !== undefined) this.overlapMs += t - this.overlapSince;
    this.overlapSince = this.believers.size >= 2 ? t : undefined;
    if (this.believers.size > this.maxBelievers) this.maxBelievers = this.believers.size;
  }

  hold(client: string, grant: number, token: number): void {
    const epoch = this.nextEpoch++;
    this.acquisitions++;
    const mine = this.epochs.get(client) ?? [];
    mine.push({ grant, epoch });
    if (mine.length > RECENT_GRANTS_PER_CLIENT) mine.shift();
    this.epochs.set(client, mine);
    this.updateOverlap();
    this.believers.set(client, { epoch, token, since: this.now() });
    this.updateOverlap();
  }

  drop(client: string): void {
    if (!this.believers.has(client)) return;
    this.updateOverlap();
    this.believers.delete(client);
    this.updateOverlap();
  }

  /** A crashed client believes nothing any more. */
  crashed(client: string): void {
    this.drop(client);
  }

  granted(session: string, token: number, serviceNow: number, expiresAt: number): void {
    this.grants++;
    const c = this.current;
    if (this.leaseProblem === undefined && c && !c.ended && c.session !== session && serviceNow < c.expiresAt)
      this.leaseProblem = `token ${token} granted to ${session} while token ${c.token} of ${c.session} had ${(c.expiresAt - serviceNow).toFixed(1)} ms left`;
    if (this.tokenProblem === undefined && token <= this.highestGrant)
      this.tokenProblem = `token ${token} granted after token ${this.highestGrant}: fencing tokens must only grow`;
    this.highestGrant = Math.max(this.highestGrant, token);
    this.current = { session, token, expiresAt, ended: false };
  }

  extended(token: number, expiresAt: number): void {
    if (this.current?.token === token) this.current.expiresAt = expiresAt;
  }

  ended(token: number): void {
    if (this.current?.token === token) this.current.ended = true;
  }

  wrote(writer: string, grant: number, token: number, rule: string, accepted: boolean): void {
    const epoch = this.epochOf(writer, grant);
    let corrupting = false;
    if (accepted) {
      this.accepted++;
      if (epoch < this.latestEpochOfOthers(writer)) this.stale++;
      if (epoch < this.latestWrittenEpoch) {
        corrupting = true;
        this.corrupted++;
      }
      this.latestWrittenEpoch = Math.max(this.latestWrittenEpoch, epoch);
      if (rule === 'max-seen') {
        if (this.fencingProblem === undefined && token < this.highestToken)
          this.fencingProblem = `the storage applied ${writer}'s write with token ${token} after one with token ${this.highestToken}`;
        this.highestToken = Math.max(this.highestToken, token);
      }
    } else this.rejected++;
    const write = { t: this.now(), writer, token, accepted, corrupting };
    this.recent.push(write);
    if (this.recent.length > MAX_RECENT_WRITES) this.recent.shift();
    if (!accepted || corrupting) {
      this.incidents.push(write);
      if (this.incidents.length > MAX_INCIDENTS) this.incidents.shift();
    }
  }

  /** The latest epoch acquired by a client other than `writer` (0 when none). */
  private latestEpochOfOthers(writer: string): number {
    let latest = 0;
    for (const [client, mine] of this.epochs) {
      const newest = mine[mine.length - 1];
      if (client !== writer && newest && newest.epoch > latest) latest = newest.epoch;
    }
    return latest;
  }

  preparing(client: string): void {
    this.preparingClients.push(client);
    if (this.preparingClients.length > MAX_RECENT_WRITES) this.preparingClients.shift();
    this.onPreparing?.(client);
  }

  tookOver(winner: string, term: number): void {
    const winners = this.termWinners.get(term) ?? [];
    if (winners.length === 0) this.terms++;
    winners.push(winner);
    this.termWinners.set(term, winners);
    this.mostWinners = Math.max(this.mostWinners, winners.length);
    // Terms only grow: a second winner of a term comes while it is among the latest.
    if (this.termWinners.size > RECENT_TERMS) this.termWinners.delete(term - RECENT_TERMS);
  }

  /** The largest number of winners any one term had. */
  maxWinnersPerTerm(): number {
    return this.mostWinners;
  }

  /** Closes the overlap measurement at the end of a run. */
  settle(): void {
    this.updateOverlap();
  }
}
