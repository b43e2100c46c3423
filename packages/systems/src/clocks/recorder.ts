/**
 * The true causal order, as the simulation knows it, and every check of the clocks against it.
 *
 * The recorder reads the trace as it happens: each node's `stamp` events (in process order), the
 * kernel's `send` (which message a send event put on the wire) and `deliver` (which message the next
 * receive event took off it). From these alone — never from the stamps the nodes computed — it keeps,
 * for each event, its causal past: as a count of events per node (a causal past is closed under process
 * order, so the counts describe it exactly), the largest physical time in it, and, when asked, the whole
 * event list for scenarios that compare every pair against explicit reachability.
 */
import type { TraceEvent, World } from '@dslab/sim';
import { compareHlc, type HlcStamp } from './hlc';
import { lwwWins, type LwwWrite } from './lww';
import type { StampEvent } from './node';
import type { ClockEventDetail } from './view-detail';

/** Events the lab's view is given: the latest ones. */
const RECENT_EVENTS = 48;

/** What the recorder remembers of one event. */
interface Truth {
  readonly node: number;
  readonly index: number;
  /** Events of each node (by position in the world's node order) in this event's causal past, itself included. */
  readonly past: readonly number[];
  /** The largest physical time (pt) of any event in the causal past. */
  readonly maxPt: number;
  readonly lamport: number;
  readonly hlc: HlcStamp;
  /** Position in `events` when kept. */
  readonly global: number;
  /** Position among all events of the run. */
  readonly seq: number;
}

/** An event as kept for scenarios. */
export interface RecordedEvent extends StampEvent {
  readonly node: string;
  /** True virtual time. */
  readonly t: number;
  /** The causal past per node, from the recorder (not from the node). */
  readonly past: readonly number[];
  /** Global positions of the immediate predecessors: the previous event on the node and the send it received. */
  readonly previous: number | undefined;
  readonly sentBy: number | undefined;
}

export type ClockCheck =
  'lamport' | 'vector' | 'hlcOrder' | 'hlcMax' | 'hlcCounter' | 'trueTimeInterval' | 'externalConsistency';

export class CausalRecorder {
  private readonly nodes: readonly string[];
  private readonly position = new Map<string, number>();
  private readonly last = new Map<number, Truth>();
  private readonly byMessage = new Map<number, Truth>();
  private readonly delivered = new Map<number, Truth>();
  /** Each node's HLC l per event, in process order (non-decreasing when the HLC is correct). */
  private readonly lByNode: number[][];
  private largestCommitted = -Infinity;
  private largestCommittedBy = '';
  /** The first violation of each check. */
  readonly problems: Partial<Record<ClockCheck, string>> = {};
  /** How many events violated each check (scenarios that run a broken variant count them). */
  readonly violations: Record<ClockCheck, number> = {
    lamport: 0,
    vector: 0,
    hlcOrder: 0,
    hlcMax: 0,
    hlcCounter: 0,
    trueTimeInterval: 0,
    externalConsistency: 0,
  };
  readonly events: RecordedEvent[] = [];
  private readonly latest: ClockEventDetail[] = [];
  /** Per key, the write every replica must end with: the largest (timestamp, writer) of all writes made. */
  readonly winners = new Map<string, LwwWrite>();
  // Measured figures.
  eventCount = 0;
  /** Largest and smallest (pt − true time) over all events: their difference is the ε the clocks kept. */
  maxOffset = -Infinity;
  minOffset = Infinity;
  maxLMinusPt = 0;
  maxCounter = 0;
  commitsStarted = 0;
  commitsDone = 0;
  waitSumMs = 0;
  /** Sum of 2ε at commit start, for the mean against the mean wait. */
  twoEpsilonSumMs = 0;

  constructor(
    world: World,
    private readonly keep = false,
  ) {
    this.nodes = world.nodeIds();
    this.nodes.forEach((id, i) => this.position.set(id, i));
    this.lByNode = this.nodes.map(() => []);
    world.onTrace((event) => this.observe(event));
  }

  /** The latest events with their stamps, oldest first (what the lab's view draws). */
  recent(): ClockEventDetail[] {
    return [...this.latest];
  }

  get epsilonMs(): number {
    return this.maxOffset - this.minOffset;
  }

  private observe(event: TraceEvent): void {
    switch (event.kind) {
      case 'send': {
        const sender = this.last.get(this.position.get(event.from) as number);
        if (sender) this.byMessage.set(event.id, sender);
        return;
      }
      case 'deliver': {
        const sender = this.byMessage.get(event.id);
        if (sender) this.delivered.set(this.position.get(event.to) as number, sender);
        return;
      }
      case 'node':
        if (event.name === 'stamp') this.stamp(event.node, event.t, event.data as unknown as StampEvent);
        return;
      default:
        return;
    }
  }

  private fail(check: ClockCheck, problem: string): void {
    this.problems[check] ??= problem;
    this.violations[check]++;
  }

  private stamp(nodeId: string, t: number, e: StampEvent): void {
    const node = this.position.get(nodeId) as number;
    const previous = this.last.get(node);
    let sender: Truth | undefined;
    if (e.kind === 'receive') {
      sender = this.delivered.get(node);
      this.delivered.delete(node);
      if (!sender)
        this.fail('vector', `${nodeId} event ${e.index} is a receive with no message delivered to it`);
    }
    const name = `${nodeId}#${e.index}`;
    if (e.index !== (previous?.index ?? 0) + 1)
      this.fail(
        'vector',
        `${name} follows ${nodeId}#${previous?.index ?? 0}: events must be numbered in process order`,
      );
    const predecessors = [previous, sender].filter((p): p is Truth => p !== undefined);
    const past = this.nodes.map((_, j) => Math.max(0, ...predecessors.map((p) => p.past[j] as number)));
    past[node] = e.index;
    const maxPt = Math.max(e.pt, ...predecessors.map((p) => p.maxPt));
    const describe = (p: Truth) => `${this.nodes[p.node]}#${p.index}`;

    // Lamport: strictly larger than every immediate predecessor (and so, by induction, than its whole past).
    const lamportBehind = predecessors.find((p) => !(e.lamport > p.lamport));
    if (lamportBehind)
      this.fail(
        'lamport',
        `${describe(lamportBehind)} happened before ${name} but L = ${lamportBehind.lamport} ≥ ${e.lamport}`,
      );

    // Vector clocks: exactly the causal past.
    for (let j = 0; j < this.nodes.length; j++) {
      const stamped = e.vector[this.nodes[j] as string] ?? 0;
      if (stamped !== past[j]) {
        this.fail(
          'vector',
          `${name} has ${this.nodes[j]}:${stamped} in its vector but ${past[j]} events of ${this.nodes[j]} happened before it`,
        );
        break;
      }
    }

    // HLC: ordered by happened-before; l is the largest physical time in the past; c bounded by Theorem 3.
    const hlcBehind = predecessors.find((p) => !(compareHlc(e.hlc, p.hlc) > 0));
    if (hlcBehind)
      this.fail(
        'hlcOrder',
        `${describe(hlcBehind)} happened before ${name} but its HLC (${hlcBehind.hlc.l}, ${hlcBehind.hlc.c}) ≥ (${e.hlc.l}, ${e.hlc.c})`,
      );
    if (e.hlc.l !== maxPt)
      this.fail(
        'hlcMax',
        `${name} has l = ${e.hlc.l} but the largest physical time in its causal past is ${maxPt} (its own pt ${e.pt})`,
      );
    if (e.hlc.c > 0) {
      let sameL = 0;
      for (let j = 0; j < this.nodes.length; j++) {
        sameL += countEqual(
          this.lByNode[j] as number[],
          j === node ? e.index - 1 : (past[j] as number),
          e.hlc.l,
        );
      }
      if (e.hlc.c > sameL)
        this.fail(
          'hlcCounter',
          `${name} has c = ${e.hlc.c} but only ${sameL} events before it share l = ${e.hlc.l}`,
        );
    }
    (this.lByNode[node] as number[]).push(e.hlc.l);

    // Figures: how far each clock was from true time, how far l ran ahead of pt, the largest counter.
    this.eventCount++;
    this.maxOffset = Math.max(this.maxOffset, e.pt - t);
    this.minOffset = Math.min(this.minOffset, e.pt - t);
    this.maxLMinusPt = Math.max(this.maxLMinusPt, e.hlc.l - e.pt);
    this.maxCounter = Math.max(this.maxCounter, e.hlc.c);

    if (e.action === 'write' && e.write) {
      const current = this.winners.get(e.write.key);
      if (!current || lwwWins(e.write, current)) this.winners.set(e.write.key, e.write);
    }

    // TrueTime: every interval read contains true time; a commit that starts after another finished gets a larger s.
    if (e.interval && !(e.interval.earliest <= t && t <= e.interval.latest))
      this.fail(
        'trueTimeInterval',
        `${name} read TrueTime [${e.interval.earliest.toFixed(3)}, ${e.interval.latest.toFixed(3)}] at true time ${t.toFixed(3)}`,
      );
    if (e.action === 'commit-begin' && e.s !== undefined && e.interval) {
      this.commitsStarted++;
      this.twoEpsilonSumMs += e.interval.latest - e.interval.earliest;
      if (!(e.s > this.largestCommitted))
        this.fail(
          'externalConsistency',
          `commit ${e.commit} started at ${t.toFixed(3)} ms with s = ${e.s.toFixed(3)}, not above s = ${this.largestCommitted.toFixed(3)} of ${this.largestCommittedBy}, which had already committed`,
        );
    }
    if (e.action === 'commit' && e.s !== undefined) {
      this.commitsDone++;
      this.waitSumMs += e.waitedMs ?? 0;
      if (e.s > this.largestCommitted) {
        this.largestCommitted = e.s;
        this.largestCommittedBy = e.commit ?? '';
      }
    }

    const truth: Truth = {
      node,
      index: e.index,
      past,
      maxPt,
      lamport: e.lamport,
      hlc: e.hlc,
      global: this.events.length,
      seq: this.eventCount - 1,
    };
    this.latest.push({
      seq: truth.seq,
      node: nodeId,
      t,
      kind: e.kind,
      index: e.index,
      lamport: e.lamport,
      vector: e.vector,
      hlc: e.hlc,
      pt: e.pt,
      ...(e.peer !== undefined ? { peer: e.peer } : {}),
      ...(e.message !== undefined ? { message: e.message } : {}),
      ...(e.action !== undefined ? { action: e.action } : {}),
      ...(sender ? { sentBy: sender.seq } : {}),
    });
    if (this.latest.length > RECENT_EVENTS) this.latest.shift();
    if (this.keep)
      this.events.push({
        ...e,
        node: nodeId,
        t,
        past,
        previous: previous?.global,
        sentBy: sender?.global,
      });
    this.last.set(node, truth);
  }
}

/** How many of the first `limit` entries of a non-decreasing list equal `value` (two binary searches). */
function countEqual(sorted: readonly number[], limit: number, value: number): number {
  const bound = (strict: boolean) => {
    let lo = 0;
    let hi = Math.min(limit, sorted.length);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const x = sorted[mid] as number;
      if (x < value || (strict && x === value)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return bound(true) - bound(false);
}
