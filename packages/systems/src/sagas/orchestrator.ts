/**
 * The saga orchestrator: it runs each saga's steps in order and, when a step before the pivot fails or
 * times out, runs the compensations of the steps before it in reverse. Its state is a write-ahead log on
 * disk: it appends and syncs "about to run step i" (or "about to undo step j") before it sends that
 * request, so after a crash it resumes every unfinished saga by re-sending the request it was waiting
 * on — safe because every request carries an idempotency key (saga id + operation). A step whose outcome
 * is unknown is retried with the same key; after the pivot a step is retried until it succeeds.
 */
import { invariant, type Env, type NodeId, type SimNode, type TimerId } from '@dslab/sim';
import { mutantActive } from '../kit';
import { pivotIndex, sagaKindOf, sagaSteps, type SagaKind } from './definitions';
import { decodeEntries, encodeEntry } from './ledger';
import type { SagaMessage } from './messages';
import type { SagaMutant } from './mutants';

export const SAGA_LOG = 'sagas.log';

/** Sagas the orchestrator runs at once; a start past this is answered `busy` and retried by the client. */
export const MAX_ACTIVE_SAGAS = 256;

export type SagaPhase = 'forward' | 'backward' | 'committed' | 'compensated';
export type SagaOutcome = 'committed' | 'compensated';

type LogEntry =
  | { readonly s: string; readonly k: 'start' }
  /** About to run forward step `i`. */
  | { readonly s: string; readonly k: 'step'; readonly i: number }
  /** About to undo step `i` (and then every compensatable step before it). */
  | { readonly s: string; readonly k: 'undo'; readonly i: number; readonly why?: string }
  | { readonly s: string; readonly k: 'end'; readonly outcome: SagaOutcome };

export interface SagaState {
  readonly saga: string;
  readonly kind: SagaKind;
  phase: SagaPhase;
  step: number;
  /** Why the saga is being compensated. */
  why: string | undefined;
}

export interface OrchestratorConfig {
  /** A compensatable step that has not answered after this long is given up and compensated. */
  readonly stepTimeoutMs: number;
  readonly retryMs: number;
  /**
   * "On failure run every compensation": undo from the last compensatable step, whichever step failed
   * (the claim's shape; off by default, where only the steps before the failure are undone).
   */
  readonly compensateEverything?: boolean;
  readonly mutant?: SagaMutant;
  /** The harness hears each saga's end (for latency and the lab). */
  readonly onEnd?: (saga: string, outcome: SagaOutcome) => void;
}

interface InFlight {
  readonly op: string;
  readonly service: NodeId;
  readonly key: string | undefined;
  readonly sentAt: number;
  timer: TimerId | undefined;
}

export class Orchestrator implements SimNode<SagaMessage> {
  readonly sagas = new Map<string, SagaState>();
  private readonly inFlight = new Map<string, InFlight>();
  private active = 0;
  /** The mutant's lazy flush: entries appended but not yet synced. */
  private unsynced = false;

  constructor(
    private readonly env: Env<SagaMessage>,
    private readonly config: OrchestratorConfig,
  ) {
    for (const entry of decodeEntries<LogEntry>(env.disk.read(SAGA_LOG))) this.replay(entry);
    for (const state of this.sagas.values()) if (!isDone(state)) this.send(state);
    if (mutantActive(config.mutant, 'persist-after-send')) this.flushLater();
  }

  onMessage(from: NodeId, msg: SagaMessage): void {
    if (msg.type === 'start') this.start(from, msg.saga);
    else if (msg.type === 'done') this.done(from, msg.saga, msg.op, msg.reply.ok, msg.reply.reason);
  }

  snapshot(): unknown {
    return { active: this.active, sagas: this.sagas.size };
  }

  private start(client: NodeId, saga: string): void {
    const known = this.sagas.get(saga);
    if (!known) {
      if (this.active >= MAX_ACTIVE_SAGAS) {
        this.env.send(client, { type: 'busy', saga });
        return;
      }
      const state: SagaState = { saga, kind: sagaKindOf(saga), phase: 'forward', step: 0, why: undefined };
      this.log([
        { s: saga, k: 'start' },
        { s: saga, k: 'step', i: 0 },
      ]);
      this.sagas.set(saga, state);
      this.active++;
      this.send(state);
    }
    this.env.send(client, { type: 'started', saga });
  }

  private done(from: NodeId, saga: string, op: string, ok: boolean, reason: string | undefined): void {
    const state = this.sagas.get(saga);
    const flight = this.inFlight.get(saga);
    // A late or repeated answer to a request the saga has moved past.
    if (!state || !flight || flight.op !== op || flight.service !== from || isDone(state)) return;
    this.stopRetrying(saga);
    const steps = sagaSteps[state.kind];
    if (state.phase === 'backward') {
      this.undoFrom(state, state.step - 1, undefined);
      return;
    }
    if (ok) {
      if (state.step === steps.length - 1) this.finish(state, 'committed');
      else this.advance(state, state.step + 1);
      return;
    }
    // Only compensatable steps and the pivot may be refused; after the pivot a step cannot fail.
    invariant(
      state.step <= pivotIndex(state.kind),
      `${saga}: ${op} after the pivot was refused (${reason}): it must not be able to fail`,
    );
    const first = this.config.compensateEverything ? pivotIndex(state.kind) - 1 : state.step - 1;
    this.undoFrom(state, first, `${steps[state.step]?.name} refused: ${reason}`);
  }

  /** No answer from a step for `stepTimeoutMs`: before the pivot, give up and compensate; from it on, keep trying. */
  private timedOut(state: SagaState): void {
    if (state.phase !== 'forward') return;
    const beforePivot = state.step < pivotIndex(state.kind);
    const afterPivot = state.step > pivotIndex(state.kind);
    if (!beforePivot && !(afterPivot && mutantActive(this.config.mutant, 'compensate-after-pivot'))) return;
    this.stopRetrying(state.saga);
    // The step's outcome is unknown: compensate it too (a no-op, with a tombstone, if it never ran).
    const from = beforePivot ? state.step : pivotIndex(state.kind) - 1;
    this.undoFrom(state, from, `${sagaSteps[state.kind][state.step]?.name} timed out`);
  }

  private advance(state: SagaState, step: number): void {
    this.log([{ s: state.saga, k: 'step', i: step }]);
    state.step = step;
    this.send(state);
  }

  /** Compensates from step `from` down to the first step, skipping steps that have no compensation. */
  private undoFrom(state: SagaState, from: number, why: string | undefined): void {
    let j = from;
    const steps = sagaSteps[state.kind];
    while (j >= 0 && steps[j]?.undo === undefined) j--;
    if (j < 0) {
      this.finish(state, 'compensated');
      return;
    }
    this.log([{ s: state.saga, k: 'undo', i: j, ...(why !== undefined ? { why } : {}) }]);
    state.phase = 'backward';
    state.step = j;
    if (why !== undefined) state.why = why;
    this.send(state);
  }

  private finish(state: SagaState, outcome: SagaOutcome): void {
    this.log([{ s: state.saga, k: 'end', outcome }]);
    state.phase = outcome;
    this.active--;
    this.env.trace('saga-end', { saga: state.saga, outcome });
    this.config.onEnd?.(state.saga, outcome);
  }

  /** Sends the request the saga is waiting on, and retries it with the same key until it is answered. */
  private send(state: SagaState): void {
    const step = sagaSteps[state.kind][state.step];
    invariant(step !== undefined, `${state.saga} has no step ${state.step}`);
    const op = state.phase === 'backward' ? step.undo : step.op;
    invariant(op !== undefined, `${state.saga}: step ${step.name} has no compensation`);
    const unkeyed = op === 'charge' && mutantActive(this.config.mutant, 'charge-without-key');
    const flight: InFlight = {
      op,
      service: step.service,
      key: unkeyed ? undefined : `${state.saga}:${op}`,
      sentAt: this.env.monotonic(),
      timer: undefined,
    };
    this.stopRetrying(state.saga);
    this.inFlight.set(state.saga, flight);
    this.transmit(state, flight);
  }

  private transmit(state: SagaState, flight: InFlight): void {
    this.env.send(flight.service, {
      type: 'do',
      saga: state.saga,
      op: flight.op,
      ...(flight.key !== undefined ? { key: flight.key } : {}),
    });
    flight.timer = this.env.setTimer(this.config.retryMs, () => {
      flight.timer = undefined;
      if (this.env.monotonic() - flight.sentAt >= this.config.stepTimeoutMs) {
        this.timedOut(state);
        if (this.inFlight.get(state.saga) !== flight) return;
      }
      this.transmit(state, flight);
    });
  }

  private stopRetrying(saga: string): void {
    const flight = this.inFlight.get(saga);
    if (flight?.timer !== undefined) this.env.clearTimer(flight.timer);
    this.inFlight.delete(saga);
  }

  /** Write-ahead: durable before the request it announces is sent (the mutant syncs later). */
  private log(entries: readonly LogEntry[]): void {
    for (const entry of entries) this.env.disk.append(SAGA_LOG, encodeEntry(entry));
    if (mutantActive(this.config.mutant, 'persist-after-send')) this.unsynced = true;
    else this.env.disk.sync();
  }

  private flushLater(): void {
    this.env.setTimer(100, () => {
      if (this.unsynced) this.env.disk.sync();
      this.unsynced = false;
      this.flushLater();
    });
  }

  private replay(entry: LogEntry): void {
    if (entry.k === 'start') {
      this.sagas.set(entry.s, {
        saga: entry.s,
        kind: sagaKindOf(entry.s),
        phase: 'forward',
        step: 0,
        why: undefined,
      });
      this.active++;
      return;
    }
    const state = this.sagas.get(entry.s);
    invariant(state !== undefined, `saga log: ${entry.k} of ${entry.s} before its start`);
    if (entry.k === 'step') {
      state.phase = 'forward';
      state.step = entry.i;
    } else if (entry.k === 'undo') {
      state.phase = 'backward';
      state.step = entry.i;
      if (entry.why !== undefined) state.why = entry.why;
    } else {
      state.phase = entry.outcome;
      this.active--;
    }
  }
}

function isDone(state: SagaState): boolean {
  return state.phase === 'committed' || state.phase === 'compensated';
}
