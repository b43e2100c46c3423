/**
 * One node of the leaderless store (DeCandia et al. 2007, "Dynamo"): it stores the keys the ring
 * gives it, coordinates any client request it receives, and keeps replicas in step three ways —
 * hinted handoff, read repair, and Merkle-tree anti-entropy — while gossip tells it who is up.
 *
 * A write: the coordinator picks the key's preference list (the first N distinct nodes clockwise on
 * the ring) or, with a sloppy quorum, the first N nodes of the ring walk it believes up, handing each
 * stand-in a hint naming the preferred node it replaces. It answers the client after W acks; a write
 * that gets fewer in time is reported `timeout` and may have landed on some replicas anyway. A read
 * asks the same nodes, answers with the reconciliation of the first R replies, and repairs replicas
 * that answered with less (after answering, or before with `blocking` read repair).
 */
import { invariant, utf8, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import { ConsistentHashRing } from '../hashring/ring';
import { mutantActive } from '../kit/mutants';
import { Membership, type MembershipConfig } from './membership';
import { MerkleTree, HASH_BYTES, INDEX_BYTES, leafOf } from './merkle';
import {
  required,
  type AntiEntropyMessage,
  type ClientReply,
  type ClientRequest,
  type HintView,
  type QuorumError,
  type QuorumMessage,
  type QuorumMutant,
} from './messages';
import {
  contextOf,
  coordinateWrite,
  decodeStored,
  descends,
  digestOf,
  encodeStored,
  merge,
  sameState,
  siblingCount,
  valuesOf,
  type ConflictMode,
  type Stored,
} from './versions';

/** How a state reached a replica, for the observer's checks and the counters. */
export type ApplySource = 'write' | 'replicate' | 'repair' | 'handoff' | 'anti-entropy';

/** What the harness's checkers learn from a node: every change to a replica's state, as it happens. */
export interface ReplicaObserver {
  applied(
    node: NodeId,
    key: string,
    before: Stored | undefined,
    incoming: Stored,
    after: Stored,
    source: ApplySource,
  ): void;
  /** A coordinator finished a request: each target's reply time after the request started (ms). */
  coordinated?(
    node: NodeId,
    kind: 'get' | 'put',
    needed: number,
    replyMs: readonly number[],
    answeredMs: number,
  ): void;
}

export type ReadRepairMode = 'off' | 'async' | 'blocking';

export interface QuorumNodeConfig {
  /** Ring members (every node builds the same ring from them). */
  readonly nodes: readonly NodeId[];
  readonly vnodes: number;
  /** N: replicas per key. */
  readonly replicas: number;
  readonly mode: ConflictMode;
  readonly sloppy: boolean;
  readonly readRepair: ReadRepairMode;
  readonly requestTimeoutMs: number;
  /** How often pending hints are offered to their nodes. */
  readonly handoffMs: number;
  /** How often this node starts an anti-entropy exchange; 0 turns anti-entropy off. */
  readonly antiEntropyMs: number;
  readonly treeDepth: number;
  readonly gossip: MembershipConfig;
  /** Members this node knows when it starts (default: all ring members). */
  readonly seeds?: readonly NodeId[];
  readonly observer?: ReplicaObserver;
  readonly mutant?: QuorumMutant;
}

/** Hints a stand-in holds at most (distinct node and key); past it a hinted write is refused (no ack). */
export const MAX_PENDING_HINTS = 1_024;
/** Requests one node coordinates at once, at most; past it a request is refused `overloaded`. */
export const MAX_IN_FLIGHT = 1_024;
/** Anti-entropy sessions a node answers at once, at most (the oldest is dropped). */
export const MAX_AE_SESSIONS = 16;
/** Hints offered per handoff tick, at most. */
export const HANDOFF_BATCH = 64;
/** Preference lists cached per node, at most (the cache is cleared when full). */
const PREF_CACHE = 4_096;

interface Hint {
  readonly key: string;
  readonly intended: NodeId;
  readonly state: Stored;
  readonly version: number;
}

interface Target {
  readonly node: NodeId;
  /** For a stand-in: the preferred node whose write it keeps. */
  readonly hintFor?: NodeId;
}

interface Coordination {
  readonly kind: 'get' | 'put';
  readonly rid: number;
  readonly client: NodeId;
  readonly id: number;
  readonly key: string;
  readonly need: number;
  readonly started: number;
  readonly targets: Target[];
  readonly preferred: readonly NodeId[];
  /** Reply time per target, in arrival order. */
  readonly replyMs: number[];
  /** put: who acked; get: who replied, with the state each gave (in arrival order). */
  readonly acked: Set<NodeId>;
  readonly replies: { node: NodeId; state: Stored | undefined }[];
  readonly state?: Stored;
  answered: boolean;
  answeredMs: number;
  /** Blocking read repair: acks still awaited before the client is answered. */
  repairsAwaited: Set<NodeId> | undefined;
  repairState: Stored | undefined;
  timer: TimerId | undefined;
  retried: boolean;
}

interface AeInitiator {
  readonly session: number;
  readonly peer: NodeId;
  readonly tree: MerkleTree;
  readonly started: number;
}

interface AeResponder {
  readonly tree: MerkleTree;
  readonly started: number;
}

export interface QuorumNodeStats {
  coordinatedGets: number;
  coordinatedPuts: number;
  timeouts: number;
  unavailable: number;
  hintsStored: number;
  hintsDelivered: number;
  repairsSent: number;
  refusedMerges: number;
  aeSessions: number;
  aeLeavesDiffering: number;
  aeKeysSent: number;
  aeBytes: number;
  forwarded: number;
}

export interface QuorumNodeSnapshot {
  readonly keys: number;
  readonly hints: readonly HintView[];
  readonly maxSiblings: number;
  readonly inFlight: number;
  readonly up: readonly NodeId[];
  readonly stats: QuorumNodeStats;
}

const decoder = new TextDecoder();

export class QuorumNode implements SimNode<QuorumMessage> {
  private readonly store = new Map<string, Stored>();
  private readonly digests = new Map<string, number>();
  private readonly hints = new Map<string, Hint>();
  private readonly pending = new Map<number, Coordination>();
  private readonly aeOut = new Map<number, AeInitiator>();
  private readonly aeIn = new Map<string, AeResponder>();
  private readonly prefCache = new Map<string, NodeId[]>();
  private readonly suspectedUntil = new Map<NodeId, number>();
  private readonly ring: ConsistentHashRing;
  readonly membership: Membership;
  private nextRid = 1;
  private aeCursor = 0;
  readonly stats: QuorumNodeStats = {
    coordinatedGets: 0,
    coordinatedPuts: 0,
    timeouts: 0,
    unavailable: 0,
    hintsStored: 0,
    hintsDelivered: 0,
    repairsSent: 0,
    refusedMerges: 0,
    aeSessions: 0,
    aeLeavesDiffering: 0,
    aeKeysSent: 0,
    aeBytes: 0,
    forwarded: 0,
  };

  constructor(
    private readonly env: Env<QuorumMessage>,
    private readonly config: QuorumNodeConfig,
  ) {
    invariant(
      config.replicas >= 1 && config.replicas <= config.nodes.length,
      'quorum config',
      () => `N = ${config.replicas} with ${config.nodes.length} nodes`,
    );
    this.ring = new ConsistentHashRing(config.vnodes);
    for (const id of config.nodes) this.ring.add(id);
    const generation = this.recover();
    this.membership = new Membership(env, config.seeds ?? config.nodes, generation, config.gossip);
    env.setTimer(config.handoffMs * (0.5 + env.random()), () => this.handoffTick());
    if (config.antiEntropyMs > 0)
      env.setTimer(config.antiEntropyMs * (0.5 + env.random()), () => this.antiEntropyTick());
  }

  // ---- durable state ----

  /** Reads the store and the hints back from disk; returns this start's generation (kept on disk). */
  private recover(): number {
    const disk = this.env.disk;
    for (const name of disk.list()) {
      const bytes = disk.read(name);
      if (!bytes) continue;
      if (name.startsWith('d.')) {
        const key = decodeURIComponent(name.slice(2));
        const state = decodeStored(decoder.decode(bytes));
        this.store.set(key, state);
        this.digests.set(key, digestOf(state));
      } else if (name.startsWith('h.')) {
        const hint = JSON.parse(decoder.decode(bytes)) as Hint;
        this.hints.set(decodeURIComponent(name.slice(2)), hint);
      }
    }
    const previous = disk.read('generation');
    const generation = previous ? Number(decoder.decode(previous)) + 1 : 1;
    disk.write('generation', utf8(String(generation)));
    disk.sync();
    return generation;
  }

  private persist(key: string, state: Stored): void {
    this.env.disk.write(`d.${encodeURIComponent(key)}`, utf8(encodeStored(state)));
    this.env.disk.sync();
  }

  private persistHint(mapKey: string, hint: Hint | undefined): void {
    const name = `h.${encodeURIComponent(mapKey)}`;
    if (hint) this.env.disk.write(name, utf8(JSON.stringify(hint)));
    else this.env.disk.remove(name);
    this.env.disk.sync();
  }

  // ---- placement and health ----

  /** The key's preference list: the first N distinct nodes clockwise from its hash. */
  preferenceList(key: string): readonly NodeId[] {
    let list = this.prefCache.get(key);
    if (!list) {
      if (this.prefCache.size >= PREF_CACHE) this.prefCache.clear();
      list = this.ring.replicas(key, this.ring.size);
      this.prefCache.set(key, list);
    }
    return list.slice(0, this.config.replicas);
  }

  /** The whole ring walk from the key: the preference list, then the stand-ins in order. */
  private ringWalk(key: string): readonly NodeId[] {
    this.preferenceList(key);
    return this.prefCache.get(key) as NodeId[];
  }

  /** Believed up: gossip has seen its heartbeat move and no request to it timed out lately. */
  believesUp(node: NodeId): boolean {
    if (node === this.env.id) return true;
    const until = this.suspectedUntil.get(node);
    if (until !== undefined && this.env.monotonic() < until) return false;
    return this.membership.isUp(node);
  }

  private suspect(node: NodeId): void {
    if (node !== this.env.id)
      this.suspectedUntil.set(node, this.env.monotonic() + this.config.gossip.failAfterMs);
  }

  /**
   * Where a request for `key` goes. Strict: the preferred nodes believed up. Sloppy: the first N nodes
   * of the ring walk believed up, each stand-in hinted with a preferred node it replaces.
   */
  private targets(key: string, skip: ReadonlySet<NodeId> = new Set()): Target[] {
    const preferred = this.preferenceList(key);
    if (!this.config.sloppy)
      return preferred.filter((n) => this.believesUp(n) && !skip.has(n)).map((node) => ({ node }));
    const chosen = this.ringWalk(key)
      .filter((n) => this.believesUp(n) && !skip.has(n))
      .slice(0, this.config.replicas);
    const missing = preferred.filter((n) => !chosen.includes(n));
    let next = 0;
    return chosen.map((node) =>
      preferred.includes(node) ? { node } : { node, hintFor: missing[next++] as NodeId },
    );
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: QuorumMessage): void {
    switch (msg.type) {
      case 'get':
        this.coordinateGet(msg);
        return;
      case 'put':
        this.coordinatePut(msg);
        return;
      case 'replicate': {
        const ok =
          msg.hintFor !== undefined && msg.hintFor !== this.env.id
            ? this.storeHint(msg.hintFor, msg.key, msg.state)
            : this.apply(msg.key, msg.state, 'replicate');
        this.env.send(from, { type: 'replicate-ack', rid: msg.rid, ok });
        return;
      }
      case 'replicate-ack':
        this.onAck(from, msg.rid, msg.ok);
        return;
      case 'read':
        this.env.send(from, { type: 'read-reply', rid: msg.rid, state: this.localRead(msg.key) ?? null });
        return;
      case 'read-reply':
        this.onReadReply(from, msg.rid, msg.state ?? undefined);
        return;
      case 'repair': {
        const ok = mutantActive(this.config.mutant, 'repair-overwrites')
          ? this.overwrite(msg.key, msg.state)
          : this.apply(msg.key, msg.state, 'repair');
        if (msg.rid > 0) this.env.send(from, { type: 'replicate-ack', rid: msg.rid, ok });
        return;
      }
      case 'handoff': {
        const ok = this.apply(msg.key, msg.state, 'handoff');
        if (ok)
          this.env.send(from, {
            type: 'handoff-ack',
            key: msg.key,
            intended: msg.intended,
            version: msg.version,
          });
        return;
      }
      case 'handoff-ack': {
        const mapKey = this.hintKey(msg.intended, msg.key);
        const hint = this.hints.get(mapKey);
        if (hint && hint.version === msg.version) {
          this.hints.delete(mapKey);
          this.persistHint(mapKey, undefined);
          this.stats.hintsDelivered++;
        }
        return;
      }
      case 'gossip':
      case 'gossip-reply':
        this.membership.onMessage(from, msg);
        return;
      case 'ae-compare':
      case 'ae-diff':
      case 'ae-entries':
        this.onAntiEntropy(from, msg);
        return;
      default:
        return; // replies to clients
    }
  }

  /** What this node holds for a key: its own replica, plus any hints it keeps for it. */
  private localRead(key: string): Stored | undefined {
    let state = this.store.get(key);
    for (const hint of this.hintsFor(key)) {
      const merged = merge(state, hint.state, this.config.mutant);
      if (merged.ok) state = merged.state;
    }
    return state;
  }

  private hintKey(intended: NodeId, key: string): string {
    // The bug: one hint per node, so a second key's write folds into the first key's hint.
    return mutantActive(this.config.mutant, 'hints-keyed-by-node') ? intended : `${intended}|${key}`;
  }

  private hintsFor(key: string): Hint[] {
    if (this.hints.size === 0) return [];
    const out: Hint[] = [];
    for (const hint of this.hints.values()) if (hint.key === key) out.push(hint);
    return out;
  }

  /** Reconciles `incoming` into this node's replica of `key`; false when refused (too many siblings). */
  private apply(key: string, incoming: Stored, source: ApplySource): boolean {
    const before = this.store.get(key);
    const outcome = merge(before, incoming, this.config.mutant);
    if (!outcome.ok) {
      this.stats.refusedMerges++;
      return false;
    }
    this.install(key, before, incoming, outcome.state, source);
    return true;
  }

  /** The repair-overwrites mutant: a repair installed as sent, whatever this replica held. */
  private overwrite(key: string, incoming: Stored): boolean {
    this.install(key, this.store.get(key), incoming, incoming, 'repair');
    return true;
  }

  private install(
    key: string,
    before: Stored | undefined,
    incoming: Stored,
    after: Stored,
    source: ApplySource,
  ): void {
    if (!sameState(before, after)) {
      this.store.set(key, after);
      this.digests.set(key, digestOf(after));
      this.persist(key, after);
    }
    this.config.observer?.applied(this.env.id, key, before, incoming, after, source);
  }

  private storeHint(intended: NodeId, key: string, state: Stored): boolean {
    const mapKey = this.hintKey(intended, key);
    const existing = this.hints.get(mapKey);
    if (!existing && this.hints.size >= MAX_PENDING_HINTS) return false;
    const merged = existing ? merge(existing.state, state, this.config.mutant) : { ok: true as const, state };
    if (!merged.ok) {
      this.stats.refusedMerges++;
      return false;
    }
    const hint: Hint = {
      key: existing?.key ?? key,
      intended,
      state: merged.state,
      version: (existing?.version ?? 0) + 1,
    };
    this.hints.set(mapKey, hint);
    this.persistHint(mapKey, hint);
    this.stats.hintsStored++;
    return true;
  }

  // ---- coordinating ----

  private reply(client: NodeId, msg: ClientReply): void {
    this.env.send(client, msg);
  }

  private fail(client: NodeId, id: number, error: QuorumError): void {
    if (error === 'unavailable') this.stats.unavailable++;
    if (error === 'timeout') this.stats.timeouts++;
    this.reply(client, { type: 'error', id, error });
  }

  private coordinatePut(msg: Extract<ClientRequest, { type: 'put' }>): void {
    const preferred = this.preferenceList(msg.key);
    // A versioned write must be coordinated by a replica of the key: the dot (or vector entry) it
    // mints must come after every one that replica minted before, which only its own data knows.
    if (this.config.mode !== 'lww' && !preferred.includes(this.env.id)) {
      const to = msg.forwarded ? undefined : preferred.find((n) => this.believesUp(n));
      if (to === undefined) {
        this.fail(msg.client, msg.id, 'unavailable');
        return;
      }
      this.stats.forwarded++;
      this.env.send(to, { ...msg, forwarded: true });
      return;
    }
    if (this.pending.size >= MAX_IN_FLIGHT) {
      this.fail(msg.client, msg.id, 'overloaded');
      return;
    }
    const need = required(msg.level, this.config.replicas);
    const targets = this.targets(msg.key);
    if (targets.length < need) {
      this.fail(msg.client, msg.id, 'unavailable');
      return;
    }
    const written = coordinateWrite(
      this.config.mode,
      this.localRead(msg.key),
      this.env.id,
      msg.value,
      msg.context,
      msg.ts,
    );
    if (!written.ok) {
      this.fail(msg.client, msg.id, written.error);
      return;
    }
    this.stats.coordinatedPuts++;
    const coordination = this.open('put', msg.client, msg.id, msg.key, need, targets, written.state);
    for (const target of targets) this.sendWrite(coordination, target);
  }

  private open(
    kind: 'get' | 'put',
    client: NodeId,
    id: number,
    key: string,
    need: number,
    targets: Target[],
    state?: Stored,
  ): Coordination {
    const coordination: Coordination = {
      kind,
      rid: this.nextRid++,
      client,
      id,
      key,
      need,
      started: this.env.monotonic(),
      targets: [...targets],
      preferred: this.preferenceList(key),
      replyMs: [],
      acked: new Set(),
      replies: [],
      ...(state ? { state } : {}),
      answered: false,
      answeredMs: 0,
      repairsAwaited: undefined,
      repairState: undefined,
      timer: undefined,
      retried: false,
    };
    this.pending.set(coordination.rid, coordination);
    coordination.timer = this.env.setTimer(this.config.requestTimeoutMs, () => this.onTimeout(coordination));
    return coordination;
  }

  private sendWrite(c: Coordination, target: Target): void {
    const state = c.state as Stored;
    if (target.node === this.env.id) {
      const ok =
        target.hintFor !== undefined
          ? this.storeHint(target.hintFor, c.key, state)
          : this.apply(c.key, state, 'write');
      this.onAck(this.env.id, c.rid, ok);
      return;
    }
    this.env.send(target.node, {
      type: 'replicate',
      rid: c.rid,
      key: c.key,
      state,
      ...(target.hintFor !== undefined ? { hintFor: target.hintFor } : {}),
    });
  }

  private onAck(from: NodeId, rid: number, ok: boolean): void {
    const c = this.pending.get(rid);
    if (!c) return;
    if (c.repairsAwaited) {
      c.repairsAwaited.delete(from);
      if (c.repairsAwaited.size === 0) this.answerGet(c);
      return;
    }
    if (!ok || c.acked.has(from)) return;
    c.acked.add(from);
    c.replyMs.push(this.env.monotonic() - c.started);
    if (!c.answered && c.acked.size >= c.need) {
      c.answered = true;
      c.answeredMs = this.env.monotonic() - c.started;
      this.reply(c.client, { type: 'put-ok', id: c.id, context: contextOf(c.state), acks: c.acked.size });
    }
    if (c.acked.size === c.targets.length) this.close(c);
  }

  private coordinateGet(msg: Extract<ClientRequest, { type: 'get' }>): void {
    if (this.pending.size >= MAX_IN_FLIGHT) {
      this.fail(msg.client, msg.id, 'overloaded');
      return;
    }
    const need = required(msg.level, this.config.replicas);
    const targets = this.targets(msg.key);
    if (targets.length < need) {
      this.fail(msg.client, msg.id, 'unavailable');
      return;
    }
    this.stats.coordinatedGets++;
    const c = this.open('get', msg.client, msg.id, msg.key, need, targets);
    for (const target of targets) {
      if (target.node === this.env.id) this.onReadReply(this.env.id, c.rid, this.localRead(msg.key));
      else this.env.send(target.node, { type: 'read', rid: c.rid, key: msg.key });
    }
  }

  private onReadReply(from: NodeId, rid: number, state: Stored | undefined): void {
    const c = this.pending.get(rid);
    if (!c || c.kind !== 'get' || c.replies.some((r) => r.node === from)) return;
    c.replies.push({ node: from, state });
    c.replyMs.push(this.env.monotonic() - c.started);
    if (!c.answered && c.repairsAwaited === undefined && c.replies.length >= c.need) {
      const merged = this.reconcile(c.replies);
      if (this.config.readRepair === 'blocking') {
        // Write the reconciled state back to the replicas that answered with less, and answer only
        // once they have it (Cassandra's blocking read repair; ABD's write-back phase).
        const stale = c.replies.filter(
          (r) => c.preferred.includes(r.node) && merged && !descends(r.state, merged),
        );
        if (stale.length > 0 && merged) {
          c.repairsAwaited = new Set(stale.map((r) => r.node));
          c.repairState = merged;
          for (const r of stale) this.sendRepair(r.node, c.key, merged, c.rid);
          return;
        }
      }
      c.repairState = merged;
      this.answerGet(c);
    }
    if (c.replies.length === c.targets.length) this.finishRead(c);
  }

  private answerGet(c: Coordination): void {
    if (c.answered) return;
    c.answered = true;
    c.repairsAwaited = undefined;
    c.answeredMs = this.env.monotonic() - c.started;
    const merged = c.repairState;
    this.reply(c.client, {
      type: 'get-ok',
      id: c.id,
      values: valuesOf(merged).sort(),
      context: contextOf(merged),
      replies: c.replies.length,
    });
    if (c.replies.length === c.targets.length) this.finishRead(c);
  }

  private reconcile(replies: readonly { state: Stored | undefined }[]): Stored | undefined {
    let merged: Stored | undefined;
    for (const r of replies) {
      if (!r.state) continue;
      const next = merge(merged, r.state, this.config.mutant);
      if (next.ok) merged = next.state;
    }
    return merged;
  }

  /** Every target answered (or the time ran out): repair the preferred replicas that answered with less. */
  private finishRead(c: Coordination): void {
    if (!c.answered || !this.pending.has(c.rid)) return;
    if (this.config.readRepair !== 'off') {
      if (mutantActive(this.config.mutant, 'repair-overwrites')) {
        // The bug: repair every replica that differs from the first answer with that first answer.
        const first = c.replies[0]?.state;
        if (first)
          for (const r of c.replies)
            if (r.node !== this.env.id && c.preferred.includes(r.node) && !sameState(r.state, first))
              this.sendRepair(r.node, c.key, first, 0);
      } else {
        const merged = this.reconcile(c.replies);
        if (merged)
          for (const r of c.replies)
            if (c.preferred.includes(r.node) && !descends(r.state, merged))
              this.sendRepair(r.node, c.key, merged, 0);
      }
    }
    this.close(c);
  }

  private sendRepair(node: NodeId, key: string, state: Stored, rid: number): void {
    this.stats.repairsSent++;
    if (node === this.env.id) {
      this.apply(key, state, 'repair');
      if (rid > 0) this.onAck(node, rid, true);
      return;
    }
    this.env.send(node, { type: 'repair', rid, key, state });
  }

  private onTimeout(c: Coordination): void {
    c.timer = undefined;
    const answeredBy = c.kind === 'put' ? c.acked : new Set(c.replies.map((r) => r.node));
    const silent = c.targets.filter((t) => !answeredBy.has(t.node));
    for (const t of silent) this.suspect(t.node);
    if (!c.answered && !c.retried && this.config.sloppy && c.repairsAwaited === undefined) {
      // Sloppy quorum: replace the silent nodes by the next nodes of the ring walk, hinted.
      c.retried = true;
      const used = new Set(c.targets.map((t) => t.node));
      const spare = this.ringWalk(c.key).filter((n) => !used.has(n) && this.believesUp(n));
      const added: Target[] = [];
      for (const t of silent) {
        const node = spare.shift();
        if (node === undefined) break;
        const intended = t.hintFor ?? t.node;
        added.push(c.preferred.includes(node) ? { node } : { node, hintFor: intended });
      }
      if (added.length > 0) {
        for (const t of added) c.targets.push(t);
        c.timer = this.env.setTimer(this.config.requestTimeoutMs, () => this.onTimeout(c));
        for (const t of added) {
          if (c.kind === 'put') this.sendWrite(c, t);
          else if (t.node === this.env.id) this.onReadReply(t.node, c.rid, this.localRead(c.key));
          else this.env.send(t.node, { type: 'read', rid: c.rid, key: c.key });
        }
        return;
      }
    }
    if (!c.answered) {
      c.answered = true;
      this.fail(c.client, c.id, 'timeout');
    } else if (c.kind === 'get') {
      this.finishRead(c);
      return;
    }
    this.close(c);
  }

  private close(c: Coordination): void {
    if (!this.pending.delete(c.rid)) return;
    if (c.timer !== undefined) this.env.clearTimer(c.timer);
    if (c.answered) this.config.observer?.coordinated?.(this.env.id, c.kind, c.need, c.replyMs, c.answeredMs);
  }

  // ---- hinted handoff ----

  private handoffTick(): void {
    let offered = 0;
    for (const hint of this.hints.values()) {
      if (offered >= HANDOFF_BATCH) break;
      if (!this.believesUp(hint.intended)) continue;
      // The bug: the hint goes to the key's first preferred node, whoever it was meant for.
      const to = mutantActive(this.config.mutant, 'handoff-wrong-node')
        ? (this.preferenceList(hint.key)[0] as NodeId)
        : hint.intended;
      offered++;
      if (to === this.env.id) continue;
      this.env.send(to, {
        type: 'handoff',
        key: hint.key,
        intended: hint.intended,
        state: hint.state,
        version: hint.version,
      });
    }
    this.env.setTimer(this.config.handoffMs, () => this.handoffTick());
  }

  // ---- anti-entropy ----

  /** The keys this node holds that `peer` replicates too, with their digests: one side of a tree. */
  private sharedEntries(peer: NodeId): [string, number][] {
    const out: [string, number][] = [];
    for (const [key, digest] of this.digests)
      if (this.preferenceList(key).includes(peer)) out.push([key, digest]);
    return out;
  }

  private antiEntropyTick(): void {
    this.env.setTimer(this.config.antiEntropyMs * (0.75 + 0.5 * this.env.random()), () =>
      this.antiEntropyTick(),
    );
    const now = this.env.monotonic();
    for (const [session, s] of this.aeOut)
      if (now - s.started > 10 * this.config.requestTimeoutMs) this.aeOut.delete(session);
    if (this.aeOut.size > 0) return; // one exchange at a time
    const peers = this.config.nodes.filter((n) => n !== this.env.id);
    for (let tried = 0; tried < peers.length; tried++) {
      const peer = peers[this.aeCursor++ % peers.length] as NodeId;
      if (!this.believesUp(peer)) continue;
      this.startExchange(peer);
      return;
    }
  }

  /** Starts an anti-entropy exchange with `peer` now (the harness calls it to measure one exchange). */
  startExchange(peer: NodeId): void {
    const tree = MerkleTree.build(this.sharedEntries(peer), this.config.treeDepth);
    const session = this.nextRid++;
    this.aeOut.set(session, { session, peer, tree, started: this.env.monotonic() });
    this.stats.aeSessions++;
    this.sendAe(peer, { type: 'ae-compare', session, level: 0, indices: [0], hashes: [tree.root] });
  }

  private sendAe(to: NodeId, msg: AntiEntropyMessage): void {
    switch (msg.type) {
      case 'ae-compare':
        this.stats.aeBytes += msg.indices.length * (HASH_BYTES + INDEX_BYTES);
        break;
      case 'ae-diff':
        this.stats.aeBytes += msg.indices.length * INDEX_BYTES;
        break;
      case 'ae-entries':
        this.stats.aeBytes += msg.leaves.length * INDEX_BYTES;
        for (const entry of msg.entries) this.stats.aeBytes += entryBytes(entry[0], entry[1]);
        this.stats.aeKeysSent += msg.entries.length;
        break;
    }
    this.env.send(to, msg);
  }

  private entriesIn(peer: NodeId, leaves: readonly number[]): [string, Stored][] {
    const wanted = new Set(leaves);
    const out: [string, Stored][] = [];
    for (const [key, state] of this.store)
      if (wanted.has(leafOf(key, this.config.treeDepth)) && this.preferenceList(key).includes(peer))
        out.push([key, state]);
    return out;
  }

  private onAntiEntropy(from: NodeId, msg: AntiEntropyMessage): void {
    const depth = this.config.treeDepth;
    switch (msg.type) {
      case 'ae-compare': {
        const id = `${from}:${msg.session}`;
        let responder = this.aeIn.get(id);
        if (!responder || msg.level === 0) {
          if (this.aeIn.size >= MAX_AE_SESSIONS) this.aeIn.delete(this.aeIn.keys().next().value as string);
          responder = {
            tree: MerkleTree.build(this.sharedEntries(from), depth),
            started: this.env.monotonic(),
          };
          this.aeIn.set(id, responder);
        }
        const tree = responder.tree;
        const differing = msg.indices.filter((index, i) => tree.hash(msg.level, index) !== msg.hashes[i]);
        if (msg.level === depth && differing.length > 0) {
          this.sendAe(from, {
            type: 'ae-entries',
            session: msg.session,
            leaves: differing,
            entries: this.entriesIn(from, differing),
            last: false,
          });
        } else {
          if (differing.length === 0) this.aeIn.delete(id);
          this.sendAe(from, { type: 'ae-diff', session: msg.session, level: msg.level, indices: differing });
        }
        return;
      }
      case 'ae-diff': {
        const s = this.aeOut.get(msg.session);
        if (!s || s.peer !== from) return;
        if (msg.indices.length === 0) {
          this.aeOut.delete(msg.session);
          return;
        }
        const level = msg.level + 1;
        // The bug: an off-by-one loop that never descends into an inner node's last child.
        const children = mutantActive(this.config.mutant, 'merkle-off-by-one') ? 1 : 2;
        const indices: number[] = [];
        for (const i of msg.indices) for (let c = 0; c < children; c++) indices.push(2 * i + c);
        this.sendAe(from, {
          type: 'ae-compare',
          session: msg.session,
          level,
          indices,
          hashes: indices.map((i) => s.tree.hash(level, i)),
        });
        return;
      }
      case 'ae-entries': {
        for (const [key, state] of msg.entries) this.apply(key, state, 'anti-entropy');
        if (msg.last) {
          this.aeIn.delete(`${from}:${msg.session}`);
          return;
        }
        const s = this.aeOut.get(msg.session);
        if (!s || s.peer !== from) return;
        this.aeOut.delete(msg.session);
        this.stats.aeLeavesDiffering += msg.leaves.length;
        const theirs = new Map(msg.entries.map(([key, state]) => [key, state] as const));
        const mine = this.entriesIn(from, msg.leaves).filter(
          ([key, state]) => !sameState(theirs.get(key), state),
        );
        this.sendAe(from, {
          type: 'ae-entries',
          session: msg.session,
          leaves: msg.leaves,
          entries: mine,
          last: true,
        });
        return;
      }
    }
  }

  // ---- inspection (harness, lab, checks) ----

  /** This node's replica of a key (not its hints). */
  replica(key: string): Stored | undefined {
    return this.store.get(key);
  }

  keys(): IterableIterator<string> {
    return this.store.keys();
  }

  pendingHints(): HintView[] {
    const out: HintView[] = [];
    for (const hint of this.hints.values())
      out.push({ key: hint.key, intended: hint.intended, siblings: siblingCount(hint.state) });
    return out;
  }

  get hintCount(): number {
    return this.hints.size;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  snapshot(): QuorumNodeSnapshot {
    let maxSiblings = 0;
    for (const state of this.store.values()) maxSiblings = Math.max(maxSiblings, siblingCount(state));
    return {
      keys: this.store.size,
      hints: this.pendingHints(),
      maxSiblings,
      inFlight: this.pending.size,
      up: this.config.nodes.filter((n) => this.believesUp(n)),
      stats: { ...this.stats },
    };
  }
}

/** Wire size of one anti-entropy entry: its key and its state as JSON. */
export function entryBytes(key: string, state: Stored): number {
  return key.length + encodeStored(state).length;
}
