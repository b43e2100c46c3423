/**
 * Which consistency models a register history satisfies, strongest first (Viotti & Vukolić 2016 give
 * the hierarchy): linearizable ⇒ sequential ⇒ causal ⇒ PRAM ⇒ read-your-writes, monotonic reads and
 * monotonic writes (and causal ⇒ writes-follow-reads); sequential ⇒ consistent prefix, which is
 * independent of causal, PRAM and the session guarantees; eventual convergence stands apart. Each model
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
import { checkConsistentPrefix } from './consistent-prefix';
import { describeRead, registerHistory, type RegisterHistory, type RegisterOp } from './register-history';
import { DEFAULT_MAX_STATES, findSerialization } from './serialization';
import { checkSessionGuarantees, type SessionGuarantee } from './session';

export const CONSISTENCY_LADDER = [
  'linearizable',
  'sequential',
  'causal',
  'PRAM',
  'consistent-prefix',
  'read-your-writes',
  'monotonic-reads',
  'monotonic-writes',
  'writes-follow-reads',
  'eventual',
] as const;
export type LadderModel = (typeof CONSISTENCY_LADDER)[number];

/** What each model implies directly (for histories of registers that return one value per key). */
export const LADDER_IMPLIES: Readonly<Record<LadderModel, readonly LadderModel[]>> = {
  linearizable: ['sequential'],
  sequential: ['causal', 'consistent-prefix'],
  causal: ['PRAM', 'writes-follow-reads'],
  PRAM: ['read-your-writes', 'monotonic-reads', 'monotonic-writes'],
  'consistent-prefix': [],
  'read-your-writes': [],
  'monotonic-reads': [],
  'monotonic-writes': [],
  'writes-follow-reads': [],
  eventual: [],
};

export interface ModelVerdict {
  readonly model: LadderModel;
  readonly holds: boolean | 'unknown';
  /** Set when the model was not checked because a stronger one holds. */
  readonly impliedBy?: LadderModel;
  readonly counterexample?: string;
  /** History op ids of the counterexample. */
  readonly operations?: readonly number[];
  /** Why the verdict is unknown, when it is; or why it holds trivially. */
  readonly note?: string;
  /**
   * Holds only because the history cannot test it (consistent prefix with no snapshot read of several
   * keys): left out of `strongest` and `maximal`.
   */
  readonly vacuous?: true;
}

export interface Classification {
  /**
   * The strongest of linearizable, sequential, causal and PRAM that holds; else consistent prefix and
   * the session guarantees that hold, joined by ' + '; else eventual or none.
   */
  readonly strongest: string;
  readonly verdicts: readonly ModelVerdict[];
  /** The models that hold and that no other model that holds implies (e.g. causal and consistent-prefix). */
  readonly maximal: readonly LadderModel[];
}

export interface ClassifyOptions {
  /** Search budget of the linearizability and serialization searches (per search). */
  readonly maxStates?: number;
  readonly versionOf?: (key: string, value: unknown) => number | undefined;
  /** Eventual: reads that start this long after a key's last write must all return the same value. */
  readonly settleMs?: number;
  /**
   * Read outputs that are arrays are a key's concurrent siblings (as the quorum store's client records
   * a read of several DVV siblings). `{ siblings: [...] }` is read as siblings either way.
   */
  readonly siblingArrays?: boolean;
}

export function classifyHistory(history: History, options: ClassifyOptions = {}): Classification {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const shapes = options.siblingArrays ? { siblingArrays: true } : {};
  const registers = registerHistory(history, shapes);
  const show = (i: number) => describeRead(registers.ops, i);
  const verdicts = new Map<LadderModel, ModelVerdict>();
  const implied = (model: LadderModel, by: LadderModel) =>
    verdicts.set(model, { model, holds: true, impliedBy: by });
  const holds = (model: LadderModel) => verdicts.get(model)?.holds === true;

  // A read of two or more siblings has no place in any serial order: a register holds one value.
  const siblings = siblingVerdict(registers);

  // Linearizable: the existing checker, one key at a time (linearizability is compositional), or the
  // serialization search with real time when some read observed several keys at once.
  if (siblings) verdicts.set('linearizable', { model: 'linearizable', ...siblings });
  else if (registers.hasShapedReads) {
    const result = findSerialization(registers, [...registers.sessions.values()], maxStates, {
      realTime: true,
    });
    verdicts.set('linearizable', {
      model: 'linearizable',
      holds: result.verdict === 'yes' ? true : result.verdict === 'unknown' ? 'unknown' : false,
      ...(result.verdict === 'no'
        ? {
            counterexample: `after ${result.longest.length} operations no linearization can place any session's next one: ${result.stuck.map(show).join('; ')}`,
            operations: ids(registers, result.stuck),
          }
        : {}),
    });
  } else linearizable(history, maxStates, verdicts);

  // Sequential: one order of every session's operations, program order kept, real time ignored.
  if (holds('linearizable')) implied('sequential', 'linearizable');
  else if (siblings) verdicts.set('sequential', { model: 'sequential', ...siblings });
  else {
    const result = findSerialization(registers, [...registers.sessions.values()], maxStates);
    verdicts.set('sequential', {
      model: 'sequential',
      holds: result.verdict === 'yes' ? true : result.verdict === 'unknown' ? 'unknown' : false,
      ...(result.verdict === 'no'
        ? {
            counterexample: `after ${result.longest.length} operations no order can place any session's next one: ${result.stuck.map(show).join('; ')}`,
            operations: ids(registers, result.stuck),
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

  if (siblings) verdicts.set('PRAM', { model: 'PRAM', ...siblings });
  else if (holds('causal')) implied('PRAM', 'causal');
  else verdicts.set('PRAM', pram(registers, maxStates, show));

  if (holds('sequential')) implied('consistent-prefix', 'sequential');
  else {
    const result = checkConsistentPrefix(registers, maxStates);
    verdicts.set('consistent-prefix', { model: 'consistent-prefix', ...result });
  }

  const guarantees: readonly SessionGuarantee[] = [
    'read-your-writes',
    'monotonic-reads',
    'monotonic-writes',
    'writes-follow-reads',
  ];
  // With siblings, causal no longer implies the session guarantees (PRAM fails): each is checked.
  const needed = guarantees.filter(
    (g) => !(g === 'writes-follow-reads' ? holds('causal') && !siblings : holds('PRAM')),
  );
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
      const session = checkSessionGuarantees(history, { versionOf, ...shapes });
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
  return { strongest: strongestOf(ordered), verdicts: ordered, maximal: maximalOf(ordered) };
}

const CHAIN: readonly LadderModel[] = ['linearizable', 'sequential', 'causal', 'PRAM'];

function strongestOf(verdicts: readonly ModelVerdict[]): string {
  const at = (m: LadderModel) => verdicts.find((v) => v.model === m)?.holds === true;
  for (const m of CHAIN) if (at(m)) return m;
  const rest = verdicts.filter(
    (v) => !CHAIN.includes(v.model) && v.model !== 'eventual' && v.holds === true && !v.vacuous,
  );
  if (rest.length > 0) return rest.map((v) => v.model).join(' + ');
  return at('eventual') ? 'eventual' : 'none';
}

/** The models that hold and that no other holding model implies (through the implication table). */
function maximalOf(verdicts: readonly ModelVerdict[]): LadderModel[] {
  const holding = verdicts.filter((v) => v.holds === true && !v.vacuous).map((v) => v.model);
  const impliedByOther = new Set<LadderModel>();
  for (const m of holding) {
    const stack: LadderModel[] = [...LADDER_IMPLIES[m]];
    while (stack.length > 0) {
      const next = stack.pop() as LadderModel;
      if (impliedByOther.has(next)) continue;
      impliedByOther.add(next);
      for (const weaker of LADDER_IMPLIES[next]) stack.push(weaker);
    }
  }
  return holding.filter((m) => !impliedByOther.has(m));
}

function ids(registers: RegisterHistory, indices: readonly number[]): number[] {
  const out: number[] = [];
  for (const i of indices) {
    const id = (registers.ops[i] as RegisterOp).id;
    if (out[out.length - 1] !== id) out.push(id);
  }
  return out;
}

/** The verdict of every serial-order model on a history with a read of two or more siblings. */
function siblingVerdict(
  registers: RegisterHistory,
): { holds: false; counterexample: string; operations: number[] } | undefined {
  const at = registers.firstSiblingRead;
  if (at === undefined) return undefined;
  const op = registers.ops[at] as RegisterOp;
  return {
    holds: false,
    counterexample: `${describeRead(registers.ops, at)} returned ${op.siblings} siblings of ${op.key}: in a serial order a register holds one value, so no such order returns them together`,
    operations: [op.id],
  };
}

function linearizable(history: History, maxStates: number, verdicts: Map<LadderModel, ModelVerdict>): void {
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

/**
 * Eventual convergence: reads that begin after a key's last write settled all return one value (a read
 * of siblings returns its set of siblings, compared as a set).
 */
function eventual(registers: RegisterHistory, settleMs: number, show: (i: number) => string): ModelVerdict {
  let judged = 0;
  for (const [key, writes] of registers.writesOf) {
    let last = -Infinity;
    for (const w of writes) last = Math.max(last, (registers.ops[w] as RegisterOp).ret);
    if (!Number.isFinite(last)) continue; // a write of unknown outcome may land at any time
    // Each late read of the key (by its first part), with the sorted values it returned for the key.
    const seen = new Map<number, { first: number; values: string[] }>();
    for (let i = 0; i < registers.ops.length; i++) {
      const op = registers.ops[i] as RegisterOp;
      if (op.kind !== 'read' || op.key !== key || op.call < last + settleMs) continue;
      const read = op.group ?? i;
      let entry = seen.get(read);
      if (!entry) seen.set(read, (entry = { first: i, values: [] }));
      if (op.value !== null) entry.values.push(JSON.stringify(op.value));
    }
    let reference: { first: number; text: string } | undefined;
    for (const entry of seen.values()) {
      judged++;
      const text = entry.values.sort().join('\u0000');
      if (reference === undefined) reference = { first: entry.first, text };
      else if (text !== reference.text)
        return {
          model: 'eventual',
          holds: false,
          counterexample: `after the last write of ${key}, ${show(reference.first)} and ${show(entry.first)} disagree`,
          operations: [
            (registers.ops[reference.first] as RegisterOp).id,
            (registers.ops[entry.first] as RegisterOp).id,
          ],
        };
    }
  }
  return judged > 0 ? { model: 'eventual', holds: true } : { model: 'eventual', holds: 'unknown' };
}
