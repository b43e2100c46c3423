import { Rng } from '@dslab/sim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLog } from './check';
import { generateLogHistory } from './generate';
import { LOG_INJECTORS } from './inject';
import { LogRecorder } from './recorder';
import { LOG_FINDING_KINDS, SHARED_CONSUMER_FINDING_KINDS, type LogHistory } from './types';
import { LogHistoryError } from './validate';

const arbitraryOptions = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  sends: fc.integer({ min: 40, max: 400 }),
  partitions: fc.integer({ min: 1, max: 6 }),
  producers: fc.integer({ min: 1, max: 4 }),
  keys: fc.integer({ min: 1, max: 10 }),
  consumers: fc.integer({ min: 1, max: 4 }),
  maxBatch: fc.integer({ min: 3, max: 10 }),
});

describe('checkLog on generated histories', () => {
  it('finds nothing wrong in a valid history', () => {
    fc.assert(
      fc.property(arbitraryOptions, (options) => {
        const result = checkLog(generateLogHistory(options), { drained: true });
        expect(result.findings).toEqual([]);
        expect(result.valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  // The shared consumers' kinds have their own generator and tests (shared.test.ts).
  const groupKinds = LOG_FINDING_KINDS.filter(
    (kind) => !(SHARED_CONSUMER_FINDING_KINDS as readonly string[]).includes(kind),
  );
  it.each(groupKinds.map((kind) => [kind]))('finds an injected %s, naming its records', (kind) => {
    let injected = 0;
    fc.assert(
      fc.property(arbitraryOptions, fc.integer({ min: 0, max: 1_000 }), (options, pick) => {
        const broken = LOG_INJECTORS[kind](generateLogHistory(options), new Rng(pick));
        if (broken === undefined) return;
        injected++;
        const result = checkLog(broken, { drained: true });
        expect(result.valid).toBe(false);
        expect(result.counts[kind], JSON.stringify(result.counts)).toBeGreaterThan(0);
        const finding = result.findings.find((f) => f.kind === kind);
        expect(finding?.records.length).toBeGreaterThan(0);
        for (const ref of finding?.records ?? []) expect(broken[ref.op]?.type).toBe(ref.type);
      }),
      { numRuns: 60 },
    );
    expect(injected).toBeGreaterThan(30);
  });
});

describe('checkLog findings by hand', () => {
  it('a send acknowledged at offset 1 that nobody read, while offset 2 was read, is lost', () => {
    const r = new LogRecorder();
    for (let i = 0; i < 3; i++) r.complete(r.send('p', 't', 'k', `v${i}`), 'ok', 0, i);
    r.poll('c', 't', 0, [{ offset: 0, key: 'k', value: 'v0' }], { reset: true });
    r.poll('c', 't', 0, [{ offset: 2, key: 'k', value: 'v2' }]);
    const result = checkLog(r.history());
    expect(result.counts.lost).toBe(1);
    expect(result.counts['offset-skip']).toBe(1);
    const lost = result.findings.find((f) => f.kind === 'lost');
    expect(lost?.message).toMatch(/"v1".*t\/0@1.*never read though offsets up to 2/);
    expect(lost?.records).toEqual([
      { op: 1, type: 'send', process: 'p', partition: 0, offset: 1, key: 'k', value: 'v1' },
    ]);
  });

  it('without drained, a send at the end of the log that nobody read yet is not lost; with drained it is', () => {
    const r = new LogRecorder();
    r.complete(r.send('p', 't', 'k', 'v0'), 'ok', 0, 0);
    expect(checkLog(r.history()).valid).toBe(true);
    expect(checkLog(r.history(), { drained: true }).counts.lost).toBe(1);
  });

  it('retries that reorder one key are an order finding naming both sends', () => {
    const r = new LogRecorder();
    const a = r.send('p', 't', 'k', 'a');
    const b = r.send('p', 't', 'k', 'b');
    r.complete(b, 'ok', 0, 0);
    r.complete(a, 'ok', 0, 1);
    const result = checkLog(r.history());
    expect(result.counts.order).toBe(1);
    expect(result.findings[0]?.records.map((x) => x.value)).toEqual(['a', 'b']);
  });

  it('a key that moved partitions (partitions added) is an order finding', () => {
    const r = new LogRecorder();
    r.complete(r.send('p', 't', 'k', 'a'), 'ok', 0, 0);
    r.complete(r.send('p', 't', 'k', 'b'), 'ok', 3, 0);
    expect(checkLog(r.history()).findings[0]?.message).toMatch(/different partitions/);
  });

  it('a consumer that committed past records it never returned breaks at-least-once', () => {
    const r = new LogRecorder();
    for (let i = 0; i < 4; i++) r.complete(r.send('p', 't', null, `v${i}`), 'ok', 0, i);
    r.poll('c1', 't', 0, [{ offset: 0, key: null, value: 'v0' }], { group: 'g', reset: true });
    r.commit('g', 't', 0, 3, 'c1'); // committed 1 and 2 before processing them, then crashed
    r.poll('c2', 't', 0, [{ offset: 3, key: null, value: 'v3' }], { group: 'g', reset: true });
    const result = checkLog(r.history());
    expect(result.counts['committed-unread']).toBe(2);
    expect(result.counts.lost).toBe(2);
  });

  it('skipping aborted records is not a skip; returning one to read_committed is a finding', () => {
    const r = new LogRecorder();
    r.complete(r.send('p', 't', null, 'v0'), 'ok', 0, 0);
    r.complete(r.send('p', 't', null, 'x'), 'aborted', 0, 1);
    r.complete(r.send('p', 't', null, 'v2'), 'ok', 0, 3); // offset 2 is the abort marker
    r.poll('c', 't', 0, [{ offset: 0, key: null, value: 'v0' }], {
      reset: true,
      isolation: 'read_committed',
    });
    r.poll('c', 't', 0, [{ offset: 3, key: null, value: 'v2' }], { isolation: 'read_committed' });
    expect(checkLog(r.history()).valid).toBe(true);
    r.poll('d', 't', 0, [{ offset: 1, key: null, value: 'x' }], { reset: true, isolation: 'read_committed' });
    expect(checkLog(r.history()).counts['aborted-read']).toBe(1);
  });

  it('compacted topics may skip offsets', () => {
    const r = new LogRecorder();
    for (let i = 0; i < 3; i++) r.complete(r.send('p', 'c', 'k', `v${i}`), 'ok', 0, i);
    r.poll(
      'a',
      'c',
      0,
      [0, 1, 2].map((o) => ({ offset: o, key: 'k', value: `v${o}` })),
      { reset: true },
    );
    r.poll('b', 'c', 0, [{ offset: 0, key: 'k', value: 'v0' }], { reset: true });
    r.poll('b', 'c', 0, [{ offset: 2, key: 'k', value: 'v2' }]);
    expect(checkLog(r.history()).counts['offset-skip']).toBe(1);
    expect(checkLog(r.history(), { gapsAllowed: ['c'] }).valid).toBe(true);
  });

  it('keeps the first findings of each kind but counts them all', () => {
    const r = new LogRecorder();
    for (let i = 0; i < 100; i++) r.complete(r.send('p', 't', null, `v${i}`), 'ok', 0, i);
    const result = checkLog(r.history(), { drained: true, maxFindingsPerKind: 3 });
    expect(result.counts.lost).toBe(100);
    expect(result.findings).toHaveLength(3);
  });
});

describe('bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an array', { type: 'send' }, /array of operations/],
    ['an unknown type', [{ type: 'read' }], /operation 0: type must be send, poll, commit or ack/],
    [
      'a bad outcome',
      [{ type: 'send', process: 'p', topic: 't', key: null, value: 'v', outcome: 'maybe' }],
      /outcome/,
    ],
    [
      'an offset without a partition',
      [{ type: 'send', process: 'p', topic: 't', key: null, value: 'v', outcome: 'ok', offset: 1 }],
      /needs its partition/,
    ],
    ['a negative offset', [{ type: 'commit', group: 'g', topic: 't', partition: 0, offset: -1 }], /offset/],
    [
      'a record without a value',
      [{ type: 'poll', process: 'c', topic: 't', partition: 0, records: [{ offset: 0, key: null }] }],
      /record value/,
    ],
  ];
  it.each(cases)('%s is a clear error', (_name, history, message) => {
    expect(() => checkLog(history as LogHistory)).toThrow(LogHistoryError);
    expect(() => checkLog(history as LogHistory)).toThrow(message);
  });

  it('a value sent twice is an error (values identify records)', () => {
    const r = new LogRecorder();
    r.send('p', 't', null, 'v');
    r.send('q', 't', null, 'v');
    expect(() => checkLog(r.history())).toThrow(/operation 1: value "v" was already sent by operation 0/);
  });
});

describe('at scale', () => {
  it('checks a million operations', () => {
    const history = generateLogHistory({
      seed: 7,
      sends: 770_000,
      partitions: 12,
      producers: 8,
      keys: 1_000,
      consumers: 6,
      maxBatch: 20,
    });
    expect(history.length).toBeGreaterThan(1_000_000);
    const result = checkLog(history, { drained: true });
    expect(result.valid).toBe(true);
    expect(result.stats.operations).toBe(history.length);
  }, 60_000);
});
