import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SystemDefinition } from '@dslab/systems';
import { evaluateClaims } from './claims';

const fake: SystemDefinition<unknown> = {
  id: 'fake',
  title: 'Fake',
  rows: ['N1'],
  summary: 'A system whose second scenario observes something other than it expects.',
  params: z.object({}),
  scenarios: [
    {
      id: 'agrees',
      title: 'agrees',
      claim: 'c1',
      expected: 'holds',
      rows: ['N1'],
      run: () => ({ observed: 'holds', summary: 's', measurements: { x: 1 } }),
    },
    {
      id: 'differs',
      title: 'differs',
      claim: 'c2',
      expected: 'holds',
      rows: ['N1'],
      run: async () => ({ observed: 'fails', summary: 's', measurements: { x: 2 } }),
    },
  ],
};

describe('claims', () => {
  it('reports each scenario and flags the one whose observed verdict differs', async () => {
    const outcomes = await evaluateClaims([fake], { seed: 1, quick: true });
    expect(outcomes.map((o) => [o.scenario, o.agrees])).toEqual([
      ['agrees', true],
      ['differs', false],
    ]);
    expect(outcomes[1]!.observed).toBe('fails');
  });
});
