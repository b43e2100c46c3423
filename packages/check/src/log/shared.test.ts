// Shared (queue-style) consumers: valid generated histories pass, each injected defect is found alone,
// the rules by hand, bad shapes rejected clearly, and a million operations in seconds.
import { Rng } from '@dslab/sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLog } from './check';
import { generateSharedLogHistory } from './generate-shared';
import { LOG_INJECTORS } from './inject';
import { LogRecorder } from './recorder';
import { LOG_FINDING_KINDS, type LogHistory, type LogOp, type SharedConsumer } from './types';
import { LogHistoryError, validateLogHistory } from './validate';

const SHARED_KINDS = [
  'undelivered',
  'duplicate-delivery',
  'redelivered-after-ack',
  'delivery-order',
] as const;

const arbitraryShared = (ordered: fc.Arbitrary<boolean>) =>
  fc.record({
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    sends: fc.integer({ min: 30, max: 300 }),
    workers: fc.integer({ min: 1, max: 4 }),
    keys: fc.integer({ min: 1, max: 8 }),
    maxBatch: fc.integer({ min: 1, max: 8 }),
    ordered,
    counts: fc.boolean(),
  });

const queue: SharedConsumer = { kind: 'shared', name: 'q' };

describe('shared consumers on generated histories', () => {
  it('finds nothing wrong in a valid history, and counts redeliveries', () => {
    let redelivered = 0;
    fc.assert(
      fc.property(arbitraryShared(fc.boolean()), (options) => {
        const result = checkLog(generateSharedLogHistory(options), { drained: true });
        expect(result.findings).toEqual([]);
        expect(result.stats.shared.consumers).toBe(1);
        redelivered += result.stats.shared.redeliveries;
      }),
      { numRuns: 150 },
    );
    expect(redelivered).toBeGreaterThan(0);
  });

  it.each(SHARED_KINDS.map((kind) => [kind]))('an injected %s trips that check and no other', (kind) => {
    let injected = 0;
    const ordered = kind === 'delivery-order' ? fc.constant(true) : fc.boolean();
    fc.assert(
      fc.property(arbitraryShared(ordered), fc.integer({ min: 0, max: 1_000 }), (options, pick) => {
        const counts = kind === 'duplicate-delivery' ? { counts: true } : {};
        const broken = LOG_INJECTORS[kind](
          generateSharedLogHistory({ ...options, ...counts }),
          new Rng(pick),
        );
        if (broken === undefined) return;
        injected++;
        const result = checkLog(broken, { drained: true });
        for (const other of LOG_FINDING_KINDS)
          expect(result.counts[other], `${other}: ${JSON.stringify(result.findings[0])}`).toBe(
            other === kind ? result.counts[kind] : 0,
          );
        expect(result.counts[kind]).toBeGreaterThan(0);
        const finding = result.findings.find((f) => f.kind === kind);
        for (const ref of finding?.records ?? []) expect(broken[ref.op]?.type).toBe(ref.type);
      }),
      { numRuns: 60 },
    );
    expect(injected).toBeGreaterThan(30);
  });

  it('the group injectors leave the workers alone and still break the plain read beside them', () => {
    const history = generateSharedLogHistory({ seed: 3, sends: 200 });
    for (const kind of ['offset-backwards', 'offset-skip', 'duplicate', 'disagreement'] as const) {
      const broken = LOG_INJECTORS[kind](history, new Rng(1));
      if (broken !== undefined) expect(checkLog(broken, { drained: true }).valid, kind).toBe(false);
    }
  });
});

/** Three acknowledged sends k/a, k/b, k/c at offsets 1, 2, 3. */
function threeSends(): LogRecorder {
  const r = new LogRecorder();
  for (const [i, v] of ['a', 'b', 'c'].entries()) r.complete(r.send('p', 't', 'k', v), 'ok', 0, i + 1);
  return r;
}
const rec = (offset: number, value: string, delivery?: number) => ({
  offset,
  key: 'k',
  value,
  ...(delivery !== undefined ? { delivery } : {}),
});

describe('shared consumer rules by hand', () => {
  it('a nak or a lost ack explains a redelivery; interleaved workers are not skips or steps back', () => {
    const r = threeSends();
    r.poll('w1', 't', 0, [rec(1, 'a', 1), rec(3, 'c', 1)], { consumer: queue });
    r.poll('w2', 't', 0, [rec(2, 'b', 1)], { consumer: queue });
    r.ack('w1', 'q', 't', 'a', 'nak', 'ok');
    r.ack('w1', 'q', 't', 'c', 'ack', 'unknown');
    r.ack('w2', 'q', 't', 'b', 'ack', 'ok');
    r.poll('w2', 't', 0, [rec(1, 'a', 2), rec(3, 'c', 2)], { consumer: queue });
    r.ack('w2', 'q', 't', 'a', 'ack', 'ok');
    r.ack('w2', 'q', 't', 'c', 'term', 'ok');
    const result = checkLog(r.history(), { drained: true });
    expect(result.findings).toEqual([]);
    expect(result.stats.shared).toEqual({
      consumers: 1,
      deliveries: 5,
      redeliveries: 2,
      acks: 3,
      confirmed: 3,
      naks: 1,
      terms: 1,
    });
    expect(result.stats.redelivered).toBe(0);
  });

  it('a delivery fetched after the ack was confirmed is redelivered-after-ack; one fetched before is not', () => {
    const r = threeSends();
    r.poll('w1', 't', 0, [rec(1, 'a')], { consumer: queue });
    const invoked = r.size; // w2's fetch is under way while w1's ack is confirmed
    r.ack('w1', 'q', 't', 'a', 'ack', 'ok');
    r.poll('w2', 't', 0, [rec(1, 'a')], { consumer: queue, invoked });
    expect(checkLog(r.history()).valid).toBe(true);
    r.poll('w3', 't', 0, [rec(1, 'a')], { consumer: queue });
    const result = checkLog(r.history());
    expect(result.counts['redelivered-after-ack']).toBe(1);
    expect(result.findings[0]?.records.map((x) => [x.op, x.type])).toEqual([
      [5, 'poll'],
      [4, 'ack'],
      [6, 'poll'],
    ]);
  });

  it('one delivery count handed out twice is a duplicate-delivery; without counts it is a redelivery', () => {
    const r = threeSends();
    r.poll('w1', 't', 0, [rec(1, 'a', 1)], { consumer: queue });
    r.poll('w2', 't', 0, [rec(1, 'a', 1)], { consumer: queue });
    const result = checkLog(r.history());
    expect(result.counts['duplicate-delivery']).toBe(1);
    expect(result.findings[0]?.message).toMatch(/"a" as delivery 1 twice: to w1 \(operation 3\) and to w2/);
    const plain = threeSends();
    plain.poll('w1', 't', 0, [rec(1, 'a')], { consumer: queue });
    plain.poll('w2', 't', 0, [rec(1, 'a')], { consumer: queue });
    expect(checkLog(plain.history()).stats.shared.redeliveries).toBe(1);
  });

  it('drained: a record of the topic the group never got is undelivered, even one from an unknown send', () => {
    const r = threeSends();
    r.send('p', 't', 'k', 'd'); // unknown outcome, but the final read finds it written
    r.poll('w1', 't', 0, [rec(1, 'a'), rec(3, 'c')], { consumer: queue });
    r.poll('all', 't', 0, [rec(1, 'a'), rec(2, 'b'), rec(3, 'c'), rec(4, 'd')]);
    expect(checkLog(r.history()).valid).toBe(true); // not drained: b and d may still come
    const result = checkLog(r.history(), { drained: true });
    expect(result.counts.undelivered).toBe(2);
    expect(result.counts.lost).toBe(0);
    expect(result.findings.map((f) => f.records[0]?.value)).toEqual(['b', 'd']);
  });

  it('ordered: a key delivered backwards is a delivery-order finding, unless the fetches overlapped', () => {
    const ordered: SharedConsumer = { kind: 'shared', name: 'q', ordered: true };
    const r = threeSends();
    const invoked = r.size;
    r.poll('w1', 't', 0, [rec(2, 'b')], { consumer: ordered });
    r.poll('w2', 't', 0, [rec(1, 'a')], { consumer: ordered, invoked }); // may have come first
    expect(checkLog(r.history()).valid).toBe(true);
    r.poll('w1', 't', 0, [rec(3, 'c'), rec(2, 'b')], { consumer: ordered });
    expect(checkLog(r.history()).counts['delivery-order']).toBe(1); // b after c in one fetch
    r.poll('w3', 't', 0, [rec(1, 'a')], { consumer: ordered });
    const result = checkLog(r.history());
    expect(result.counts['delivery-order']).toBe(2);
    expect(result.findings[1]?.message).toMatch(
      /key "k" at offset 1 \(operation 6\) after offset 3 \(operation 5\)/,
    );
    // The same deliveries on an unordered consumer are fine.
    const loose = r.history().map((op) => (op.type === 'poll' ? { ...op, consumer: queue } : op));
    expect(checkLog(loose).valid).toBe(true);
  });
});

describe('shared consumer shapes', () => {
  const poll = { type: 'poll', process: 'w', topic: 't', partition: 0, records: [] };
  const cases: [string, unknown[], RegExp][] = [
    ['a consumer that is not an object', [{ ...poll, consumer: 'q' }], /consumer must be an object/],
    // JSON can say this; String() throws a TypeError on it (found by the fuzz below).
    [
      'a type that cannot be printed',
      JSON.parse('[{"type": {"toString": ""}}]') as unknown[],
      /got \{"toString":""\}/,
    ],
    [
      'a kind that cannot be printed',
      [{ ...poll, consumer: { kind: { toString: '' }, name: 'q' } }],
      /"shared"/,
    ],
    ['a consumer of another kind', [{ ...poll, consumer: { kind: 'group', name: 'q' } }], /"shared"/],
    ['a consumer without a name', [{ ...poll, consumer: { kind: 'shared' } }], /consumer.name/],
    ['a shared poll with a group', [{ ...poll, group: 'g', consumer: queue }], /no group or reset/],
    ['invoked after the poll', [{ ...poll, consumer: queue, invoked: 3 }], /invoked must be/],
    ['invoked on a plain poll', [{ ...poll, invoked: 0 }], /invoked belongs to polls of a shared/],
    [
      'a delivery count of 0',
      [{ ...poll, consumer: queue, records: [{ offset: 1, key: null, value: 'v', delivery: 0 }] }],
      /delivery count must be a positive integer/,
    ],
    [
      'a delivery count on a plain poll',
      [{ ...poll, records: [{ offset: 1, key: null, value: 'v', delivery: 1 }] }],
      /delivery counts belong/,
    ],
    [
      'one consumer on two topics',
      [
        { ...poll, consumer: queue },
        { ...poll, topic: 'u', consumer: queue },
      ],
      /operation 1: shared consumer "q" was declared by operation 0/,
    ],
    [
      'an ack of a message never delivered to that worker',
      [
        { ...poll, consumer: queue, records: [{ offset: 1, key: null, value: 'v' }] },
        { type: 'ack', process: 'w2', consumer: 'q', topic: 't', value: 'v', kind: 'ack', outcome: 'ok' },
      ],
      /operation 1: w2 settles "v", which "q" never delivered to it before/,
    ],
    [
      'an ack of an undeclared consumer',
      [{ type: 'ack', process: 'w', consumer: 'z', topic: 't', value: 'v', kind: 'ack', outcome: 'ok' }],
      /no poll before it read for shared consumer "z"/,
    ],
    [
      'an ack of an unknown kind',
      [{ type: 'ack', process: 'w', consumer: 'q', topic: 't', value: 'v', kind: 'nack', outcome: 'ok' }],
      /kind must be ack, nak or term/,
    ],
  ];
  it.each(cases)('%s is a clear error', (_name, history, message) => {
    expect(() => checkLog(history as unknown as LogHistory)).toThrow(LogHistoryError);
    expect(() => checkLog(history as unknown as LogHistory)).toThrow(message);
  });

  it('fuzzed input (valid operations with fields replaced by anything) is judged or rejected, never crashes', () => {
    const base = generateSharedLogHistory({ seed: 5, sends: 12, workers: 2, ordered: true }) as LogOp[];
    const fields = ['type', 'process', 'topic', 'consumer', 'records', 'invoked', 'value', 'kind', 'outcome'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.nat(base.length - 1),
            field: fc.constantFrom(...fields),
            value: fc.anything(),
            inner: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (edits) => {
          const history: unknown[] = base.map((op) => ({ ...op }));
          for (const edit of edits) {
            const op = history[edit.at] as Record<string, unknown>;
            const records = op.records;
            if (edit.inner && Array.isArray(records) && records.length > 0)
              op.records = [
                { ...(records[0] as object), [edit.field === 'type' ? 'delivery' : 'offset']: edit.value },
              ];
            else if (edit.inner && op.consumer !== undefined)
              op.consumer = { ...(op.consumer as object), [edit.field]: edit.value };
            else op[edit.field] = edit.value;
          }
          try {
            const result = checkLog(validateLogHistory(history));
            expect(typeof result.valid).toBe('boolean');
          } catch (error) {
            expect(error).toBeInstanceOf(LogHistoryError);
          }
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          checkLog(input as LogHistory);
        } catch (error) {
          expect(error).toBeInstanceOf(LogHistoryError);
        }
      }),
    );
  });
});

describe('shared consumers at scale', () => {
  it('checks a million operations of workers sharing one consumer', () => {
    const history = generateSharedLogHistory({
      seed: 11,
      sends: 440_000,
      workers: 6,
      keys: 1_000,
      maxBatch: 20,
    });
    expect(history.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const result = checkLog(history, { drained: true });
    const ms = performance.now() - started;
    expect(result.valid).toBe(true);
    expect(result.stats.shared.deliveries).toBeGreaterThan(440_000);
    console.log(`shared consumer: ${history.length} operations checked in ${Math.round(ms)} ms`);
  }, 60_000);
});
