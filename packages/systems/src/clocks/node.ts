/**
 * A clock node keeps every kind of clock at once and stamps each of its events — local, send, receive —
 * with all of them: its disciplined physical clock, a Lamport clock, a vector clock and a hybrid logical
 * clock; members also hold TrueTime intervals. The stamps go into the trace (`stamp` events) so the
 * harness can check them against the true causal order and the lab can show them on the timeline.
 *
 * One node is the time reference (the NTP server, its clock taken as true time). Members run a workload
 * from their own timers: last-write-wins writes replicated to every member, pings that carry causality,
 * TrueTime commits with commit wait (a peer told of a commit may start one of its own), anti-entropy
 * gossip, and NTP polls of the reference. Logical clocks and the clock discipline are synced to disk at
 * every event, so a restarted node continues its process order instead of reusing stamps.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { HybridLogicalClock, type HlcStamp } from './hlc';
import { LamportClock } from './lamport';
import { LwwStore, type LwwWrite } from './lww';
import type { ClockMessage, Stamps } from './messages';
import { DisciplinedClock, ntpSample, type DisciplineConfig, type DisciplineState } from './physical';
import { TrueTime, type TimeInterval } from './truetime';
import { VectorClock, type Vector } from './vector';

export const clockMutants = [
  'lamport-forget-max',
  'vector-forget-merge',
  'hlc-forget-receive-max',
  'hlc-receive-forgets-physical-time',
  'hlc-counter-never-resets',
  'truetime-ignore-drift',
  'skip-commit-wait',
  'lww-last-arrival-wins',
] as const;
export type ClockMutant = (typeof clockMutants)[number];

export interface ClockNodeConfig {
  readonly role: 'reference' | 'member';
  /** Every member (the reference is not one). */
  readonly members: readonly NodeId[];
  readonly reference: NodeId;
  /** Mean local ms between workload actions (0: no workload of its own). */
  readonly actionIntervalMs: number;
  /** Chances of each action; the rest of the time the node does nothing that round. */
  readonly writeChance: number;
  readonly pingChance: number;
  readonly commitChance: number;
  /** Chance that hearing of a peer's commit starts a commit here (real-time chains across nodes). */
  readonly chainChance: number;
  readonly keys: number;
  /** Local ms between NTP polls (0: never synchronised). */
  readonly syncIntervalMs: number;
  /** Correct the wall clock from the polls (false: they feed TrueTime only). */
  readonly disciplineClock: boolean;
  /** Local ms between anti-entropy rounds (0: none). */
  readonly gossipIntervalMs: number;
  readonly discipline: DisciplineConfig;
  /** TrueTime's bound on this node's oscillator error. */
  readonly driftBoundPpm: number;
  readonly mutant?: ClockMutant;
}

/** What a node traces for each event. */
export interface StampEvent extends Stamps {
  readonly index: number;
  readonly kind: 'local' | 'send' | 'receive';
  /** Physical time the HLC read: the disciplined clock in whole milliseconds. */
  readonly pt: number;
  readonly peer?: NodeId;
  readonly message?: ClockMessage['type'];
  readonly action?: 'write' | 'commit-begin' | 'commit';
  readonly write?: LwwWrite;
  /** For writes: whether the write became the key's value here (false: an existing value wins over it). */
  readonly applied?: boolean;
  readonly commit?: string;
  readonly s?: number;
  readonly interval?: TimeInterval;
  readonly waitedMs?: number;
}

interface Persisted {
  readonly index: number;
  readonly lamport: number;
  readonly vector: Vector;
  readonly hlc: HlcStamp;
  readonly discipline: DisciplineState;
  readonly lww: readonly LwwWrite[];
}

const STATE_FILE = 'clocks';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ClockNode implements SimNode<ClockMessage> {
  readonly physical: DisciplinedClock;
  private readonly lamport: LamportClock;
  private readonly vector: VectorClock;
  private readonly hlc: HybridLogicalClock;
  private readonly trueTime: TrueTime;
  private readonly store: LwwStore;
  private index: number;
  /** Request numbers start from a random base each life, so a late reply to a previous life matches nothing. */
  private readonly epoch: number;
  private nextRequest = 1;
  private readonly outstanding = new Map<number, { sentMono: number }>();
  private lastStamp: StampEvent | undefined;
  private stopped = false;
  commits = 0;
  writes = 0;
  lastOffsetMs: number | undefined;

  constructor(
    private readonly env: Env<ClockMessage>,
    private readonly config: ClockNodeConfig,
  ) {
    invariant(config.members.length > 0, 'clock config', () => 'a clock world needs at least one member');
    const stored = env.disk.read(STATE_FILE);
    const state = stored ? (JSON.parse(decoder.decode(stored)) as Persisted) : undefined;
    this.index = state?.index ?? 0;
    this.epoch = Math.floor(env.random() * 2 ** 30) * 1_000_000;
    this.lamport = new LamportClock(state?.lamport ?? 0, config.mutant);
    this.vector = new VectorClock(env.id, state?.vector ?? {}, config.mutant);
    this.hlc = new HybridLogicalClock(state?.hlc, config.mutant);
    this.physical = new DisciplinedClock(env, config.discipline, state?.discipline);
    this.trueTime = new TrueTime(config.driftBoundPpm, config.mutant);
    this.store = new LwwStore(state?.lww ?? [], config.mutant);
    if (config.role === 'member') this.startTimers();
  }

  private startTimers(): void {
    const { actionIntervalMs, syncIntervalMs, gossipIntervalMs } = this.config;
    if (syncIntervalMs > 0) {
      this.poll();
      this.every(syncIntervalMs, () => this.poll());
    }
    if (actionIntervalMs > 0) this.every(actionIntervalMs, () => this.act(), true);
    if (gossipIntervalMs > 0) this.every(gossipIntervalMs, () => this.gossip(), true);
  }

  /** Runs `fire` every `ms` of local time (jittered ±50% from the node's stream when asked). */
  private every(ms: number, fire: () => void, jitter = false): void {
    const wait = jitter ? ms * (0.5 + this.env.random()) : ms;
    this.env.setTimer(wait, () => {
      fire();
      this.every(ms, fire, jitter);
    });
  }

  private peers(): NodeId[] {
    return this.config.members.filter((id) => id !== this.env.id);
  }

  private randomPeer(): NodeId | undefined {
    const peers = this.peers();
    return peers.length > 0 ? (peers[Math.floor(this.env.random() * peers.length)] as NodeId) : undefined;
  }

  /** Stops the workload (writes, pings, commits); polls and gossip go on. The harness calls it to let replicas settle. */
  stopWorkload(): void {
    this.stopped = true;
  }

  private act(): void {
    if (this.stopped) return;
    const roll = this.env.random();
    const { writeChance, pingChance, commitChance } = this.config;
    if (roll < writeChance) this.write(`k${1 + Math.floor(this.env.random() * this.config.keys)}`);
    else if (roll < writeChance + pingChance) {
      const peer = this.randomPeer();
      if (peer) this.ping(peer);
    } else if (roll < writeChance + pingChance + commitChance) this.commit();
  }

  // ---- events ----

  /** Records one event: ticks (or merges) every clock, syncs them to disk, traces the stamps. */
  private event(kind: StampEvent['kind'], extra: Partial<StampEvent> = {}, remote?: Stamps): StampEvent {
    const pt = Math.floor(this.physical.read());
    const lamport = remote ? this.lamport.receive(remote.lamport) : this.lamport.tick();
    const vector = remote ? this.vector.receive(remote.vector) : this.vector.tick();
    const hlc = remote ? this.hlc.receive(remote.hlc, pt) : this.hlc.tick(pt);
    this.index++;
    const stamp: StampEvent = { index: this.index, kind, lamport, vector, hlc, pt, ...extra };
    const persisted: Persisted = {
      index: this.index,
      lamport,
      vector,
      hlc,
      discipline: this.physical.state,
      lww: this.store.entries(),
    };
    this.env.disk.write(STATE_FILE, encoder.encode(JSON.stringify(persisted)));
    this.env.disk.sync();
    this.lastStamp = stamp;
    this.env.trace('stamp', { ...stamp });
    return stamp;
  }

  private stampsOf(event: StampEvent): Stamps {
    return { lamport: event.lamport, vector: event.vector, hlc: event.hlc };
  }

  /** A send event, then the message carrying its stamps. */
  private send(to: NodeId, type: ClockMessage['type'], build: (stamps: Stamps) => ClockMessage): void {
    const event = this.event('send', { peer: to, message: type });
    this.env.send(to, build(this.stampsOf(event)));
  }

  // ---- actions (also the harness's entry points in scenarios) ----

  /** A last-write-wins write of `key`, stamped with the physical clock, replicated to every member. */
  write(key: string): LwwWrite {
    const write: LwwWrite = {
      id: `${this.env.id}:${this.index + 1}`,
      key,
      ts: this.physical.read(),
      node: this.env.id,
    };
    const applied = this.store.apply(write);
    this.event('local', { action: 'write', write, applied });
    this.writes++;
    for (const peer of this.peers()) this.send(peer, 'write', (stamps) => ({ type: 'write', write, stamps }));
    return write;
  }

  ping(to: NodeId): void {
    this.send(to, 'ping', (stamps) => ({ type: 'ping', stamps }));
  }

  /** Starts a TrueTime commit: s = latest, visible once earliest > s (unless the broken variant skips the wait). */
  commit(): boolean {
    const begin = this.trueTime.now(this.env.monotonic());
    if (!begin) return false; // never synchronised: no bound on true time, no commit
    const id = `${this.env.id}:${this.index + 1}`;
    const s = begin.latest;
    const startMono = this.env.monotonic();
    this.event('local', { action: 'commit-begin', commit: id, s, interval: begin });
    const attempt = () => {
      const now = this.trueTime.now(this.env.monotonic()) as TimeInterval;
      if (now.earliest <= s && !mutantActive(this.config.mutant, 'skip-commit-wait')) {
        this.env.setTimer(Math.max(0.01, s - now.earliest), attempt);
        return;
      }
      this.commits++;
      this.event('local', {
        action: 'commit',
        commit: id,
        s,
        interval: now,
        waitedMs: this.env.monotonic() - startMono,
      });
      const peer = this.randomPeer();
      if (peer) this.send(peer, 'committed', (stamps) => ({ type: 'committed', commit: id, s, stamps }));
    };
    attempt();
    return true;
  }

  private gossip(): void {
    const peer = this.randomPeer();
    if (!peer) return;
    const writes = this.store.entries();
    this.send(peer, 'gossip', (stamps) => ({ type: 'gossip', writes, stamps }));
  }

  private poll(): void {
    const request = this.epoch + this.nextRequest++;
    this.outstanding.set(request, { sentMono: this.env.monotonic() });
    const t1 = this.physical.read();
    this.send(this.config.reference, 'ntp-request', (stamps) => ({
      type: 'ntp-request',
      request,
      t1,
      stamps,
    }));
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: ClockMessage): void {
    this.event('receive', { peer: from, message: msg.type }, msg.stamps);
    switch (msg.type) {
      case 'ntp-request': {
        const t2 = this.physical.read();
        const reply = { request: msg.request, t1: msg.t1, t2 };
        this.send(from, 'ntp-response', (stamps) => ({
          type: 'ntp-response',
          ...reply,
          t3: this.physical.read(),
          stamps,
        }));
        return;
      }
      case 'ntp-response': {
        const sent = this.outstanding.get(msg.request);
        if (!sent) return; // a duplicate, a reply to a previous life, or one measured on a scale since corrected
        // Requests still out were timed (t1) on the clock before this correction: their replies would mislead.
        this.outstanding.clear();
        const t4 = this.physical.read();
        const sample = ntpSample(msg.t1, msg.t2, msg.t3, t4);
        const correction = this.config.disciplineClock ? this.physical.apply(sample) : 'none';
        this.lastOffsetMs = sample.offsetMs;
        this.trueTime.sync({
          t3: msg.t3,
          holdMs: msg.t3 - msg.t2,
          sentMono: sent.sentMono,
          receivedMono: this.env.monotonic(),
        });
        this.env.trace('ntp', { offsetMs: sample.offsetMs, delayMs: sample.delayMs, correction });
        return;
      }
      case 'write':
        this.store.apply(msg.write);
        return;
      case 'gossip':
        for (const write of msg.writes) this.store.apply(write);
        return;
      case 'committed':
        if (this.config.role === 'member' && !this.stopped && this.env.random() < this.config.chainChance)
          this.commit();
        return;
      case 'ping':
        return;
    }
  }

  /** The register's values, sorted by key. */
  values(): LwwWrite[] {
    return this.store.entries();
  }

  trueTimeNow(): TimeInterval | undefined {
    return this.trueTime.now(this.env.monotonic());
  }

  snapshot(): {
    id: NodeId;
    events: number;
    last?: StampEvent;
    writes: number;
    commits: number;
    frequencyPpm: number;
    steps: number;
  } {
    return {
      id: this.env.id,
      events: this.index,
      ...(this.lastStamp ? { last: this.lastStamp } : {}),
      writes: this.writes,
      commits: this.commits,
      frequencyPpm: this.physical.estimatedFrequencyPpm,
      steps: this.physical.steps,
    };
  }
}
