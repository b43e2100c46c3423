import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRoute, systemLink } from './route';

describe('lab routes', () => {
  it('parses home, system links and their params', () => {
    expect(parseRoute('')).toEqual({ page: 'home' });
    expect(parseRoute('#/')).toEqual({ page: 'home' });
    expect(parseRoute('#/system/echo?seed=7&nodes=4')).toEqual({
      page: 'system',
      system: 'echo',
      seed: 7,
      params: { nodes: 4 },
      faults: [],
      at: 0,
    });
  });

  it('takes a bare system id for its system page, and nothing else', () => {
    expect(parseRoute('#/echo?seed=3')).toEqual(parseRoute('#/system/echo?seed=3'));
    expect(parseRoute('#/echo')).toMatchObject({ page: 'system', system: 'echo', seed: 1 });
    expect(parseRoute('#/no-such-system')).toEqual({
      page: 'error',
      message: "no page at '/no-such-system'",
    });
  });

  it('round-trips links it makes', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.nat(),
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !['seed', 't', 'faults'].includes(k)),
          fc.jsonValue(),
        ),
        (system, seed, params) => {
          const route = parseRoute(systemLink(system, seed, params));
          expect(route.page).toBe('system');
          if (route.page === 'system') {
            expect(route.system).toBe(system);
            expect(route.seed).toBe(seed);
            expect(JSON.stringify(route.params)).toBe(JSON.stringify(JSON.parse(JSON.stringify(params))));
          }
        },
      ),
    );
  });

  it('never throws on arbitrary links; bad ones become an error route with a reason', () => {
    fc.assert(
      fc.property(fc.string(), (hash) => {
        const route = parseRoute('#' + hash);
        if (route.page === 'error') expect(route.message.length).toBeGreaterThan(0);
      }),
    );
    expect(parseRoute('#/system/echo?seed=abc')).toMatchObject({
      page: 'error',
      message: /seed must be a whole number/,
    });
    expect(parseRoute('#/system/echo?x=%E0%A4%A')).toMatchObject({
      page: 'error',
      message: /not valid URL encoding/,
    });
    expect(parseRoute('#/nowhere')).toMatchObject({ page: 'error' });
  });
});
