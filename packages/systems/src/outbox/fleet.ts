/**
 * Runs client programs on a pool of session nodes of an engine world: a program can be started at any
 * time on a free session (a consumer's replacement after a crash or a rebalance), and the run ends when
 * no program is left. Each session runs one program at a time, as one connection does.
 */
import { invariant } from '@dslab/sim';
import type { MvccCluster } from '../mvcc/cluster';
import type { Program } from '../mvcc/programs';
import type { StatementResult } from '../mvcc/statements';

const PAUSED: StatementResult = { tag: 'PAUSE' };
/** Programs that may wait for a session at once. */
const MAX_WAITING = 1_000;

export class Fleet {
  private readonly busy = new Set<string>();
  private readonly waiting: { label: string; program: Program }[] = [];
  /** Programs whose start is scheduled for later. */
  private scheduled = 0;
  private started = 0;

  constructor(private readonly cluster: MvccCluster) {}

  get running(): number {
    return this.busy.size;
  }

  /** Programs started, waiting for a session, or scheduled to start. */
  get active(): number {
    return this.busy.size + this.waiting.length + this.scheduled;
  }

  get programsStarted(): number {
    return this.started;
  }

  /**
   * Starts `program` on a free session after `delayMs`. When every session is busy it waits for one (a
   * process waiting for a connection from its pool), in the order asked; the wait is bounded by the
   * number of programs a run starts.
   */
  spawn(label: string, program: Program, delayMs = 0): void {
    if (delayMs > 0) {
      // Take a session only when the program starts: a delayed start must not hold one while it waits.
      this.scheduled++;
      this.cluster.world.after(delayMs, `start ${label}`, () => {
        this.scheduled--;
        this.spawn(label, program);
      });
      return;
    }
    const id = this.cluster.clients.find((c) => !this.busy.has(c));
    if (id === undefined) {
      invariant(
        this.waiting.length < MAX_WAITING,
        'fleet',
        () => `more than ${MAX_WAITING} programs wait for a session`,
      );
      this.waiting.push({ label, program });
      return;
    }
    this.busy.add(id);
    this.started++;
    const { world } = this.cluster;
    const client = this.cluster.client(id);
    const step = (result: StatementResult | undefined) => {
      const next = result === undefined ? program.next() : program.next(result);
      if (next.done) {
        this.busy.delete(id);
        const waiter = this.waiting.shift();
        if (waiter) this.spawn(waiter.label, waiter.program);
        return;
      }
      const action = next.value;
      if (action.kind === 'pause') world.after(action.ms, `${label} pauses`, () => step(PAUSED));
      else client.submit(action, (r) => step(r));
    };
    world.at(world.now(), `start ${label} on ${id}`, () => step(undefined));
  }

  /** Runs the world until no program is left (or `limitMs` passed); false when programs are still running. */
  runToEnd(limitMs: number): boolean {
    return this.cluster.world.runUntilCondition(
      () => this.busy.size === 0 && this.waiting.length === 0 && this.scheduled === 0,
      limitMs,
    );
  }
}
