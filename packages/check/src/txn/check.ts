/**
 * The transactional anomaly checker: Elle's method (Kingsbury & Alvaro, VLDB 2020) on Adya's
 * definitions (Adya 1999). Infer dependencies between transactions from what they read, build the
 * graph, find its cycles, name each by the edges it needs, and judge the history against a
 * consistency model by the anomaly classes that model forbids.
 */
import { AnomalyLog } from './anomaly-log';
import type { Context } from './context';
import { PROCESS, REALTIME, EdgeList, OpIndex } from './edges';
import { findCycles, type FoundCycle } from './cycles';
import { forbids, needsRealtime, ruledOutBy } from './consistency';
import { describeAnomalyType, typeRank } from './descriptions';
import { explainEdge } from './explain';
import { buildGraph } from './graph';
import { inferListAppend } from './list-append';
import { addProcessEdges, addRealtimeEdges } from './order-edges';
import { inferRegister } from './rw-register';
import { validateTxnHistory } from './validate';
import { summarize } from './format';
import {
  CONSISTENCY_MODELS,
  type Anomaly,
  type AnomalyType,
  type OpRef,
  type Txn,
  type TxnCheckOptions,
  type TxnCheckResult,
  type TxnHistory,
} from './types';

const DEFAULT_MAX_PER_TYPE = 100;
const SHOWN_STEPS = 12;

export function checkTransactions(history: TxnHistory, options: TxnCheckOptions): TxnCheckResult {
  if (options.model !== 'list-append' && options.model !== 'rw-register')
    throw new RangeError(`unknown model '${String(options.model)}' (known: list-append, rw-register)`);
  if (!(CONSISTENCY_MODELS as readonly string[]).includes(options.consistency))
    throw new RangeError(
      `unknown consistency model '${String(options.consistency)}' (known: ${CONSISTENCY_MODELS.join(', ')})`,
    );
  const shape = validateTxnHistory(history, options.model);
  const ops = new OpIndex(shape.opCounts);
  // At most a ww edge per write and a wr and an rw per read (more for registers' inferred orders and
  // for order edges: the list grows when it must).
  const edges = new EdgeList(ops, shape.writes + 2 * shape.reads + 1024);
  const log = new AnomalyLog(options.maxPerType ?? DEFAULT_MAX_PER_TYPE);
  const context: Context = { history, ops, edges, log };

  let keys: number;
  let ambiguousWrites: number;
  let skippedInitialReadEdges = 0;
  if (options.model === 'list-append') ({ keys, ambiguousWrites } = inferListAppend(context));
  else {
    // Nil reads relate to every unordered write of their key; past this many edges they are left out.
    const budget = Math.max(1_000_000, 4 * ops.size);
    ({ keys, ambiguousWrites, skippedInitialReadEdges } = inferRegister(context, budget));
  }

  let orderMask = 0;
  if (options.processOrder) {
    addProcessEdges(history, edges);
    orderMask |= PROCESS;
  }
  if (options.realtime || needsRealtime(options.consistency)) {
    addRealtimeEdges(history, edges);
    orderMask |= REALTIME;
  }
  const graph = buildGraph(history.length, edges);
  const { cycles, components, exhausted } = findCycles(graph, edges, orderMask);
  for (const cycle of cycles) log.add(cycle.type, () => cycleAnomaly(context, cycle));

  const counts: Partial<Record<AnomalyType, number>> = {};
  const types = [...log.countsByType().keys()].sort((a, b) => typeRank(a) - typeRank(b));
  for (const type of types) counts[type] = log.countsByType().get(type) as number;
  const forbidden = types.filter((type) => forbids(options.consistency, type));
  const forbiddenSet = new Set<AnomalyType>(forbidden);
  const anomalies = [...log.anomalies()].sort(
    (a, b) =>
      Number(forbiddenSet.has(b.type)) - Number(forbiddenSet.has(a.type)) ||
      typeRank(a.type) - typeRank(b.type),
  );

  let committed = 0;
  let failed = 0;
  for (const txn of history) {
    if (txn.type === 'ok') committed++;
    else if (txn.type === 'fail') failed++;
  }
  let largestComponent = 0;
  for (const size of components.sizes) if (size > largestComponent) largestComponent = size;
  return {
    valid: forbidden.length === 0,
    model: options.model,
    consistency: options.consistency,
    forbidden,
    counts,
    anomalies,
    ruledOut: ruledOutBy(types),
    stats: {
      transactions: history.length,
      committed,
      failed,
      indeterminate: history.length - committed - failed,
      microOps: ops.size,
      keys,
      edges: edges.countByKind(),
      cyclicComponents: components.count,
      largestComponent,
      ambiguousWrites,
      skippedInitialReadEdges,
      searchExhausted: exhausted,
    },
  };
}

function cycleAnomaly(context: Context, cycle: FoundCycle): Omit<Anomaly, 'type'> {
  const steps = cycle.edges.map((edge) => explainEdge(context, edge));
  const refs: OpRef[] = [];
  for (const step of steps) {
    if (step.fromOp !== undefined) refs.push({ txn: step.from, op: step.fromOp });
    if (step.toOp !== undefined) refs.push({ txn: step.to, op: step.toOp });
  }
  // A long cycle is named by its first steps; every step is in `cycle`.
  const shown = steps
    .slice(0, SHOWN_STEPS)
    .map((step) => `T${step.from} -${step.kind}→ `)
    .join('');
  const path =
    steps.length > SHOWN_STEPS
      ? `${shown}… (${steps.length} edges in all)`
      : `${shown}T${(steps[0] as { from: number }).from}`;
  return {
    why: `${path}. ${describeAnomalyType(cycle.type)}`,
    transactions: steps.map((step) => summarize(context.history[step.from] as Txn)),
    ops: refs,
    cycle: steps,
  };
}
