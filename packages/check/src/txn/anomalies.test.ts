// One minimal history per anomaly class: the checker must name exactly that class, give the cycle
// edge by edge with the micro-ops that explain it, and judge it against each consistency model as
// Adya's levels say.
import { describe, expect, it } from 'vitest';
import { txnHistory, type TxnSpec } from './build';
import { checkTransactions } from './check';
import { CONSISTENCY_MODELS, type ConsistencyModel, type TxnCheckOptions, type TxnModel } from './types';

function check(model: TxnModel, specs: TxnSpec[], options: Partial<TxnCheckOptions> = {}) {
  return checkTransactions(txnHistory(specs), { model, consistency: 'serializable', ...options });
}

/** The models under which the history is valid. */
function validUnder(
  model: TxnModel,
  specs: TxnSpec[],
  options: Partial<TxnCheckOptions> = {},
): ConsistencyModel[] {
  return CONSISTENCY_MODELS.filter((consistency) => check(model, specs, { ...options, consistency }).valid);
}

/** A cycle as `T0 -ww-> T1 …` with each edge's key. */
function cycleOf(result: ReturnType<typeof check>, type: string) {
  const anomaly = result.anomalies.find((a) => a.type === type);
  return anomaly?.cycle?.map((e) => `T${e.from} -${e.kind}(${String(e.key ?? '')})-> T${e.to}`);
}

describe('list-append: one minimal history per anomaly class', () => {
  it('G0: two transactions append to x and y in opposite orders (ww only)', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      },
      {
        ops: [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ],
      },
      {
        ops: [
          ['r', 'x', [1, 2]],
          ['r', 'y', [2, 1]],
        ],
      },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ G0: 1 });
    expect(cycleOf(result, 'G0')).toEqual(['T0 -ww(x)-> T1', 'T1 -ww(y)-> T0']);
    const edge = result.anomalies[0]!.cycle![0]!;
    expect(edge).toMatchObject({ fromOp: 0, toOp: 0 });
    expect(edge.why).toMatch(/T0 appended 1 to key "x"; T1 appended 2/);
    expect(validUnder('list-append', specs)).toEqual([]);
  });

  it('G1a: a committed read sees an aborted append', () => {
    const specs: TxnSpec[] = [{ type: 'fail', ops: [['append', 'x', 1]] }, { ops: [['r', 'x', [1]]] }];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ G1a: 1 });
    expect(result.anomalies[0]).toMatchObject({
      ops: [
        { txn: 1, op: 0 },
        { txn: 0, op: 0 },
      ],
      key: 'x',
    });
    expect(result.anomalies[0]!.why).toMatch(/appended by T0, which aborted/);
    expect(validUnder('list-append', specs)).toEqual(['read-uncommitted']);
  });

  it('G1b: a read sees an append its transaction followed with another', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      },
      { ops: [['r', 'x', [1]]] },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ G1b: 1 });
    expect(result.anomalies[0]!.ops).toEqual([
      { txn: 1, op: 0 },
      { txn: 0, op: 0 },
    ]);
    expect(validUnder('list-append', specs)).toEqual(['read-uncommitted']);
  });

  it('G1c: each transaction reads the other’s append (ww and wr only)', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ],
      },
      {
        ops: [
          ['append', 'y', 1],
          ['r', 'x', [1]],
        ],
      },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ G1c: 1 });
    expect(cycleOf(result, 'G1c')).toEqual(['T0 -wr(x)-> T1', 'T1 -wr(y)-> T0']);
    expect(result.anomalies[0]!.cycle![0]).toMatchObject({ fromOp: 0, toOp: 1 });
    expect(validUnder('list-append', specs)).toEqual(['read-uncommitted']);
  });

  it('G-single: read skew, x read before a transaction and y after it (one rw)', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', []],
          ['r', 'y', [1]],
        ],
      },
      {
        ops: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      },
      { ops: [['r', 'x', [1]]] },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'G-single': 1 });
    expect(cycleOf(result, 'G-single')).toEqual(['T0 -rw(x)-> T1', 'T1 -wr(y)-> T0']);
    expect(result.anomalies[0]!.cycle![0]!.why).toMatch(
      /T0 read key "x" as \[\]; T1 appended 1, the next element/,
    );
    expect(validUnder('list-append', specs)).toEqual(['read-uncommitted', 'read-committed']);
  });

  it('G2-item: write skew, each reads both keys and appends to one (two rw)', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', []],
          ['r', 'y', []],
          ['append', 'y', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ],
      },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'G2-item': 1 });
    expect(cycleOf(result, 'G2-item')).toEqual(['T0 -rw(y)-> T1', 'T1 -rw(x)-> T0']);
    expect(validUnder('list-append', specs)).toEqual([
      'read-uncommitted',
      'read-committed',
      'snapshot-isolation',
    ]);
  });

  it('internal: a read misses the transaction’s own append', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['append', 'x', 1],
          ['r', 'x', [2]],
        ],
      },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ internal: 1 });
    expect(result.anomalies[0]).toMatchObject({ ops: [{ txn: 0, op: 1 }], key: 'x' });
    expect(validUnder('list-append', specs)).toEqual([]);
  });

  it('lost update: two transactions read the same version and both append (with its G-single)', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', []],
          ['append', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', []],
          ['append', 'x', 2],
        ],
      },
      { ops: [['r', 'x', [1, 2]]] },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'G-single': 1, 'lost-update': 1 });
    const lost = result.anomalies.find((a) => a.type === 'lost-update')!;
    expect(lost.transactions.map((t) => t.index)).toEqual([0, 1]);
    expect(cycleOf(result, 'G-single')).toEqual(['T0 -ww(x)-> T1', 'T1 -rw(x)-> T0']);
    expect(validUnder('list-append', specs)).toEqual(['read-uncommitted', 'read-committed']);
  });

  it('duplicate appends: a read shows an element twice that was appended once', () => {
    const specs: TxnSpec[] = [{ ops: [['append', 'x', 1]] }, { ops: [['r', 'x', [1, 1]]] }];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'duplicate-appends': 1 });
    expect(result.anomalies[0]!.why).toMatch(/element 1 2 times, but it was appended once/);
    expect(validUnder('list-append', specs)).toEqual([]);
  });

  it('an element appended twice may be read twice (no anomaly, but its writer is ambiguous)', () => {
    const specs: TxnSpec[] = [
      { ops: [['append', 'x', 1]] },
      { ops: [['append', 'x', 1]] },
      { ops: [['r', 'x', [1, 1]]] },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({});
    expect(result.stats.ambiguousWrites).toBe(1);
  });

  it('garbage read: an element nobody appended', () => {
    const specs: TxnSpec[] = [{ ops: [['r', 'x', [7]]] }, { ops: [['r', 'x', [7]]] }];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'garbage-read': 1 });
    expect(result.anomalies[0]!.why).toMatch(
      /element 7 of key "x", which no transaction appended \(2 reads saw it\)/,
    );
    expect(validUnder('list-append', specs)).toEqual([]);
  });

  it('elements may be strings or far-apart numbers', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['append', 'x', 'a'],
          ['append', 'y', 1],
        ],
      },
      {
        ops: [
          ['append', 'x', 'b'],
          ['append', 'y', 1e9],
        ],
      },
      {
        ops: [
          ['r', 'x', ['a', 'b', 'zz', 'zz']],
          ['r', 'y', [1, 1e9, 1e9]],
        ],
      },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'garbage-read': 1, 'duplicate-appends': 1 });
    expect(result.stats.edges.ww).toBe(2);
  });

  it('incompatible order: two reads disagree on the order of the same appends', () => {
    const specs: TxnSpec[] = [
      { ops: [['append', 'x', 1]] },
      { ops: [['append', 'x', 2]] },
      { ops: [['r', 'x', [1, 2]]] },
      { ops: [['r', 'x', [2, 1]]] },
    ];
    const result = check('list-append', specs);
    expect(result.counts).toEqual({ 'incompatible-order': 1 });
    expect(result.anomalies[0]!.ops).toEqual([
      { txn: 3, op: 0 },
      { txn: 2, op: 0 },
    ]);
    expect(validUnder('list-append', specs)).toEqual([]);
  });

  it('G-single-realtime: a read that began after an append completed does not see it', () => {
    const specs: TxnSpec[] = [
      { ops: [['append', 'x', 1]], call: 0, ret: 1 },
      { ops: [['r', 'x', []]], call: 2, ret: 3 },
      { ops: [['r', 'x', [1]]], call: 4, ret: 5 },
    ];
    const result = check('list-append', specs, { consistency: 'strict-serializable' });
    expect(result.counts).toEqual({ 'G-single-realtime': 1 });
    expect(cycleOf(result, 'G-single-realtime')).toEqual(['T0 -realtime()-> T1', 'T1 -rw(x)-> T0']);
    expect(result.anomalies[0]!.cycle![0]!.why).toBe('T0 completed (at 1) before T1 was invoked (at 2).');
    expect(validUnder('list-append', specs)).toEqual([
      'read-uncommitted',
      'read-committed',
      'snapshot-isolation',
      'serializable',
    ]);
    expect(result.ruledOut).toEqual(['strict-serializable']);
  });

  it('G-single-process: the same stale read within one session, concurrent in time', () => {
    const specs: TxnSpec[] = [
      { ops: [['append', 'x', 1]], process: 1, call: 0, ret: 10 },
      { ops: [['r', 'x', []]], process: 1, call: 0, ret: 10 },
      { ops: [['r', 'x', [1]]], process: 2, call: 0, ret: 10 },
    ];
    expect(check('list-append', specs).valid).toBe(true);
    const result = check('list-append', specs, { processOrder: true });
    expect(result.counts).toEqual({ 'G-single-process': 1 });
    expect(cycleOf(result, 'G-single-process')).toEqual(['T0 -process()-> T1', 'T1 -rw(x)-> T0']);
    expect(result.valid).toBe(false);
  });

  it('G0-realtime and G1c-realtime: a cycle closed only by real-time order is named by its data edges', () => {
    // T1 appends after T0 (ww) but T1 completed before T0 began.
    const g0 = check(
      'list-append',
      [
        { ops: [['append', 'x', 1]], call: 2, ret: 3 },
        { ops: [['append', 'x', 2]], call: 0, ret: 1 },
        { ops: [['r', 'x', [1, 2]]], call: 4, ret: 5 },
      ],
      { consistency: 'strict-serializable' },
    );
    expect(g0.counts).toEqual({ 'G0-realtime': 1 });
    // T1 reads T0's append, yet completed before T0 began.
    const g1c = check(
      'list-append',
      [
        { ops: [['append', 'x', 1]], call: 2, ret: 3 },
        { ops: [['r', 'x', [1]]], call: 0, ret: 1 },
      ],
      { consistency: 'strict-serializable' },
    );
    expect(g1c.counts).toEqual({ 'G1c-realtime': 1 });
  });

  it('aborted and unknown transactions: a failed append is no dependency, an info append that was read is', () => {
    const specs: TxnSpec[] = [
      { type: 'info', ops: [['append', 'x', 1]] },
      { type: 'fail', ops: [['append', 'x', 2]] },
      { ops: [['r', 'x', [1]]] },
    ];
    const result = check('list-append', specs, { consistency: 'strict-serializable' });
    expect(result.valid).toBe(true);
    expect(result.stats).toMatchObject({ committed: 1, failed: 1, indeterminate: 1 });
    expect(result.stats.edges.wr).toBe(1);
  });
});

describe('rw-register: one minimal history per anomaly class', () => {
  it('G0: each transaction read the other’s write of one key and overwrote it', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['w', 'x', 1],
          ['r', 'y', 1],
          ['w', 'y', 2],
        ],
      },
      {
        ops: [
          ['w', 'y', 1],
          ['r', 'x', 1],
          ['w', 'x', 2],
        ],
      },
    ];
    const result = check('rw-register', specs);
    expect(result.counts).toEqual({ G0: 1, G1c: 1 });
    expect(cycleOf(result, 'G0')).toEqual(['T0 -ww(x)-> T1', 'T1 -ww(y)-> T0']);
    expect(result.anomalies.find((a) => a.type === 'G0')!.cycle![0]!.why).toMatch(
      /T0 wrote key "x" = 1; T1 read that version and then wrote 2/,
    );
    expect(validUnder('rw-register', specs)).toEqual([]);
  });

  it('G1a: a committed read of an aborted write', () => {
    const specs: TxnSpec[] = [{ type: 'fail', ops: [['w', 'x', 1]] }, { ops: [['r', 'x', 1]] }];
    expect(check('rw-register', specs).counts).toEqual({ G1a: 1 });
    expect(validUnder('rw-register', specs)).toEqual(['read-uncommitted']);
  });

  it('G1b: a read of a value its writer overwrote', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['w', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      { ops: [['r', 'x', 1]] },
    ];
    expect(check('rw-register', specs).counts).toEqual({ G1b: 1 });
  });

  it('G1c: each reads the other’s write', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['w', 'x', 1],
          ['r', 'y', 1],
        ],
      },
      {
        ops: [
          ['w', 'y', 1],
          ['r', 'x', 1],
        ],
      },
    ];
    const result = check('rw-register', specs);
    expect(result.counts).toEqual({ G1c: 1 });
    expect(cycleOf(result, 'G1c')).toEqual(['T0 -wr(x)-> T1', 'T1 -wr(y)-> T0']);
  });

  it('G-single: x read as nil, y read as a value written together with x', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', null],
          ['r', 'y', 1],
        ],
      },
      {
        ops: [
          ['w', 'x', 1],
          ['w', 'y', 1],
        ],
      },
    ];
    const result = check('rw-register', specs);
    expect(result.counts).toEqual({ 'G-single': 1 });
    expect(cycleOf(result, 'G-single')).toEqual(['T0 -rw(x)-> T1', 'T1 -wr(y)-> T0']);
    expect(validUnder('rw-register', specs)).toEqual(['read-uncommitted', 'read-committed']);
  });

  it('G2-item: write skew over two registers', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', null],
          ['r', 'y', null],
          ['w', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', null],
          ['r', 'y', null],
          ['w', 'y', 1],
        ],
      },
    ];
    const result = check('rw-register', specs);
    expect(result.counts).toEqual({ 'G2-item': 1 });
    expect(cycleOf(result, 'G2-item')).toEqual(['T0 -rw(y)-> T1', 'T1 -rw(x)-> T0']);
    expect(validUnder('rw-register', specs)).toEqual([
      'read-uncommitted',
      'read-committed',
      'snapshot-isolation',
    ]);
  });

  it('lost update: both read nil, both wrote', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', null],
          ['w', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', null],
          ['w', 'x', 2],
        ],
      },
    ];
    const result = check('rw-register', specs);
    expect(result.counts['lost-update']).toBe(1);
    expect(result.anomalies.find((a) => a.type === 'lost-update')!.why).toMatch(
      /T0, T1 all read key "x" as nil/,
    );
    expect(validUnder('rw-register', specs)).toEqual(['read-uncommitted', 'read-committed']);
  });

  it('internal: a read after the transaction’s own write returns something else', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['w', 'x', 1],
          ['r', 'x', 2],
        ],
      },
    ];
    expect(check('rw-register', specs).counts).toEqual({ internal: 1 });
  });

  it('garbage read: a value nobody wrote', () => {
    const specs: TxnSpec[] = [{ ops: [['r', 'x', 9]] }];
    expect(check('rw-register', specs).counts).toEqual({ 'garbage-read': 1 });
  });

  it('writes that follow reads order versions: a chain of read-modify-writes is valid and fully ordered', () => {
    const specs: TxnSpec[] = [
      {
        ops: [
          ['r', 'x', null],
          ['w', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', 1],
          ['w', 'x', 2],
        ],
      },
      {
        ops: [
          ['r', 'x', 2],
          ['w', 'x', 3],
        ],
      },
    ];
    const result = check('rw-register', specs, { consistency: 'strict-serializable' });
    expect(result.valid).toBe(true);
    expect(result.stats.edges).toMatchObject({ ww: 2, wr: 2 });
  });
});

describe('results are plain data', () => {
  it('survive JSON unchanged', () => {
    const result = check('list-append', [
      {
        ops: [
          ['r', 'x', []],
          ['r', 'y', [1]],
        ],
      },
      {
        type: 'info',
        ops: [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      },
      { ops: [['r', 'x', [1]]] },
    ]);
    expect(result.counts).toEqual({ 'G-single': 1 });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('empty histories and empty transactions are valid', () => {
    expect(check('list-append', []).valid).toBe(true);
    const result = check('rw-register', [{ ops: [] }, { ops: [['r', 'x', null]] }], {
      consistency: 'strict-serializable',
      processOrder: true,
    });
    expect(result.valid).toBe(true);
    expect(result.stats).toMatchObject({ transactions: 2, microOps: 1, keys: 1 });
  });

  it('rejects micro-ops of the other model and unknown consistency models', () => {
    expect(() => check('rw-register', [{ ops: [['append', 'x', 1]] }])).toThrow(
      /transaction 0: micro-op 1 is :append/,
    );
    expect(() => check('list-append', [{ ops: [['r', 'x', 3]] }])).toThrow(
      /a list-append read returns a list/,
    );
    expect(() => check('list-append', [], { consistency: 'linearizable' as never })).toThrow(
      /unknown consistency model/,
    );
  });
});
