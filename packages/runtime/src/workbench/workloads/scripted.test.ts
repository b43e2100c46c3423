// The new workloads' generators and checkers against in-process nodes scripted in this file, without
// processes or a network: fast, many seeds, and every branch of the outcome handling (acknowledged,
// failed, unknown-but-applied, unknown-and-lost) exercised deliberately.
import { Rng } from '@dslab/sim';
import { describe, expect, it } from 'vitest';
import type { BodyFields, MaelstromBody } from '../protocol';
import type { Outcome, Workload, WorkloadContext } from '../workload';
import { workloadNamed } from './index';

type Answer = (node: string, body: BodyFields, rng: Rng) => BodyFields | 'applied-unknown' | 'lost';

/** Runs `operations` operations of the workload by three clients in turn against a scripted node. */
async function run(workload: Workload, answer: Answer, seed: number, operations = 300) {
  const rng = new Rng(seed);
  let clock = 0;
  const ctx: WorkloadContext = {
    nodes: ['n0', 'n1', 'n2'],
    rng: rng.fork('workload'),
    now: () => clock,
    topology: 'total',
    consistencyModels: [],
    async request(_client, node, body): Promise<Outcome> {
      const call = ++clock;
      const reply = answer(node, body, rng);
      const ret = ++clock;
      if (reply === 'applied-unknown' || reply === 'lost') return { kind: 'info', why: 'timeout', call, ret };
      const full: MaelstromBody = { ...reply, in_reply_to: 1 };
      if (reply.type === 'error') return { kind: 'fail', body: full, call, ret };
      return { kind: 'ok', body: full, call, ret };
    },
  };
  await workload.setup?.(ctx);
  for (let i = 0; i < operations; i++) await workload.operate(ctx, `c${1 + (i % 3)}`, `n${i % 3}`);
  await workload.final?.(ctx);
  return workload.check(ctx);
}

/** A counter; `doubleOnUnknown` applies an add whose answer was lost twice (a retry that double-counts). */
function counterNode(doubleOnUnknown: boolean): Answer {
  let value = 0;
  return (_node, body, rng) => {
    if (body.type === 'read') return { type: 'read_ok', value };
    const delta = body.delta as number;
    const roll = rng.next();
    if (roll < 0.05) return { type: 'error', code: 11, text: 'unavailable' };
    if (roll < 0.1) return 'lost';
    value += delta;
    if (roll < 0.15) {
      if (doubleOnUnknown) value += delta;
      return 'applied-unknown';
    }
    return { type: 'add_ok' };
  };
}

/**
 * A kafka node over one in-memory store; `dropEvery` > 0 acknowledges every so many sends without
 * storing them (the next send gets the same offset).
 */
function kafkaNode(dropEvery = 0): Answer {
  let sends = 0;
  const logs = new Map<string, unknown[]>();
  const committed = new Map<string, number>();
  return (_node, body, rng) => {
    switch (body.type) {
      case 'send': {
        const key = body.key as string;
        let log = logs.get(key);
        if (!log) logs.set(key, (log = []));
        sends++;
        if (dropEvery > 0 && sends % dropEvery === 0) return { type: 'send_ok', offset: log.length };
        log.push(body.msg);
        if (rng.next() < 0.05) return 'applied-unknown';
        return { type: 'send_ok', offset: log.length - 1 };
      }
      case 'poll': {
        if (rng.next() < 0.03) return 'lost';
        const msgs: Record<string, [number, unknown][]> = {};
        for (const [key, from] of Object.entries(body.offsets as Record<string, number>)) {
          const log = logs.get(key) ?? [];
          const out: [number, unknown][] = [];
          for (let o = from; o < log.length && out.length < 3; o++) out.push([o, log[o]]);
          if (out.length > 0) msgs[key] = out;
        }
        return { type: 'poll_ok', msgs };
      }
      case 'commit_offsets':
        for (const [key, at] of Object.entries(body.offsets as Record<string, number>))
          committed.set(key, Math.max(at, committed.get(key) ?? -1));
        return { type: 'commit_offsets_ok' };
      case 'list_committed_offsets':
        return {
          type: 'list_committed_offsets_ok',
          offsets: Object.fromEntries(committed),
        };
      default:
        return { type: 'error', code: 10, text: 'not supported' };
    }
  };
}

describe('g-counter and pn-counter checkers', () => {
  it('accept a correct counter over 20 seeds, unknown adds applied or not', async () => {
    for (const name of ['g-counter', 'pn-counter'])
      for (let seed = 1; seed <= 20; seed++) {
        const verdict = await run(workloadNamed(name), counterNode(false), seed);
        expect(verdict.valid, `${name} seed ${seed}: ${verdict.reason}`).toBe(true);
      }
  });

  it('reject a counter that applies an unknown add twice, naming the bounds', async () => {
    const verdict = await run(workloadNamed('g-counter'), counterNode(true), 7);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toMatch(
      /^final read n0=\d+, n1=\d+, n2=\d+ outside \[\d+, \d+\] \(acknowledged sum \d+\)/,
    );
  });
});

describe('kafka checker', () => {
  it('accepts a correct log over 20 seeds, with restarts from the committed offsets (reset) and unknown sends', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const verdict = await run(workloadNamed('kafka'), kafkaNode(), seed);
      expect(verdict.valid, `seed ${seed}: ${verdict.reason}`).toBe(true);
      const stats = (verdict.details as { stats: { commits: number; polls: number } }).stats;
      expect(stats.commits).toBeGreaterThan(0);
    }
  });

  it('rejects a node that acknowledges sends it never stored, naming the offset', async () => {
    const verdict = await run(workloadNamed('kafka'), kafkaNode(10), 3);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toMatch(
      /^log checker found \d+ lost, .*\d+ disagreement; first: disagreement: k\d\/0@\d+ holds "\d+" for send \d+ but "\d+" for send \d+/,
    );
  });
});

/** A serial transactional store; `staleReads` answers read-only transactions from an old snapshot. */
function txnNode(staleReads: boolean): Answer {
  let db = new Map<string, unknown>();
  let snapshot = new Map<string, unknown>();
  let commits = 0;
  return (_node, body, rng) => {
    const txn = body.txn as [string, number, unknown][];
    const readOnly = txn.every(([f]) => f === 'r');
    const roll = rng.next();
    if (roll < 0.05) return { type: 'error', code: 30, text: 'conflict' };
    if (roll < 0.08) return 'lost';
    const view = staleReads && readOnly ? snapshot : db;
    const next = new Map(view);
    const done = txn.map(([f, k, v]) => {
      const key = String(k);
      if (f === 'r') return [f, k, next.get(key) ?? null];
      next.set(key, f === 'append' ? [...((next.get(key) as unknown[] | undefined) ?? []), v] : v);
      return [f, k, v];
    });
    if (!readOnly) {
      db = next;
      if (++commits % 10 === 0) snapshot = new Map(db);
    }
    return roll < 0.11 ? 'applied-unknown' : { type: 'txn_ok', txn: done };
  };
}

describe('transactional checkers', () => {
  it('accept a serial store over 10 seeds each, with aborts (error 30) and unknown outcomes', async () => {
    for (const name of ['txn-list-append', 'txn-rw-register'])
      for (let seed = 1; seed <= 10; seed++) {
        const verdict = await run(workloadNamed(name), txnNode(false), seed, 200);
        expect(verdict.valid, `${name} seed ${seed}: ${verdict.reason}`).toBe(true);
      }
  });

  it('reject a store whose read-only transactions read an old snapshot', async () => {
    for (const name of ['txn-list-append', 'txn-rw-register']) {
      const verdict = await run(workloadNamed(name), txnNode(true), 4, 200);
      expect(verdict.valid, name).toBe(false);
      expect(verdict.reason).toMatch(
        /^not strict-serializable: \d+ G[\w-]+realtime.*; first: G[\w-]+: T\d+ /,
      );
    }
  });
});

/** A g-set per node; `forgetOn` keeps adds sent to that node to itself; `invent` reads an element nobody added. */
function gSetNode(opts: { forgetOn?: string; invent?: boolean } = {}): Answer {
  const shared = new Set<unknown>();
  const local = new Set<unknown>();
  return (node, body, rng) => {
    if (body.type === 'add') {
      if (rng.next() < 0.05) return 'lost';
      (node === opts.forgetOn ? local : shared).add(body.element);
      return { type: 'add_ok' };
    }
    const value = [...shared, ...(node === opts.forgetOn ? local : [])];
    if (opts.invent) value.push(1_000_000);
    return { type: 'read_ok', value };
  };
}

describe('g-set checker', () => {
  it('accepts a replicated set over 10 seeds, lost adds or not', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const verdict = await run(workloadNamed('g-set'), gSetNode(), seed);
      expect(verdict.valid, `seed ${seed}: ${verdict.reason}`).toBe(true);
    }
  });

  it('rejects a node that keeps its adds to itself and one that reads an element nobody added', async () => {
    const forgets = await run(workloadNamed('g-set'), gSetNode({ forgetOn: 'n1' }), 2);
    expect(forgets.valid).toBe(false);
    expect(forgets.reason).toMatch(
      /^\d+ of \d+ acknowledged adds missing from final reads: \d+ \(missing on n0, n2\)/,
    );
    const invents = await run(workloadNamed('g-set'), gSetNode({ invent: true }), 2);
    expect(invents.valid).toBe(false);
    expect(invents.reason).toMatch(
      /^\d+ read elements were never added \(n\d read 1000000, which no client added\)/,
    );
  });
});
