/** Quorum arithmetic, table-driven: the rule every majority decision in the node goes through. */
import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, majority, quorumValue, tallyVotes } from './quorum';

const five = ['a', 'b', 'c', 'd', 'e'];

describe('quorum arithmetic', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [7, 4],
    [9, 5],
  ])('§5.2: a majority of %i voters is %i', (voters, needed) => {
    expect(majority(voters)).toBe(needed);
  });

  it.each([
    ['a majority of the voters', ['a', 'b', 'c'], true],
    ['one short of a majority', ['a', 'b'], false],
    ['non-voters do not count', ['a', 'b', 'x', 'y', 'z'], false],
    ['all of them', five, true],
  ] as const)('hasQuorum: %s', (_name, ids, expected) => {
    expect(hasQuorum(five, new Set(ids))).toBe(expected);
  });

  it('an empty configuration has no quorum and commits nothing', () => {
    expect(hasQuorum([], new Set(['a']))).toBe(false);
    expect(quorumValue([], () => 7)).toBe(0);
  });

  it.each([
    ['§5.3: the majority-th highest match index', { a: 9, b: 7, c: 5, d: 3, e: 1 }, 5],
    ['§5.3: order does not matter', { a: 1, b: 5, c: 9, d: 3, e: 7 }, 5],
    ['§5.3: a fast minority cannot commit alone', { a: 9, b: 9, c: 0, d: 0, e: 0 }, 0],
    ['§5.3: ties', { a: 4, b: 4, c: 4, d: 2, e: 2 }, 4],
  ] as const)('committedIndex: %s', (_name, matches, expected) => {
    expect(committedIndex(five, (voter) => matches[voter as keyof typeof matches])).toBe(expected);
  });

  it('committedIndex of three voters, with a leader at 6 and followers at 4 and 2', () => {
    const match: Record<string, number> = { a: 6, b: 4, c: 2 };
    expect(committedIndex(['a', 'b', 'c'], (v) => match[v] as number)).toBe(4);
  });

  it('a configuration larger than the scratch buffer', () => {
    const voters = Array.from({ length: 40 }, (_, i) => `v${i}`);
    expect(quorumValue(voters, (v) => Number(v.slice(1)))).toBe(19); // 21st largest of 0…39
  });

  it.each([
    ['§5.2: won with a majority of grants', { a: true, b: true, c: true }, 'won'],
    ['§5.2: pending while a majority is still possible', { a: true, b: false, c: false }, 'pending'],
    ['§5.2: lost once a majority refused', { a: true, b: false, c: false, d: false }, 'lost'],
    ['§5.2: answers from outside the configuration do not count', { a: true, x: true, y: true }, 'pending'],
  ] as const)('tallyVotes: %s', (_name, answers, result) => {
    const tally = tallyVotes(five, new Map(Object.entries(answers)));
    expect(tally.result).toBe(result);
  });
});
