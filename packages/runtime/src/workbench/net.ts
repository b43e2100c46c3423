/**
 * The network between the workbench's parties, in real time but decided by dslab's network model: for
 * every message the simulator's `Network` (seeded) says drop or deliver after how long, so latency
 * distributions, loss, partitions and one-way blocks are the kernel's own. Clients and services are
 * exempt from partitions (they stand where Jepsen's control node stands), as in Maelstrom.
 */
import { Network, Rng, type LatencyModel } from '@dslab/sim';
import type { MaelstromMessage } from './protocol';

/** Messages held for a paused node; past this the oldest are dropped, as a full socket buffer would. */
export const HELD_PER_NODE = 10_000;
/** Messages kept for the results file's timeline (the counts cover every message). */
export const TIMELINE_KEPT = 20_000;

export type PartyKind = 'node' | 'client' | 'service';

export interface TimelineEntry {
  /** Send and delivery times, ms since the run started; `to` undefined when dropped. */
  readonly sent: number;
  readonly delivered?: number;
  readonly src: string;
  readonly dest: string;
  readonly type: string;
  readonly dropped?: DropReason;
}

export type DropReason = 'partition' | 'loss' | 'down' | 'overflow';

export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
  /** Node-to-node messages (what Maelstrom's "server messages per operation" counts). */
  betweenNodes: number;
  /** Node ↔ service messages. */
  withServices: number;
}

export interface Party {
  readonly kind: PartyKind;
  /** Delivers the message; false when the party cannot take it now (a node that is down). */
  deliver(message: MaelstromMessage): boolean;
  /** A paused node takes nothing until resumed: its messages wait in its held queue. */
  readonly paused?: () => boolean;
}

export class WorkbenchNet {
  readonly network: Network;
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0, betweenNodes: 0, withServices: 0 };
  readonly timeline: TimelineEntry[] = [];
  private readonly parties = new Map<string, Party>();
  private readonly held = new Map<string, MaelstromMessage[]>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly immediates = new Set<ReturnType<typeof setImmediate>>();
  private readonly started = performance.now();
  private closed = false;
  /** Unknown destinations, reported once each. */
  private readonly unknown = new Set<string>();

  constructor(
    seed: number,
    latency: LatencyModel,
    private readonly onProblem: (problem: string) => void,
    /**
     * Every delivery, in order, and every message dropped on the way (for a replay log: a node did
     * print a dropped message, so a replay must see it printed too); optional.
     */
    private readonly onDelivery?: (at: number, message: MaelstromMessage, dropped?: DropReason) => void,
  ) {
    this.network = new Network(new Rng(seed).fork('workbench-net'), () => [...this.parties.keys()]);
    this.network.configure('*', '*', { latency });
  }

  /** Milliseconds since the run started. */
  now(): number {
    return performance.now() - this.started;
  }

  add(id: string, party: Party): void {
    if (this.parties.has(id)) throw new Error(`two parties named ${id}`);
    this.parties.set(id, party);
  }

  /** Called once every party is added: clients and services are never cut off. */
  exemptNonNodes(): void {
    this.network.exemptFromPartitions(
      [...this.parties].filter(([, party]) => party.kind !== 'node').map(([id]) => id),
    );
  }

  kindOf(id: string): PartyKind | undefined {
    return this.parties.get(id)?.kind;
  }

  send(message: MaelstromMessage): void {
    if (this.closed) return;
    const from = this.parties.get(message.src);
    const to = this.parties.get(message.dest);
    if (!to || !from) {
      const who = !from ? message.src : message.dest;
      if (!this.unknown.has(who)) {
        this.unknown.add(who);
        this.onProblem(
          `a message to or from unknown party ${JSON.stringify(who)} (type ${message.body.type})`,
        );
      }
      return;
    }
    this.stats.sent++;
    if (from.kind === 'node' && to.kind === 'node') this.stats.betweenNodes++;
    else if (from.kind === 'service' || to.kind === 'service') this.stats.withServices++;
    const sent = this.now();
    const delay = this.network.route(message.src, message.dest, sent, message);
    if (delay < 0) {
      this.stats.dropped++;
      this.onDelivery?.(sent, message, delay === -1 ? 'partition' : 'loss');
      this.note({
        sent,
        src: message.src,
        dest: message.dest,
        type: message.body.type,
        dropped: delay === -1 ? 'partition' : 'loss',
      });
      return;
    }
    // No latency: an immediate (in send order), since a timer waits at least 1 ms whatever it is asked.
    if (delay <= 0) {
      const immediate = setImmediate(() => {
        this.immediates.delete(immediate);
        this.arrive(message, sent, to);
      });
      this.immediates.add(immediate);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.arrive(message, sent, to);
    }, delay);
    this.timers.add(timer);
  }

  private arrive(message: MaelstromMessage, sent: number, to: Party): void {
    if (this.closed) return;
    // A partition that started while the message was in flight cuts it too (as the kernel's does).
    if (this.network.isBlocked(message.src, message.dest)) {
      this.stats.dropped++;
      this.onDelivery?.(this.now(), message, 'partition');
      this.note({
        sent,
        src: message.src,
        dest: message.dest,
        type: message.body.type,
        dropped: 'partition',
      });
      return;
    }
    if (to.paused?.()) {
      let queue = this.held.get(message.dest);
      if (!queue) this.held.set(message.dest, (queue = []));
      queue.push(message);
      if (queue.length > HELD_PER_NODE) {
        const lost = queue.shift() as MaelstromMessage;
        this.stats.dropped++;
        this.onDelivery?.(this.now(), lost, 'overflow');
        this.note({ sent, src: lost.src, dest: lost.dest, type: lost.body.type, dropped: 'overflow' });
      }
      return;
    }
    this.handOver(message, sent, to);
  }

  private handOver(message: MaelstromMessage, sent: number, to: Party): void {
    if (!to.deliver(message)) {
      this.stats.dropped++;
      this.onDelivery?.(this.now(), message, 'down');
      this.note({ sent, src: message.src, dest: message.dest, type: message.body.type, dropped: 'down' });
      return;
    }
    this.stats.delivered++;
    const delivered = this.now();
    this.onDelivery?.(delivered, message);
    this.note({ sent, delivered, src: message.src, dest: message.dest, type: message.body.type });
  }

  /** A resumed node gets what arrived while it was paused, in arrival order. */
  release(id: string): void {
    const queue = this.held.get(id);
    const party = this.parties.get(id);
    this.held.delete(id);
    if (!queue || !party) return;
    for (const message of queue) this.handOver(message, this.now(), party);
  }

  /** What a killed node had waiting is gone with it. */
  discardHeld(id: string): void {
    const queue = this.held.get(id);
    if (queue) this.stats.dropped += queue.length;
    for (const message of queue ?? []) this.onDelivery?.(this.now(), message, 'down');
    this.held.delete(id);
  }

  private note(entry: TimelineEntry): void {
    if (this.timeline.length < TIMELINE_KEPT) this.timeline.push(entry);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
  }
}
