/**
 * Which consistency models a register history satisfies, strongest first (Viotti & Vukolić 2016 give
 * the hierarchy): linearizable ⇒ sequential ⇒ causal ⇒ PRAM ⇒ read-your-writes, monotonic reads and
 * monotonic writes (and causal ⇒ writes-follow-reads); eventual convergence stands apart. Each model
 * that fails comes with a counterexample: the operation no linearization could place, the operations
 * no single order could place, the causal bad pattern, the session whose view of the writes has no
 * order, or the pair of operations that breaks a session guarantee.
 *
 * When a stronger model holds, the weaker ones are reported as implied rather than checked again.
 * Session guarantees need each key's version order; give `versionOf` (a commit LSN, a counter).
 * Without it, a key's writes are taken in real-time order when none of them overlap, and the guarantees
 * (where no stronger model implies them) are unknown when some do.
 */
import type { History } from '../history';
import { checkLinearizable } from '../linearizable';
import { kvModel } from '../model';
import { checkCausal } from './causal';
import {
  describeRegisterOp,
  registerHistory,
  type RegisterHistory,
  type RegisterOp,
} from './register-history';
import { DEFAULT_MAX_STATES, findSerialization } from './serialization';
import { checkSessionGuarantees, type SessionGuarantee } from './session';

export const CONSISTENCY_LADDER = [
  'linearizable',
  'sequential',
  'causal',
  'PRAM',
  'read-your-writes',
  'monotonic-reads',
  'monotonic-writes',
  'writes-follow-reads',
  'eventual',
] as const;
export type LadderModel = (typeof CONSISTENCY_LADDER)[number];

export interface ModelVerdict {
  readonly model: LadderModel;
  readonly holds: boolean | 'unknown';
  /** Set when the model was not checked because a stronger one holds. */
  readonly impliedBy?: LadderModel;
  readonly counterexample?: string;
  /** History op ids of the counterexample. */
  readonly operations?: readonly number[];
  /** Why the verdict is unknown, when it is. */
  readonly note?: string;
}

export interface Classification {
  /** The strongest of linearizable, sequential, causal and PRAM that holds; else the session guarantees that hold; else eventual or none. */
  readonly strongest: string;
  readonly verdicts: readonly ModelVerdict[];
}

export interface ClassifyOptions {
  /** Search budget of the linearizability and serialization searches (per search). */
  readonly maxStates?: number;
  readonly versionOf?: (key: string, value: unknown) => number | undefined;
  /** Eventual: reads that start this long after a key's last write must all return the same value. */
  readonly settleMs?: number;
}

export function classifyHistory(history: History, options: ClassifyOptions = {}): Classification {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const registers = registerHistory(history);
  const show = (i: number) => describeRegisterOp(registers.ops[i] as RegisterOp);
  const verdicts = new Map<LadderModel, ModelVerdict>();
  const implied = (model: LadderModel, by: LadderModel) =>
    verdicts.set(model, { model, holds: true, impliedBy: by });
  const holds = (model: LadderModel) => verdicts.get(model)?.holds === true;

  // Linearizable: the existing checker, one key at a time (linearizability is compositional).
  const lin = checkLinearizable(history, kvModel(null), { maxStates });
  if (lin.verdict === 'linearizable') verdicts.set('linearizable', { model: 'linearizable', holds: true });
  else if (lin.verdict === 'unknown')
    verdicts.set('linearizable', { model: 'linearizable', holds: 'unknown' });
  else {
    const part = lin.parts.find((p) => p.verdict === 'not-linearizable');
    const stuck = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
    verdicts.set('linearizable', {
      model: 'linearizable',
      holds: false,
      ...(stuck
        ? {
            counterexample: `no linearization places ${stuck.process} ${stuck.f} ${JSON.stringify(stuck.input)} → ${JSON.stringify(stuck.output)} (op ${stuck.id}): it returned before any order could put it`,
            operations: [stuck.id],
          }
        : {}),
    });
  }

  // Sequential: one order of every session's operations, program order kept, real time ignored.
  if (holds('linearizable')) implied('sequential', 'linearizable');
  else {
    const result = findSerialization(registers, [...registers.sessions.values()], maxStates);
    verdicts.set('sequential', {
      model: 'sequential',
      holds: result.verdict === 'yes' ? true : result.verdict === 'unknown' ? 'unknown' : false,
      ...(result.verdict === 'no'
        ? {
            counterexample: `after ${result.longest.length} operations no order can place any session's next one: ${result.stuck.map(show).join('; ')}`,
            operations: result.stuck.map((i) => (registers.ops[i] as RegisterOp).id),
          }
        : {}),
    });
  }

  if (holds('sequential')) implied('causal', 'sequential');
  else {
    const result = checkCausal(registers);
    verdicts.set('causal', {
      model: 'causal',
      holds: result.holds,
      ...(result.holds
        ? {}
        : { counterexample: `${result.pattern}: ${result.detail}`, operations: result.operations ?? [] }),
    });
  }

  if (holds('causal')) implied('PRAM', 'causal');
  else verdicts.set('PRAM', pram(registers, maxStates, show));

  const guarantees: readonly SessionGuarantee[] = [
    'read-your-writes',
    'monotonic-reads',
    'monotonic-writes',
    'writes-follow-reads',
  ];
  const needed = guarantees.filter((g) => !(g === 'writes-follow-reads' ? holds('causal') : holds('PRAM')));
  for (const g of guarantees)
    if (!needed.includes(g)) implied(g, g === 'writes-follow-reads' ? 'causal' : 'PRAM');
  if (needed.length > 0) {
    const versionOf = options.versionOf ?? realTimeOrder(registers);
    if (versionOf === undefined)
      for (const g of needed)
        verdicts.set(g, {
          model: g,
          holds: 'unknown',
          note: 'writes of one key overlap in time, so their order is not known: give versionOf',
        });
    else {
      const session = checkSessionGuarantees(history, { versionOf });
      for (const g of needed) {
        const first = session.violations.find((v) => v.guarantee === g);
        verdicts.set(g, {
          model: g,
          holds: session.counts[g] === 0,
          ...(first ? { counterexample: first.detail, operations: [first.earlier, first.later] } : {}),
        });
      }
    }
  }

  verdicts.set('eventual', eventual(registers, options.settleMs ?? 0, show));
  const ordered = CONSISTENCY_LADDER.map((m) => verdicts.get(m) as ModelVerdict);
  return { strongest: strongestOf(ordered), verdicts: ordered };
}

function strongestOf(verdicts: readonly ModelVerdict[]): string {
  for (const v of verdicts.slice(0, 4)) if (v.holds === true) return v.model;
  const sessions = verdicts.slice(4, 8).filter((v) => v.holds === true);
  if (sessions.length > 0) return sessions.map((v) => v.model).join(' + ');
  return verdicts[8]?.holds === true ? 'eventual' : 'none';
}

/** PRAM: for each session, one order of its own operations and every other session's writes. */
function pram(registers: RegisterHistory, maxStates: number, show: (i: number) => string): ModelVerdict {
  let unknown = false;
  for (const [process, own] of registers.sessions) {
    const views: (readonly number[])[] = [own];
    for (const [other, list] of registers.sessions)
      if (other !== process)
        views.push(list.filter((i) => (registers.ops[i] as RegisterOp).kind === 'write'));
    const result = findSerialization(registers, views, maxStates);
    if (result.verdict === 'unknown') unknown = true;
    if (result.verdict === 'no')
      return {
        model: 'PRAM',
        holds: false,
        counterexample: `${process} cannot see the writes of every session in their order: after ${result.longest.length} operations none of ${result.stuck.map(show).join('; ')} can come next`,
        operations: result.stuck.map((i) => (registers.ops[i] as RegisterOp).id),
      };
  }
  return { model: 'PRAM', holds: unknown ? 'unknown' : true };
}

/**
 * Each key's writes in real-time order, when that order is total (no two writes of a key overlap, none
 * of unknown outcome): any store that respects real time for writes orders them so. Undefined otherwise.
 */
function realTimeOrder(
  registers: RegisterHistory,
): ((key: string, value: unknown) => number | undefined) | undefined {
  const version = new Map<string, number>();
  for (const [key, writes] of registers.writesOf) {
    const sorted = [...writes].sort(
      (a, b) => (registers.ops[a] as RegisterOp).call - (registers.ops[b] as RegisterOp).call,
    );
    for (let i = 0; i < sorted.length; i++) {
      const op = registers.ops[sorted[i] as number] as RegisterOp;
      const next = sorted[i + 1];
      if (
        !Number.isFinite(op.ret) ||
        (next !== undefined && (registers.ops[next] as RegisterOp).call < op.ret)
      )
        return undefined;
      version.set(`${key}\u0000${JSON.stringify(op.value)}`, i + 1);
    }
  }
  return (key, value) => version.get(`${key}\u0000${JSON.stringify(value)}`);
}

/** Eventual convergence: reads that begin after a key's last write settled all return one value. */
function eventual(registers: RegisterHistory, settleMs: number, show: (i: number) => string): ModelVerdict {
  let judged = 0;
  for (const [key, writes] of registers.writesOf) {
    let last = -Infinity;
    for (const w of writes) last = Math.max(last, (registers.ops[w] as RegisterOp).ret);
    if (!Number.isFinite(last)) continue; // a write of unknown outcome may land at any time
    let first: number | undefined;
    for (let i = 0; i < registers.ops.length; i++) {
      const op = registers.ops[i] as RegisterOp;
      if (op.kind !== 'read' || op.key !== key || op.call < last + settleMs) continue;
      judged++;
      if (first === undefined) first = i;
      else if (JSON.stringify(op.value) !== JSON.stringify((registers.ops[first] as RegisterOp).value))
        return {
          model: 'eventual',
          holds: false,
          counterexample: `after the last write of ${key}, ${show(first)} and ${show(i)} disagree`,
          operations: [(registers.ops[first] as RegisterOp).id, op.id],
        };
    }
  }
  return judged > 0 ? { model: 'eventual', holds: true } : { model: 'eventual', holds: 'unknown' };
}
