/**
 * The deterministic world: virtual time, one event at a time, every choice drawn from the seed.
 * Nodes see only their Env; the harness (scenarios, fuzzers, the lab) drives the World.
 */
import type { Env, Message, NodeFactory, NodeId, SimNode, TimerId, TraceData } from './env';
import { EventQueue } from './event-queue';
import { SimClock } from './clock';
import { SimDisk, type DiskFaults } from './disk';
import { DROPPED_BY_PARTITION, Network, type LinkConfig } from './network';
import { Rng } from './rng';
import { TimerTable } from './timer-table';
import { TraceHasher, type TraceEvent, type TraceListener } from './trace';
import { InvariantViolation, deepFreeze, invariant } from './invariant';

export type TraceMode = 'off' | 'hash' | 'record';

export interface WorldOptions {
  readonly seed: number;
  /** 'hash' (default) keeps a running trace hash; 'record' also keeps every event; 'off' is fastest. */
  readonly trace?: TraceMode;
  /** Default link behaviour for every pair of nodes. */
  readonly network?: Partial<LinkConfig>;
  /** Deep-freeze every message so mutation by a receiver throws (default true; benchmarks turn it off). */
  readonly freezeMessages?: boolean;
}

export interface NodeOptions {
  readonly clock?: { readonly offsetMs?: number; readonly driftPpm?: number };
  readonly disk?: DiskFaults;
}

export interface WorldStats {
  events: number;
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  timersFired: number;
}

const DELIVER = 0;
const TIMER = 1;
const ACTION = 2;

/** Events held for one paused node (messages and timers that arrived while it was paused), at most. */
export const HELD_EVENTS_BOUND = 65_536;

interface DeliverEvent {
  readonly kind: typeof DELIVER;
  readonly from: NodeSlot;
  readonly to: NodeSlot;
  readonly msg: Message;
  readonly id: number;
}

interface TimerEvent {
  readonly kind: typeof TIMER;
  readonly node: NodeSlot;
  readonly incarnation: number;
  readonly id: TimerId;
  readonly fire: () => void;
  cancelled: boolean;
}

interface ActionEvent {
  readonly kind: typeof ACTION;
  readonly label: string;
  readonly run: () => void;
}

type WorldEvent = DeliverEvent | TimerEvent | ActionEvent;

interface NodeSlot {
  readonly id: NodeId;
  readonly factory: NodeFactory<Message>;
  readonly clock: SimClock;
  readonly disk: SimDisk;
  instance: SimNode<Message> | undefined;
  up: boolean;
  paused: boolean;
  incarnation: number;
  /** Events that arrived while paused, replayed in order on resume. */
  held: (DeliverEvent | TimerEvent)[];
  timers: TimerTable<TimerEvent>;
}

function cancel(timer: TimerEvent): void {
  timer.cancelled = true;
}

/** Which of the properties a combined invariant judges broke, and how. */
export interface InvariantFinding {
  readonly name: string;
  readonly detail: string;
}

interface Invariant {
  readonly name: string;
  readonly check: () => string | InvariantFinding | undefined;
}

export class World {
  readonly seed: number;
  /** The harness's own random stream (workloads, fault choices); independent of node streams. */
  readonly rng: Rng;
  readonly network: Network;
  readonly stats: WorldStats = {
    events: 0,
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    timersFired: 0,
  };
  /** Every trace event, when the trace mode is 'record'. */
  readonly events: TraceEvent[] = [];

  private readonly root: Rng;
  private readonly queue = new EventQueue<WorldEvent>();
  private readonly slots = new Map<NodeId, NodeSlot>();
  private readonly order: NodeId[] = [];
  /** Replaced, never changed in place: a listener may (un)subscribe while an event is being handed out. */
  private listeners: readonly TraceListener[] = [];
  private readonly invariants: Invariant[] = [];
  private readonly hasher: TraceHasher | undefined;
  private readonly record: boolean;
  private readonly freeze: boolean;
  private tracing: boolean;
  private time = 0;
  /** See `nodeLives`. */
  private lifeChanges = 0;
  private nextMessageId = 1;
  private nextTimerId = 1;
  private readonly unstarted: NodeSlot[] = [];

  constructor(options: WorldOptions) {
    if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
      throw new RangeError(`World seed must be a non-negative safe integer, got ${options.seed}`);
    }
    this.seed = options.seed;
    this.root = new Rng(options.seed);
    this.rng = this.root.fork('harness');
    const mode = options.trace ?? 'hash';
    this.hasher = mode === 'off' ? undefined : new TraceHasher();
    this.record = mode === 'record';
    this.tracing = false;
    this.freeze = options.freezeMessages ?? true;
    this.network = new Network(this.root.fork('network'), () => this.order);
    if (options.network) this.network.configure('*', '*', options.network);
    this.setTracing(mode !== 'off');
  }

  /**
   * Whether anything reads the trace. The network describes its changes only then: a fault schedule
   * reconfigures links every few hundred virtual ms, and the description (JSON of the link settings)
   * cost more than the change itself when nobody read it.
   */
  private setTracing(on: boolean): void {
    this.tracing = on;
    this.network.onChange = on ? this.networkChanged : undefined;
  }

  private readonly networkChanged = (change: string): void =>
    this.emit({ t: this.time, kind: 'network', change });

  /** True virtual time in ms. For the harness and checkers only: nodes read their own clocks. */
  now(): number {
    return this.time;
  }

  nodeIds(): readonly NodeId[] {
    return this.order;
  }

  /** Adds a node; it starts (its factory runs) with the next `start()`, run or inspection, and on every restart. */
  addNode<M extends Message>(id: NodeId, factory: NodeFactory<M>, options: NodeOptions = {}): void {
    if (this.slots.has(id)) throw new Error(`addNode: node '${id}' already exists`);
    if (id.length === 0 || id === '*' || id.includes('→'))
      throw new Error(`addNode: invalid node id '${id}'`);
    const slot: NodeSlot = {
      id,
      factory: factory as unknown as NodeFactory<Message>,
      clock: new SimClock(options.clock?.offsetMs ?? 0, options.clock?.driftPpm ?? 0),
      disk: new SimDisk(options.disk),
      instance: undefined,
      up: false,
      paused: false,
      incarnation: 0,
      held: [],
      timers: new TimerTable(),
    };
    this.slots.set(id, slot);
    this.order.push(id);
    this.unstarted.push(slot);
  }

  /**
   * Starts every node added but not started yet, in the order added. Runs before the first event and
   * before any inspection, so a node's start code can already address every node added with it.
   */
  start(): void {
    if (this.unstarted.length === 0) return;
    const starting = this.unstarted.splice(0);
    for (const slot of starting) this.startNode(slot);
  }

  /** The node's current instance, to inspect (snapshot) or to call harness entry points on. */
  node<T = SimNode<Message>>(id: NodeId): T {
    this.start();
    const slot = this.slot(id);
    if (!slot.instance) throw new Error(`node '${id}' is down`);
    return slot.instance as unknown as T;
  }

  isUp(id: NodeId): boolean {
    return this.slot(id).up;
  }

  /**
   * A count that moves whenever a node starts, crashes or restarts: while it stands still, every node is
   * up or down as before, with the same instance. A check that runs every few events caches what it
   * found live by it instead of asking for each node again.
   */
  get nodeLives(): number {
    this.start();
    return this.lifeChanges;
  }

  isPaused(id: NodeId): boolean {
    return this.slot(id).paused;
  }

  clock(id: NodeId): ClockControl {
    const slot = this.slot(id);
    const traceClock = () =>
      this.emit({
        t: this.time,
        kind: 'clock',
        node: id,
        offsetMs: slot.clock.offsetAt(this.time),
        driftPpm: slot.clock.driftPpm,
      });
    return {
      now: () => slot.clock.local(this.time),
      offset: () => slot.clock.offsetAt(this.time),
      driftPpm: () => slot.clock.driftPpm,
      setOffset: (ms) => {
        slot.clock.setOffset(this.time, ms);
        traceClock();
      },
      setDriftPpm: (ppm) => {
        slot.clock.setDriftPpm(this.time, ppm);
        traceClock();
      },
      jump: (ms) => {
        slot.clock.jump(this.time, ms);
        traceClock();
      },
    };
  }

  disk(id: NodeId): SimDisk {
    this.start();
    return this.slot(id).disk;
  }

  // ---- time ----

  /** Schedules a harness action at true time `time` (clamped to now). */
  at(time: number, label: string, run: () => void): void {
    this.queue.push(Math.max(time, this.time), { kind: ACTION, label, run });
  }

  after(ms: number, label: string, run: () => void): void {
    this.at(this.time + ms, label, run);
  }

  /** Runs one event. Returns false when nothing is scheduled. */
  step(): boolean {
    this.start();
    if (this.queue.size === 0) return false;
    this.advanceTo(this.queue.peekTime());
    this.dispatch(this.queue.pop());
    return true;
  }

  /** Runs every event up to and including true time `time`, then sets the clock to `time`. */
  runUntil(time: number): void {
    this.start();
    this.runEventsUntil(time);
    if (time > this.time && Number.isFinite(time)) this.time = time;
  }

  /**
   * The event loop of `runUntil`, a method of its own: compiled while its loop runs (on-stack
   * replacement), a loop with code after it had never run that code, so every run ended in a
   * deoptimization there and the next one started in the interpreter.
   */
  private runEventsUntil(time: number): void {
    const queue = this.queue;
    for (;;) {
      const event = queue.popUntil(time);
      if (event === undefined) return;
      this.advanceTo(queue.popped[0] as number);
      this.dispatch(event);
    }
  }

  /** Runs at most `count` events; returns how many ran (fewer when the queue empties). */
  runEvents(count: number): number {
    this.start();
    const queue = this.queue;
    let ran = 0;
    while (ran < count && queue.size > 0) {
      this.advanceTo(queue.peekTime());
      this.dispatch(queue.pop());
      ran++;
    }
    return ran;
  }

  runFor(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Runs until no event is left or `maxMs` of virtual time has passed. Returns true when quiet. */
  runUntilQuiet(maxMs = Infinity): boolean {
    this.start();
    const limit = this.time + maxMs;
    while (this.queue.size > 0 && this.queue.peekTime() <= limit) this.step();
    return this.queue.size === 0;
  }

  /** Runs until `done()` holds (checked after each event) or `maxMs` passes. Returns done(). */
  runUntilCondition(done: () => boolean, maxMs: number): boolean {
    this.start(); // nodes not yet started have scheduled nothing: the queue would look empty
    const limit = this.time + maxMs;
    while (!done()) {
      if (this.queue.size === 0 || this.queue.peekTime() > limit) {
        if (Number.isFinite(limit)) this.time = Math.max(this.time, limit);
        return done();
      }
      this.step();
    }
    return true;
  }

  /**
   * Moves virtual time forward to `time` without running anything; there must be no event before it.
   * (Replaying a recorded command at the exact moment it was applied needs this.)
   */
  idleUntil(time: number): void {
    if (time < this.time) throw new RangeError(`idleUntil(${time}): time is already ${this.time}`);
    if (this.nextEventTime() < time)
      throw new RangeError(`idleUntil(${time}): an event is due at ${this.nextEventTime()}`);
    this.time = time;
  }

  /** True time of the next scheduled event; Infinity when none. */
  nextEventTime(): number {
    this.start();
    return this.queue.peekTime();
  }

  /** Number of scheduled events (including cancelled timers not yet reached). */
  get pending(): number {
    return this.queue.size;
  }

  // ---- faults ----

  /** Stops the node at once: volatile state and unsynced disk writes are lost, timers cancelled. */
  crash(id: NodeId): void {
    this.start();
    const slot = this.slot(id);
    if (!slot.up) return;
    slot.up = false;
    this.lifeChanges++;
    slot.paused = false;
    slot.held = [];
    slot.timers.drain(cancel);
    slot.instance = undefined;
    slot.disk.crash(this.root.fork(`torn:${id}:${slot.incarnation}`));
    this.emit({ t: this.time, kind: 'crash', node: id });
  }

  /** Starts a crashed node again: its factory runs over its durable disk. */
  restart(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.up) return;
    this.emit({ t: this.time, kind: 'restart', node: id });
    this.startNode(slot);
  }

  /** Stop-the-world pause (a GC pause, SIGSTOP): nothing runs on the node until resume. */
  pause(id: NodeId, forMs?: number): void {
    this.start();
    const slot = this.slot(id);
    if (!slot.up || slot.paused) return;
    slot.paused = true;
    this.emit({ t: this.time, kind: 'pause', node: id });
    if (forMs !== undefined) {
      const incarnation = slot.incarnation;
      this.after(forMs, `resume ${id}`, () => {
        if (slot.incarnation === incarnation) this.resume(id);
      });
    }
  }

  /** Resumes a paused node: what arrived meanwhile runs now, in arrival order, with stale beliefs. */
  resume(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.up || !slot.paused) return;
    slot.paused = false;
    this.emit({ t: this.time, kind: 'resume', node: id });
    const held = slot.held;
    slot.held = [];
    for (const event of held) this.queue.push(this.time, event);
  }

  // ---- checking and tracing ----

  /**
   * A safety property checked after every event; returning a string reports a violation under `name`.
   * A check that judges several properties at once (cheaper than one check each) may return the
   * property that broke as `{ name, detail }`.
   */
  addInvariant(name: string, check: () => string | InvariantFinding | undefined): void {
    this.invariants.push({ name, check });
  }

  onTrace(listener: TraceListener): () => void {
    this.listeners = [...this.listeners, listener];
    this.setTracing(true);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.setTracing(this.hasher !== undefined || this.listeners.length > 0);
    };
  }

  /** Stable hash of everything traced so far ('0' when tracing is off). */
  traceHash(): string {
    return this.hasher ? this.hasher.digest() : '0';
  }

  // ---- internals ----

  private slot(id: NodeId): NodeSlot {
    if (this.unstarted.length > 0) this.start();
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`unknown node '${id}'`);
    return slot;
  }

  private startNode(slot: NodeSlot): void {
    slot.incarnation++;
    slot.up = true;
    this.lifeChanges++;
    slot.paused = false;
    slot.instance = slot.factory(this.makeEnv(slot));
  }

  private makeEnv(slot: NodeSlot): Env<Message> {
    return new SimEnv(this.kernel, slot, this.root.fork(`node:${slot.id}:${slot.incarnation}`));
  }

  /** What a node's Env reaches inside the World (see `SimEnv`), made once. */
  private readonly kernel: Kernel = {
    now: () => this.time,
    send: (from, to, msg) => this.send(from, to, msg),
    schedule: (time, timer) => this.queue.push(time, timer),
    nextTimerId: () => this.nextTimerId++,
    trace: (slot, name, data) => {
      if (this.tracing) this.emit({ t: this.time, kind: 'node', node: slot.id, name, data });
    },
  };

  // The send and delivery paths run once per message: they keep the common case short and call out
  // for tracing, drops and duplicates, so V8 can inline the whole path (its budget is in bytecode).
  private send(from: NodeSlot, toId: NodeId, msg: Message): void {
    const to = this.slots.get(toId);
    if (to === undefined) return this.unknownNode(from, toId);
    if (this.freeze) deepFreeze(msg);
    const id = this.nextMessageId++;
    this.stats.sent++;
    if (this.tracing) this.traceSend(from, to, id, msg);
    const network = this.network;
    const delay = network.route(from.id, toId, this.time, msg);
    // One comparison covers drops (< 0) and the 'finite delays' assertion (NaN, Infinity).
    if (!(delay >= 0 && delay < Infinity)) return this.unrouted(from, to, id, delay);
    this.queue.push(this.time + delay, { kind: DELIVER, from, to, msg, id });
    if (network.duplicates(from.id, toId)) this.duplicate(from, to, msg, id);
  }

  private unknownNode(from: NodeSlot, toId: NodeId): never {
    throw new Error(`${from.id} sent to unknown node '${toId}'`);
  }

  private traceSend(from: NodeSlot, to: NodeSlot, id: number, msg: Message): void {
    this.emit({ t: this.time, kind: 'send', from: from.id, to: to.id, id, msg });
  }

  /** A message the network dropped, or a delay that breaks the 'finite delays' invariant. */
  private unrouted(from: NodeSlot, to: NodeSlot, id: number, delay: number): void {
    invariant(delay < 0, 'finite delays', () => `${from.id}→${to.id} routed with delay ${delay}`);
    this.stats.dropped++;
    if (this.tracing) {
      const reason = delay === DROPPED_BY_PARTITION ? 'partition' : 'loss';
      this.emit({ t: this.time, kind: 'drop', from: from.id, to: to.id, id, reason });
    }
  }

  /** The second copy of a duplicated message, with its own latency (never lost again). */
  private duplicate(from: NodeSlot, to: NodeSlot, msg: Message, id: number): void {
    this.stats.duplicated++;
    if (this.tracing) this.emit({ t: this.time, kind: 'duplicate', from: from.id, to: to.id, id });
    const delay = this.network.route(from.id, to.id, this.time, msg, true);
    this.queue.push(this.time + delay, { kind: DELIVER, from, to, msg, id });
  }

  /** Virtual time moves forward only: an event in the past would mean the queue or a delay is broken. */
  private advanceTo(time: number): void {
    if (time < this.time) this.timeWentBack(time);
    this.time = time;
  }

  private timeWentBack(time: number): never {
    throw new InvariantViolation(
      'virtual time never goes back',
      `next event at ${time} < now ${this.time}`,
      this.time,
      this.seed,
      this.stats.events,
    );
  }

  private dispatch(event: WorldEvent): void {
    this.stats.events++;
    if (event.kind === DELIVER) this.deliver(event);
    else if (event.kind === TIMER) this.fire(event);
    else {
      if (this.tracing) this.emit({ t: this.time, kind: 'action', label: event.label });
      event.run();
    }
    if (this.invariants.length > 0) this.checkInvariants();
  }

  private deliver(event: DeliverEvent): void {
    const to = event.to;
    if (!to.up || to.paused || !this.network.fullyConnected) return this.deliverSlow(event);
    this.stats.delivered++;
    if (this.tracing)
      this.emit({ t: this.time, kind: 'deliver', from: event.from.id, to: to.id, id: event.id });
    (to.instance as SimNode<Message>).onMessage(event.from.id, event.msg);
  }

  /** Delivery to a node that is down or paused, or while some link is blocked. */
  private deliverSlow(event: DeliverEvent): void {
    const to = event.to;
    if (!to.up || this.network.isBlocked(event.from.id, to.id)) {
      this.stats.dropped++;
      if (this.tracing) {
        const reason = to.up ? 'partition' : 'down';
        this.emit({ t: this.time, kind: 'drop', from: event.from.id, to: to.id, id: event.id, reason });
      }
      return;
    }
    if (to.paused) {
      // A paused process's receive buffer is finite: past the bound, arrivals are lost, as a
      // full socket buffer loses datagrams.
      if (to.held.length >= HELD_EVENTS_BOUND) {
        this.stats.dropped++;
        if (this.tracing)
          this.emit({
            t: this.time,
            kind: 'drop',
            from: event.from.id,
            to: to.id,
            id: event.id,
            reason: 'overflow',
          });
        return;
      }
      to.held.push(event);
      return;
    }
    this.stats.delivered++;
    if (this.tracing)
      this.emit({ t: this.time, kind: 'deliver', from: event.from.id, to: to.id, id: event.id });
    (to.instance as SimNode<Message>).onMessage(event.from.id, event.msg);
  }

  private fire(event: TimerEvent): void {
    const node = event.node;
    if (event.cancelled || !node.up || node.incarnation !== event.incarnation) return;
    if (node.paused) {
      // Timers are bounded by the node's own live timers, so they are always kept.
      node.held.push(event);
      return;
    }
    node.timers.delete(event.id);
    event.cancelled = true;
    this.stats.timersFired++;
    if (this.tracing) this.emit({ t: this.time, kind: 'timer', node: node.id, timer: event.id });
    event.fire();
  }

  private checkInvariants(): void {
    for (const inv of this.invariants) {
      const problem = inv.check();
      if (problem !== undefined) {
        const named = typeof problem === 'string' ? { name: inv.name, detail: problem } : problem;
        throw new InvariantViolation(named.name, named.detail, this.time, this.seed, this.stats.events);
      }
    }
  }

  private emit(event: TraceEvent): void {
    if (this.hasher) this.hasher.event(event);
    if (this.record) this.events.push(event);
    const listeners = this.listeners; // the ones subscribed when the event happened
    for (let i = 0; i < listeners.length; i++) (listeners[i] as TraceListener)(event);
  }
}

/** What a node's Env needs from its World (kept narrow: the World's own state stays private). */
interface Kernel {
  now(): number;
  send(from: NodeSlot, to: NodeId, msg: Message): void;
  schedule(time: number, timer: TimerEvent): void;
  nextTimerId(): number;
  trace(slot: NodeSlot, name: string, data: TraceData | undefined): void;
}

/**
 * One life of a node's Env. A class rather than an object of closures: every node's calls then go
 * through the same methods, which V8 inlines into the protocol code that calls them.
 */
class SimEnv implements Env<Message> {
  readonly id: NodeId;
  readonly disk: SimDisk;
  private readonly incarnation: number;

  constructor(
    private readonly kernel: Kernel,
    private readonly slot: NodeSlot,
    private readonly rng: Rng,
  ) {
    this.id = slot.id;
    this.disk = slot.disk;
    this.incarnation = slot.incarnation;
  }

  /** A stale Env of a crashed incarnation says nothing and schedules nothing. */
  private alive(): boolean {
    return this.slot.up && this.slot.incarnation === this.incarnation;
  }

  now(): number {
    return this.slot.clock.local(this.kernel.now());
  }

  monotonic(): number {
    return this.slot.clock.monotonic(this.kernel.now());
  }

  random(): number {
    return this.rng.next();
  }

  send(to: NodeId, msg: Message): void {
    if (this.alive()) this.kernel.send(this.slot, to, msg);
  }

  setTimer(ms: number, fire: () => void): TimerId {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`setTimer: ms must be finite and ≥ 0, got ${ms}`);
    const id = this.kernel.nextTimerId();
    if (!this.alive()) return id;
    const slot = this.slot;
    const timer: TimerEvent = {
      kind: TIMER,
      node: slot,
      incarnation: this.incarnation,
      id,
      fire,
      cancelled: false,
    };
    slot.timers.set(id, timer);
    this.kernel.schedule(this.kernel.now() + slot.clock.trueDuration(ms), timer);
    return id;
  }

  clearTimer(id: TimerId): void {
    const timer = this.slot.timers.delete(id);
    if (timer) timer.cancelled = true;
  }

  trace(name: string, data?: TraceData): void {
    if (this.alive()) this.kernel.trace(this.slot, name, data);
  }
}

/** Harness control of one node's clock. */
export interface ClockControl {
  now(): number;
  offset(): number;
  driftPpm(): number;
  setOffset(ms: number): void;
  setDriftPpm(ppm: number): void;
  jump(ms: number): void;
}
