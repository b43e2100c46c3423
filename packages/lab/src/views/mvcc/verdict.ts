/**
 * The transactional checker's verdict on a script the engine ran. The script's record says what each
 * statement returned; the engine's heap says what each statement wrote and in which order: every
 * version of a row is linked to the one that replaced it (PostgreSQL's ctid chain), so the version
 * order that a register history would have to guess is known. Each row becomes a list-append key
 * whose elements are its versions (a delete appends a tombstone), each statement's reads become reads
 * of the prefix up to the version its snapshot saw, and the checker (Elle's method) judges the result.
 *
 * A statement reads the rows it examined: the keys a key lookup names, every row of the table for a
 * sequential scan (a predicate read is modelled as reading every row, which is at least what
 * PostgreSQL's SSI locks for a sequential scan), and for an UPDATE or DELETE also the version it replaced.
 */
import {
  checkTransactions,
  type AnomalyType,
  type MicroOp,
  type Txn,
  type TxnCheckResult,
  type TxnHistory,
} from '@dslab/check';
import { mvcc } from '@dslab/systems';

type Frame = mvcc.MvccLiveDetail;
type Version = mvcc.MvccVersionDetail;

export interface ScriptVerdict {
  readonly history: TxnHistory;
  readonly result: TxnCheckResult;
  /** Every anomaly type the checker found (none: the run was serializable). */
  readonly found: readonly AnomalyType[];
}

interface Chain {
  /** The row's elements in version order: tids of versions, tombstones as -(tid + 1). */
  readonly elements: number[];
  readonly writerXid: Map<number, number>;
  /** Versions written by aborted transactions: tid → the element they would have followed (-1: none). */
  readonly aborted: Map<number, number>;
}

/** Version order per key from the final heap: chains followed through committed or running updates. */
function versionOrder(versions: readonly Version[]): Map<number, Chain> {
  const byTid = new Map(versions.map((v) => [v.tid, v]));
  const pointedAt = new Set<number>();
  for (const v of versions) if (v.next !== undefined && v.xmaxStatus !== 'aborted') pointedAt.add(v.next);
  const chains = new Map<number, Chain>();
  const chainOf = (key: number): Chain => {
    let chain = chains.get(key);
    if (!chain) {
      chain = { elements: [], writerXid: new Map(), aborted: new Map() };
      chains.set(key, chain);
    }
    return chain;
  };
  for (const head of versions) {
    if (pointedAt.has(head.tid) || head.xminStatus === 'aborted') continue;
    const chain = chainOf(head.key);
    let v: Version | undefined = head;
    const seen = new Set<number>();
    while (v && !seen.has(v.tid)) {
      seen.add(v.tid);
      chain.elements.push(v.tid);
      chain.writerXid.set(v.tid, v.frozen || v.xmin < 3 ? 0 : v.xmin);
      const replaced: boolean = v.next !== undefined && v.xmaxStatus !== 'aborted';
      if (!replaced && v.xmax !== 0 && v.xmaxStatus !== 'aborted') {
        chain.elements.push(-(v.tid + 1));
        chain.writerXid.set(-(v.tid + 1), v.xmax);
      }
      v = replaced ? byTid.get(v.next as number) : undefined;
    }
  }
  // An aborted update still hangs off the version it replaced (whose xmax names the aborted writer).
  for (const v of versions) {
    if (v.xminStatus !== 'aborted') continue;
    const chain = chainOf(v.key);
    const before = versions.find((o) => o.next === v.tid);
    chain.aborted.set(v.tid, before ? before.tid : -1);
    chain.writerXid.set(v.tid, v.xmin);
  }
  return chains;
}

interface OpenTxn {
  readonly index: number;
  readonly process: string;
  readonly ops: MicroOp[];
  readonly call: number;
  xid?: number;
}

/**
 * Builds the history of a script run and judges it. Only the script's first table is judged; a run
 * whose heap was trimmed for the picture (more versions per row than it shows) cannot be.
 */
export function judgeScript(script: mvcc.Script, run: mvcc.ScriptRun): ScriptVerdict {
  const { record, frames } = run;
  const last = frames[frames.length - 1];
  const table = last?.tables[0];
  if (!last || !table) throw new Error(`${script.id}: the run left no picture to judge`);
  if (table.hidden > 0) throw new Error(`${script.id}: too many versions per row to judge`);
  const schema = script.tables?.[0]?.schema ?? { name: 'test', key: 'id' };
  const chains = versionOrder(table.versions);
  const universe = [...chains.keys()].sort((a, b) => a - b);
  const byTid = new Map(table.versions.map((v) => [v.tid, v]));

  const txns: (Txn & { ops: MicroOp[] })[] = [];
  const initial: MicroOp[] = [];
  for (const [key, chain] of chains)
    for (const element of chain.elements)
      if (chain.writerXid.get(element) === 0) initial.push({ f: 'append', key, value: element });
  txns.push({ index: 0, process: 'init', type: 'ok', ops: initial, call: -2, ret: -1 });

  const open = new Map<number, OpenTxn>();
  const attributed = new Set<number>();
  const start = (session: number, at: number): OpenTxn => {
    const txn: OpenTxn = { index: txns.length, process: `T${session}`, ops: [], call: at };
    txns.push({
      index: txn.index,
      process: txn.process,
      type: 'info',
      ops: txn.ops,
      call: at,
      ret: Infinity,
    });
    return txn;
  };
  const end = (txn: OpenTxn, type: 'ok' | 'fail', at: number) => {
    txns[txn.index] = { index: txn.index, process: txn.process, type, ops: txn.ops, call: txn.call, ret: at };
  };

  /** The prefix of a key's elements that a snapshot saw, given the version (or none) it saw. */
  const prefix = (key: number, seen: Version | undefined, frame: Frame, viewer: string): number[] => {
    const chain = chains.get(key);
    if (!chain) return [];
    if (seen) {
      const after = chain.aborted.get(seen.tid);
      if (after !== undefined)
        // A write of an aborted transaction (a dirty read, which PostgreSQL never lets happen).
        return [...chain.elements.slice(0, chain.elements.indexOf(after) + 1), seen.tid];
      return chain.elements.slice(0, chain.elements.indexOf(seen.tid) + 1);
    }
    // Absent: never inserted as far as the snapshot knows, or deleted by a transaction it sees.
    const snapshot =
      viewer === 'now' ? frame.fresh : frame.sessions.find((s) => s.session === viewer)?.snapshot;
    let upTo = 0;
    chain.elements.forEach((element, i) => {
      if (element >= 0 || !snapshot) return;
      const xid = chain.writerXid.get(element) as number;
      const past = xid < snapshot.xmax && !snapshot.xip.includes(xid);
      if (past && last.clog.find((c) => c.xid === xid)?.status !== 'aborted') upTo = i + 1;
    });
    return chain.elements.slice(0, upTo);
  };
  /**
   * The versions a statement's scan read: what its snapshot saw when it started; a matching row it
   * found being changed or locked by another transaction it waited for and re-checked on the newest
   * version (PostgreSQL's EvalPlanQual), so for those rows what it sees when it completes.
   */
  const readAt = (
    started: Frame,
    finished: Frame,
    viewer: string,
    keys: readonly number[],
    except: ReadonlySet<number>,
    where: mvcc.Pred | undefined,
    returned: ReadonlyMap<number, mvcc.Row>,
  ) => {
    const ops: MicroOp[] = [];
    const same = (a: mvcc.Row, b: mvcc.Row) => JSON.stringify(a) === JSON.stringify(b);
    const seenIn = (frame: Frame, key: number) =>
      frame.tables[0]?.versions.find((v) => v.key === key && v.visibleTo.includes(viewer));
    for (const key of keys) {
      if (except.has(key)) continue;
      const row = returned.get(key);
      if (row) {
        // A row the statement returned names its version (the visible one when two carry the same values).
        const carrying = table.versions.filter((v) => v.key === key && same(v.values, row));
        const version = carrying.find((v) => v.visibleTo.includes(viewer)) ?? carrying[carrying.length - 1];
        if (version) {
          ops.push({ f: 'r', key, value: prefix(key, version, finished, viewer) });
          continue;
        }
      }
      let seen = seenIn(started, key);
      let frame = started;
      const contended =
        seen !== undefined &&
        (seen.xmaxStatus === 'in progress' || Object.keys(seen.lockers).length > 0) &&
        mvcc.evalPred(where, seen.values);
      if (contended && finished !== started) {
        seen = seenIn(finished, key);
        frame = finished;
      }
      ops.push({ f: 'r', key, value: prefix(key, seen, frame, viewer) });
    }
    return ops;
  };

  record.steps.forEach((step, i) => {
    const original = script.steps[i]?.[1];
    if (!original || original.kind === 'sleep') return;
    const statement = original;
    const session = step.session;
    const done = step.unblockedBy ?? i;
    const frame = frames[done] ?? last;
    if (statement.kind === 'begin') {
      if (!step.error) open.set(session, start(session, i));
      return;
    }
    const explicit = open.get(session);
    if (statement.kind === 'commit' || statement.kind === 'rollback') {
      if (!explicit) return;
      open.delete(session);
      end(explicit, statement.kind === 'commit' && step.tag === 'COMMIT' ? 'ok' : 'fail', done);
      return;
    }
    const txn = explicit ?? start(session, i);
    if (step.error) {
      // The statement took no effect and the transaction is aborted.
      if (!explicit) end(txn, 'fail', done);
      return;
    }
    const viewer = explicit ? `s${session}` : 'now';
    const sessionXid = frames
      .slice(i, done + 1)
      .map((f) => f.sessions.find((s) => s.session === `s${session}`)?.xid)
      .find((x) => x !== undefined);
    if (sessionXid !== undefined) txn.xid = sessionXid;
    const relevant = 'table' in statement && statement.table === schema.name;
    if (relevant) {
      // What the statement wrote: versions (and deletions) of its transaction not yet accounted for.
      const before = i > 0 ? frames[i - 1] : undefined;
      const existed = new Set((before?.tables[0]?.versions ?? []).map((v) => v.tid));
      const xid =
        txn.xid ??
        table.versions.find(
          (v) => !existed.has(v.tid) && frame.tables[0]?.versions.some((f) => f.tid === v.tid),
        )?.xmin;
      const writes: MicroOp[] = [];
      const replacedReads: MicroOp[] = [];
      const written = new Set<number>();
      if (xid !== undefined)
        for (const [key, chain] of chains)
          [...chain.elements, ...chain.aborted.keys()].forEach((element, at) => {
            if (chain.writerXid.get(element) !== xid || attributed.has(element)) return;
            const tid = element >= 0 ? element : -element - 1;
            if (element >= 0 && !frame.tables[0]?.versions.some((v) => v.tid === tid)) return;
            if (element < 0 && byTid.get(tid) === undefined) return;
            attributed.add(element);
            written.add(key);
            const follows = chain.aborted.get(element);
            const upTo = follows === undefined ? at : chain.elements.indexOf(follows) + 1;
            if (upTo > 0) replacedReads.push({ f: 'r', key, value: chain.elements.slice(0, upTo) });
            writes.push({ f: 'append', key, value: element });
          });
      const where = 'where' in statement ? statement.where : undefined;
      // A scan with LIMIT stops at the rows it returns (SKIP LOCKED passes locked rows unread).
      const returned = new Map<number, mvcc.Row>();
      if (statement.kind === 'select' && statement.aggregate === undefined)
        for (const row of step.rows ?? []) {
          const key = row[schema.key];
          if (typeof key === 'number') returned.set(key, row);
        }
      const keys =
        statement.kind === 'insert'
          ? []
          : statement.kind === 'select' && statement.limit !== undefined
            ? [...returned.keys()]
            : (mvcc.keyLookup(where, schema.key) ?? universe);
      const reads = statement.kind === 'select' || statement.kind === 'update' || statement.kind === 'delete';
      const started = frames[i] ?? last;
      txn.ops.push(
        ...(reads ? readAt(started, frame, viewer, keys, written, where, returned) : []),
        ...replacedReads,
        ...writes,
      );
    }
    if (!explicit) end(txn, 'ok', done);
  });
  // A transaction still open at the end stays 'info': its outcome is unknown. Then, as Elle's final
  // reads do, one read of every row's whole version chain gives the checker the version order.
  const steps = record.steps.length;
  const finalReads: MicroOp[] = universe.map((key) => ({
    f: 'r',
    key,
    value: chains.get(key)?.elements ?? [],
  }));
  txns.push({
    index: txns.length,
    process: 'final read',
    type: 'ok',
    ops: finalReads,
    call: steps,
    ret: steps + 1,
  });
  // Elements by what the version held (and its tid, which keeps equal values apart), for the report.
  const name = (element: number): string => {
    if (element < 0) return `deleted#${-element - 1}`;
    const v = byTid.get(element);
    const values = v
      ? Object.entries(v.values)
          .filter(([column]) => column !== schema.key)
          .map(([column, value]) => `${column}=${String(value)}`)
          .join(',')
      : '?';
    return `${values}#${element}`;
  };
  const named = (op: MicroOp): MicroOp =>
    op.f === 'append'
      ? { ...op, value: name(op.value as number) }
      : { ...op, value: (op.value as readonly number[]).map(name) };
  const history: TxnHistory = txns.map((t) => ({ ...t, ops: t.ops.map(named) }));
  const result = checkTransactions(history, { model: 'list-append', consistency: 'serializable' });
  const found = Object.keys(result.counts) as AnomalyType[];
  return { history, result, found };
}
