/**
 * One RaftNode on a tiny hand-driven Env, for message-level tests in the style of etcd's raft tests: no
 * network, no other nodes — a test hands the node one message (or lets one timer fire) and reads back what
 * it sent and the state it is left in. Time moves only when the test says so; random() is a constant, so
 * every election timeout is exactly halfway through its range.
 */
import { SimDisk, type Env, type NodeId, type TimerId, type TraceData } from '@dslab/sim';
import { RaftNode, type RaftNodeSnapshot } from '../node';
import { RaftStorage, type StoredSnapshot } from '../storage';
import { defaultRaftConfig, type Entry, type RaftConfig, type RaftMessage } from '../types';

export interface Sent {
  readonly to: NodeId;
  readonly msg: RaftMessage;
}

interface Timer {
  readonly at: number;
  readonly id: TimerId;
  readonly fire: () => void;
}

export class FakeEnv implements Env<RaftMessage> {
  readonly disk = new SimDisk();
  readonly traces: { name: string; data?: TraceData }[] = [];
  private outbox: Sent[] = [];
  private time = 0;
  private timers = new Map<TimerId, Timer>();
  private nextTimerId = 1;

  constructor(readonly id: NodeId) {}

  now(): number {
    return this.time;
  }

  monotonic(): number {
    return this.time;
  }

  random(): number {
    return 0.5;
  }

  send(to: NodeId, msg: RaftMessage): void {
    this.outbox.push({ to, msg });
  }

  setTimer(ms: number, fire: () => void): TimerId {
    const id = this.nextTimerId++;
    this.timers.set(id, { at: this.time + ms, id, fire });
    return id;
  }

  clearTimer(timer: TimerId): void {
    this.timers.delete(timer);
  }

  trace(name: string, data?: TraceData): void {
    this.traces.push(data === undefined ? { name } : { name, data });
  }

  /** Moves time forward by `ms`, firing every timer that comes due, in time order (then creation order). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)))
          next = timer;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
    this.time = end;
  }

  /** The messages sent since the last call. */
  take(): Sent[] {
    const sent = this.outbox;
    this.outbox = [];
    return sent;
  }
}

export const VOTERS: readonly NodeId[] = ['n1', 'n2', 'n3'];

/** Small round numbers: election timeouts of 100–200 ms (so 150 ms here), heartbeats every 20 ms. */
export const testConfig: RaftConfig = {
  ...defaultRaftConfig,
  voters: VOTERS,
  electionMinMs: 100,
  electionMaxMs: 200,
  heartbeatMs: 20,
  preVote: false,
  checkQuorum: false,
  snapshotEvery: 0,
};

export const ELECTION_TIMEOUT_MS = 150;

export interface NodeSetup {
  /** Durable state the node starts from, as if restarting on this disk. */
  readonly term?: number;
  readonly votedFor?: NodeId | null;
  readonly log?: readonly Entry[];
  readonly snapshot?: StoredSnapshot;
  readonly config?: Partial<RaftConfig>;
}

export interface Harness {
  readonly node: RaftNode;
  readonly env: FakeEnv;
  /** Hands the node one message, runs what it scheduled for "now" (0 ms timers), returns what it sent. */
  deliver(from: NodeId, msg: RaftMessage): Sent[];
  /** Lets `ms` pass and returns what the node sent meanwhile. */
  wait(ms: number): Sent[];
  state(): RaftNodeSnapshot & { readonly terms: readonly number[] };
}

export function noop(term: number): Entry {
  return { term, kind: 'noop' };
}

export function put(term: number, seq: number, key = 'x', value = `v${seq}`, client = 'c1'): Entry {
  return { term, kind: 'command', command: { client, seq, op: { f: 'put', key, value } } };
}

/** Entries of the given terms (no-ops): `logOf(1, 1, 2)` is a log whose terms are 1, 1, 2. */
export function logOf(...terms: number[]): Entry[] {
  return terms.map(noop);
}

export function startNode(setup: NodeSetup = {}, id: NodeId = 'n1'): Harness {
  const env = new FakeEnv(id);
  const storage = new RaftStorage(env.disk);
  if (setup.term !== undefined || setup.votedFor !== undefined)
    storage.saveMeta(setup.term ?? 0, setup.votedFor ?? null);
  const first = (setup.snapshot?.lastIndex ?? 0) + 1;
  if (setup.snapshot) storage.saveSnapshot(setup.snapshot, setup.log ?? []);
  else storage.appendEntries(first, setup.log ?? []);
  storage.flush();
  const node = new RaftNode(env, { ...testConfig, ...setup.config });
  env.take();
  const harness: Harness = {
    node,
    env,
    deliver(from, msg) {
      node.onMessage(from, msg);
      env.advance(0);
      return env.take();
    },
    wait(ms) {
      env.advance(ms);
      return env.take();
    },
    state() {
      const terms: number[] = [];
      for (let i = node.log.snapshotIndex + 1; i <= node.log.lastIndex; i++)
        terms.push(node.log.term(i) as number);
      return { ...node.snapshot(), terms };
    },
  };
  return harness;
}

/** A node that timed out and asked for votes (pre-vote off): a candidate of `term + 1`. */
export function startCandidate(setup: NodeSetup = {}): Harness {
  const h = startNode(setup);
  h.wait(ELECTION_TIMEOUT_MS);
  return h;
}

/**
 * A node elected leader of `term + 1` by n2's vote. Its no-op (when configured) is appended and sent, not
 * yet acknowledged; `committed` has n2 acknowledge everything, so the leader's term has committed.
 */
export function startLeader(setup: NodeSetup = {}, options: { committed?: boolean } = {}): Harness {
  const h = startCandidate(setup);
  const term = h.node.term;
  h.deliver('n2', { type: 'vote-reply', term, granted: true });
  if (h.node.role !== 'leader') throw new Error(`n1 did not become leader: ${h.node.role}`);
  if (options.committed) {
    h.deliver('n2', {
      type: 'append-reply',
      term,
      success: true,
      matchIndex: h.node.log.lastIndex,
      conflictTerm: 0,
      conflictIndex: 0,
      round: 1,
    });
    if (h.node.commitIndex !== h.node.log.lastIndex) throw new Error('the leader did not commit');
  }
  return h;
}
