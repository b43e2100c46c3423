import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from './event-queue';
import { EventHeap } from './event-heap';

/**
 * Replays a script of pushes (delays after the current time) and pops (null) on the calendar queue and
 * on the plain heap; returns the first step where they disagree, or -1.
 */
function firstDisagreement(script: readonly (number | null)[]): number {
  const queue = new EventQueue<number>();
  const heap = new EventHeap<number>();
  let now = 0;
  for (let i = 0; i < script.length; i++) {
    const step = script[i] as number | null;
    if (step === null) {
      if (queue.size !== heap.size || queue.peekTime() !== heap.peekTime()) return i;
      if (heap.size === 0) continue;
      now = heap.peekTime();
      if (queue.pop() !== heap.pop()) return i;
    } else {
      queue.push(now + step, i);
      heap.push(now + step, i, i);
    }
  }
  while (heap.size > 0) {
    if (queue.peekTime() !== heap.peekTime() || queue.pop() !== heap.pop()) return script.length;
  }
  return queue.size === 0 && queue.peekTime() === Infinity ? -1 : script.length;
}

describe('EventQueue (calendar)', () => {
  // rng.test.ts checks the plain (time, insertion) order on random pushes.
  it('agrees with the heap on interleaved pushes and pops, ties, gaps and huge times', () => {
    const delay = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 3 }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 1e7, noNaN: true }),
      fc.constantFrom(1e300, Infinity, 2 ** 60),
    );
    fc.assert(
      fc.property(fc.array(fc.option(delay, { freq: 2 }), { maxLength: 400 }), (script) => {
        expect(firstDisagreement(script)).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the heap through width changes (long runs of steady and bursty traffic)', () => {
    for (const [seed, spread, inFlight] of [
      [1, 10, 256],
      [2, 0.001, 64],
      [3, 5000, 32],
      [4, 1, 2000],
      [5, 0, 100],
    ] as const) {
      let x = seed;
      const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const script: (number | null)[] = [];
      for (let i = 0; i < inFlight; i++) script.push(next() * spread);
      for (let i = 0; i < 60_000; i++) {
        script.push(null);
        // Sometimes a burst at the same instant, sometimes a far timer.
        const r = next();
        script.push(r < 0.05 ? 0 : r < 0.1 ? spread * 100 : next() * spread);
      }
      expect(firstDisagreement(script)).toBe(-1);
    }
  });

  it('serves an event pushed before the front (a caller that breaks time order) first', () => {
    const queue = new EventQueue<string>();
    queue.push(100, 'late');
    queue.push(200, 'later');
    expect(queue.peekTime()).toBe(100);
    queue.push(5, 'past');
    expect([queue.pop(), queue.pop(), queue.pop()]).toEqual(['past', 'late', 'later']);
  });

  it('rejects NaN and -Infinity', () => {
    expect(() => new EventQueue().push(NaN, 1)).toThrow(/time must be a number/);
    expect(() => new EventQueue().push(-Infinity, 1)).toThrow(/time must be a number/);
    expect(() => new EventQueue().pop()).toThrow(/empty/);
  });
});
