/**
 * A replica of the causal store, after COPS (Lloyd et al., SOSP 2011), one node per datacenter holding
 * every key. A local client's write is applied at once, stamped with a Lamport version and the client's
 * causal context as its dependencies, and shipped to every other replica. A remote write becomes visible
 * only once every one of its dependencies is visible here (COPS's dependency check); until then it waits
 * in a bounded buffer. So the visible state of a replica is always causally closed, and a client that
 * talks to one replica sees causal consistency. Concurrent writes of one key are settled by
 * last-writer-wins on the version, which makes the replicas converge.
 *
 * Each key keeps its last few versions (COPS-GT's old versions) for the second round of a snapshot read.
 */
import { invariant, type Env, type Message, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import type { CausalMessage, ReplicatedWrite } from './messages';
import { lamportOf, makeVersion, maxLamport, MAX_REPLICAS, type Deps } from './versions';

export const causalMutants = ['expose-before-deps', 'last-arrival-wins'] as const;
export type CausalMutant = (typeof causalMutants)[number];

/** Versions kept per key for snapshot reads; older ones are dropped. */
export const MAX_VERSIONS_PER_KEY = 8;
/** Remote writes waiting for their dependencies; past it a write is not acknowledged (its origin resends). */
export const MAX_PENDING = 1_024;
/** Own writes not yet acknowledged by one peer; past it local writes are refused. */
export const MAX_OUTBOX = 4_096;
/** Unacknowledged writes sent to a peer per resend round. */
export const RESEND_BATCH = 64;

export interface ReplicaConfig {
  readonly peers: readonly NodeId[];
  /** This replica's index, in the low bits of its versions. */
  readonly index: number;
  readonly resendMs: number;
  readonly mutant?: CausalMutant;
}

interface Stored {
  readonly value: string;
  readonly version: number;
  readonly deps: Deps;
}

export interface ReplicaSnapshot {
  readonly id: NodeId;
  readonly lamport: number;
  readonly visible: Readonly<Record<string, { value: string; version: number }>>;
  readonly pending: number;
  readonly unacked: number;
  readonly applied: number;
  readonly buffered: number;
}

export class CausalReplica implements SimNode<CausalMessage & Message> {
  private lamport = 0;
  /** Each key's kept versions, ascending. */
  private readonly versions = new Map<string, Stored[]>();
  /** Each key's visible version: the newest kept (last-writer-wins), unless a mutant says otherwise. */
  private readonly visible = new Map<string, Stored>();
  private readonly pending = new Map<number, ReplicatedWrite>();
  private readonly outbox = new Map<NodeId, Map<number, ReplicatedWrite>>();
  /** Remote writes applied, and those that had to wait for a dependency first. */
  applied = 0;
  buffered = 0;

  constructor(
    private readonly env: Env<CausalMessage>,
    private readonly config: ReplicaConfig,
  ) {
    invariant(
      config.index >= 0 && config.index < MAX_REPLICAS,
      'replica index',
      () => `replica index ${config.index} is outside 0..${MAX_REPLICAS - 1}`,
    );
    for (const peer of config.peers) if (peer !== env.id) this.outbox.set(peer, new Map());
    if (config.resendMs > 0) this.scheduleResend();
  }

  /** The visible version of a key (0: never written here). */
  visibleVersion(key: string): number {
    return this.visible.get(key)?.version ?? 0;
  }

  private depsVisible(deps: Deps): boolean {
    for (const [key, version] of Object.entries(deps)) if (this.visibleVersion(key) < version) return false;
    return true;
  }

  onMessage(from: NodeId, msg: CausalMessage): void {
    switch (msg.type) {
      case 'put':
        return this.put(from, msg.id, msg.key, msg.value, msg.deps);
      case 'get': {
        const s = this.visible.get(msg.key);
        this.env.send(from, {
          type: 'get-ok',
          id: msg.id,
          key: msg.key,
          value: s?.value ?? null,
          version: s?.version ?? 0,
          deps: s?.deps ?? {},
        });
        return;
      }
      case 'get-version': {
        const s = this.versions.get(msg.key)?.find((v) => v.version === msg.version);
        this.env.send(from, {
          type: 'get-version-ok',
          id: msg.id,
          key: msg.key,
          found: s !== undefined,
          value: s?.value ?? null,
          deps: s?.deps ?? {},
        });
        return;
      }
      case 'replicate':
        return this.receive(from, msg.writes);
      case 'replicate-ack': {
        const box = this.outbox.get(from);
        for (const v of msg.versions) box?.delete(v);
        return;
      }
      default:
        return;
    }
  }

  private put(client: NodeId, id: number, key: string, value: string, deps: Deps): void {
    for (const box of this.outbox.values())
      if (box.size >= MAX_OUTBOX) {
        this.env.send(client, { type: 'put-refused', id });
        return;
      }
    this.lamport = Math.max(this.lamport, maxLamport(deps), lamportOf(this.visibleVersion(key))) + 1;
    const write: ReplicatedWrite = {
      key,
      value,
      version: makeVersion(this.lamport, this.config.index),
      deps,
      origin: this.env.id,
    };
    this.apply(write);
    for (const [peer, box] of this.outbox) {
      box.set(write.version, write);
      this.env.send(peer, { type: 'replicate', writes: [write] });
    }
    this.env.send(client, { type: 'put-ok', id, version: write.version });
  }

  private receive(from: NodeId, writes: readonly ReplicatedWrite[]): void {
    const acked: number[] = [];
    for (const w of writes) {
      this.lamport = Math.max(this.lamport, lamportOf(w.version));
      if (this.has(w)) acked.push(w.version);
      else if (mutantActive(this.config.mutant, 'expose-before-deps') || this.depsVisible(w.deps)) {
        this.applyRemote(w);
        acked.push(w.version);
      } else if (!this.pending.has(w.version) && this.pending.size < MAX_PENDING) {
        this.pending.set(w.version, w);
        this.buffered++;
      }
    }
    if (acked.length > 0) this.env.send(from, { type: 'replicate-ack', versions: acked });
    if (acked.length > 0) this.drainPending();
  }

  /** Whether this write was applied already, or is older than every version this replica keeps of its key. */
  private has(w: ReplicatedWrite): boolean {
    const list = this.versions.get(w.key);
    if (!list || list.length === 0) return false;
    if (list.some((s) => s.version === w.version)) return true;
    return list.length >= MAX_VERSIONS_PER_KEY && w.version < (list[0] as Stored).version;
  }

  /** Writes whose dependencies became visible: apply them, and again, until none is ready. */
  private drainPending(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const [version, w] of this.pending) {
        if (!this.depsVisible(w.deps) && !this.has(w)) continue;
        this.pending.delete(version);
        if (!this.has(w)) this.applyRemote(w);
        this.env.send(w.origin, { type: 'replicate-ack', versions: [version] });
        progress = true;
      }
    }
  }

  /** A write from another replica: COPS's dependency check has passed (unless the mutant skipped it). */
  private applyRemote(w: ReplicatedWrite): void {
    if (!mutantActive(this.config.mutant, 'expose-before-deps'))
      invariant(
        this.depsVisible(w.deps),
        'dependencies visible first',
        () => `${this.env.id} applies ${w.key}@${w.version} before its dependencies`,
      );
    this.apply(w);
    this.applied++;
  }

  private apply(w: ReplicatedWrite): void {
    const list = this.versions.get(w.key) ?? [];
    let at = list.length;
    while (at > 0 && (list[at - 1] as Stored).version > w.version) at--;
    list.splice(at, 0, { value: w.value, version: w.version, deps: w.deps });
    if (list.length > MAX_VERSIONS_PER_KEY) list.shift();
    this.versions.set(w.key, list);
    const newest = list[list.length - 1] as Stored;
    // Last-writer-wins: the largest version is the value. The mutant shows whatever arrived last.
    const shown = mutantActive(this.config.mutant, 'last-arrival-wins')
      ? { value: w.value, version: w.version, deps: w.deps }
      : newest;
    this.visible.set(w.key, shown);
    this.env.trace('apply', { key: w.key, version: w.version, origin: w.origin });
  }

  private scheduleResend(): void {
    this.env.setTimer(this.config.resendMs, () => {
      for (const [peer, box] of this.outbox) {
        if (box.size === 0) continue;
        const batch: ReplicatedWrite[] = [];
        for (const w of box.values()) {
          batch.push(w);
          if (batch.length >= RESEND_BATCH) break;
        }
        this.env.send(peer, { type: 'replicate', writes: batch });
      }
      this.scheduleResend();
    });
  }

  /** Each key's visible value, for convergence checks and the lab. */
  visibleValues(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, s] of this.visible) out.set(key, s.value);
    return out;
  }

  snapshot(): ReplicaSnapshot {
    const visible: Record<string, { value: string; version: number }> = {};
    for (const [key, s] of this.visible) visible[key] = { value: s.value, version: s.version };
    let unacked = 0;
    for (const box of this.outbox.values()) unacked += box.size;
    return {
      id: this.env.id,
      lamport: this.lamport,
      visible,
      pending: this.pending.size,
      unacked,
      applied: this.applied,
      buffered: this.buffered,
    };
  }
}
