/**
 * An interactive run the lab drives: a system's LiveRun plus the user's commands (faults), each
 * recorded at the event count where it was applied. Replaying seed + commands re-executes the exact
 * same run, which is how the time bar scrubs backwards and how a link reproduces a run.
 */
import { applyFault, catchViolation, type Fault, type TraceEvent } from '@dslab/sim';
import type { LiveCheck, LiveRun, LiveView, SystemDefinition } from '@dslab/systems';

/** A fault the user applied, and when: after exactly `afterEvents` kernel events, at virtual time `at`. */
export interface Command {
  readonly afterEvents: number;
  readonly at: number;
  readonly fault: Fault;
}

export interface SessionState {
  readonly time: number;
  readonly events: number;
  readonly traceHash: string;
  readonly view: LiveView;
  readonly violation: string | undefined;
  /** True when nothing more is scheduled. */
  readonly quiet: boolean;
}

/** Past this many kept trace events the oldest are dropped (the timeline says so). */
export const MAX_KEPT_EVENTS = 400_000;

export class LiveSession {
  private run!: LiveRun;
  /** Every command, including a future the user scrubbed back from; `applied` of them are in effect. */
  private commands: Command[];
  private applied = 0;
  /** Trace events kept for the timeline, oldest first; `droppedEvents` were discarded before them. */
  trace: TraceEvent[] = [];
  /** Every send by message id, so an arrow can be drawn from a send before the visible window. */
  sends = new Map<number, Extract<TraceEvent, { kind: 'send' }>>();
  droppedEvents = 0;
  private violation: string | undefined;
  /** Bumped on every rebuild so the page knows to reset its copy of the trace. */
  generation = 0;

  constructor(
    private readonly system: SystemDefinition<unknown>,
    private readonly params: unknown,
    readonly seed: number,
    commands: readonly Command[] = [],
  ) {
    if (!system.live) throw new Error(`${system.id} has no live view yet`);
    for (let i = 1; i < commands.length; i++) {
      const [before, after] = [commands[i - 1] as Command, commands[i] as Command];
      if (after.afterEvents < before.afterEvents || after.at < before.at) {
        throw new Error('fault script: commands must be in event order');
      }
    }
    this.commands = [...commands];
    this.rebuild();
    this.runUntilTime(0);
  }

  /** The commands in effect so far (what a link must carry to reproduce this moment and its past). */
  get commandLog(): readonly Command[] {
    return this.commands;
  }

  private rebuild(): void {
    this.run = (this.system.live as NonNullable<SystemDefinition<unknown>['live']>)(this.params, this.seed);
    this.applied = 0;
    this.trace = [];
    this.sends = new Map();
    this.droppedEvents = 0;
    this.violation = undefined;
    this.generation++;
    this.run.world.onTrace((event) => {
      this.trace.push(event);
      if (event.kind === 'send') this.sends.set(event.id, event);
      if (this.trace.length > MAX_KEPT_EVENTS * 1.25) {
        const drop = this.trace.length - MAX_KEPT_EVENTS;
        this.trace.splice(0, drop);
        this.droppedEvents += drop;
      }
    });
  }

  private guard(action: () => void): void {
    if (this.violation) return;
    this.violation = catchViolation(action)?.message;
  }

  /** Applies every command due at the current event count. */
  private applyDue(): void {
    const world = this.run.world;
    for (;;) {
      const next = this.commands[this.applied];
      if (!next || next.afterEvents !== world.stats.events || this.violation) return;
      this.applied++;
      this.guard(() => {
        if (next.at > world.now()) world.idleUntil(next.at);
        applyFault(world, next.fault);
      });
    }
  }

  /** Runs to virtual time `target`, applying recorded commands exactly where they were recorded. */
  private runUntilTime(target: number): void {
    const world = this.run.world;
    while (!this.violation) {
      const next = this.commands[this.applied];
      if (!next || next.at > target) {
        // Every event up to `target` precedes the next command, so plain running is exact.
        this.guard(() => world.runUntil(target));
        return;
      }
      if (world.stats.events < next.afterEvents) this.guard(() => world.runEvents(1));
      else if (next.at === target) {
        // Seeking exactly to a command's moment lands just before it; the next advance applies it.
        this.guard(() => world.idleUntil(target));
        return;
      } else this.applyDue();
    }
  }

  /** Applies a fault now. Commands recorded after this point (a scrubbed-back future) are dropped. */
  apply(fault: Fault): void {
    const world = this.run.world;
    this.commands = this.commands.slice(0, this.applied);
    this.commands.push({ afterEvents: world.stats.events, at: world.now(), fault });
    this.applyDue();
  }

  /** Runs `ms` of virtual time (stops early at a violation). */
  advance(ms: number): void {
    this.runUntilTime(this.run.world.now() + ms);
  }

  /** Runs exactly one event. */
  step(): void {
    this.guard(() => this.run.world.runEvents(1));
    this.applyDue();
  }

  /** Moves to virtual time `time`: forward by running, backward by re-executing from the seed. */
  seek(time: number): void {
    if (time < this.run.world.now()) this.rebuild();
    this.runUntilTime(time);
  }

  state(): SessionState {
    const world = this.run.world;
    return {
      time: world.now(),
      events: world.stats.events,
      traceHash: world.traceHash(),
      view: this.run.view(),
      violation: this.violation,
      quiet: world.pending === 0,
    };
  }

  /** The system's on-demand checks over the run so far (empty when it has none). */
  check(): LiveCheck {
    return this.run.check ? this.run.check() : { verdicts: {}, highlights: [] };
  }

  /** Whether the system offers on-demand checks. */
  get checkable(): boolean {
    return this.run.check !== undefined;
  }

  nodeIds(): readonly string[] {
    return this.run.world.nodeIds();
  }
}
