import { describe, expect, it } from 'vitest';
import { buildGraph, type ClientSpec, type FaultSpec, type ServiceSpec } from './cluster';
import { evaluateDetector } from './phi';
import { heartbeatTrace } from './heartbeats';
import { graphFromParams, resilienceParams } from './params';
import { leaf, policy } from './scenarios/common';
import type { CallPolicy } from './caller';

function oneClient(call: CallPolicy, bad: number, faults: FaultSpec[], instances = ['b']) {
  const services: ServiceSpec[] = instances.map((id) => leaf(id, 'b', 8, 8, 2, 4));
  const clients: ClientSpec[] = [
    {
      id: 'c1',
      config: {
        frontend: 'b',
        instances,
        policy: call,
        rate: [{ fromMs: 0, perSecond: 100 }],
        routes: [{ route: 'x', weight: 1 }],
        badShare: bad,
        stopAtMs: 2_000,
      },
    },
  ];
  const cluster = buildGraph(
    { services, clients, faults, latencyMs: 1, jitterMs: 1, sampleEveryMs: 0, keep: true },
    5,
  );
  cluster.world.runFor(2_500);
  return cluster;
}

const retry3: CallPolicy['retry'] = { backoff: 'full', maxAttempts: 3, baseMs: 5, capMs: 20 };

describe('callers in a graph', () => {
  it('never retries a request the server rejects as malformed', () => {
    const c = oneClient(policy({ timeoutMs: 100, retry: retry3 }), 1, []);
    const done = c.ledger.completions;
    expect(done.length).toBeGreaterThan(100);
    expect(done.every((x) => x.outcome === 'bad-request' && x.attempts === 1)).toBe(true);
  });

  it('retries errors and timeouts up to its attempts', () => {
    const refused = oneClient(policy({ timeoutMs: 100, retry: retry3 }), 0, [
      { atMs: 0, nodes: ['b'], mode: { kind: 'refuse' } },
    ]);
    expect(refused.ledger.completions.every((x) => x.outcome === 'error' && x.attempts === 3)).toBe(true);
    const blackHole = oneClient(policy({ timeoutMs: 50, retry: retry3 }), 0, [
      { atMs: 0, nodes: ['b'], mode: { kind: 'down' } },
    ]);
    expect(blackHole.ledger.completions.every((x) => x.outcome === 'timeout' && x.attempts === 3)).toBe(true);
    expect(blackHole.ledger.arrivalCounts.get('b')).toBe(3 * blackHole.ledger.requests);
  });

  it('ejects the instance that keeps failing and sends it nothing while ejected', () => {
    const c = oneClient(
      policy({ timeoutMs: 100, ejection: { consecutiveFailures: 3, ejectMs: 10_000, maxEjectedShare: 0.5 } }),
      0,
      [{ atMs: 0, nodes: ['b2'], mode: { kind: 'refuse' } }],
      ['b1', 'b2', 'b3'],
    );
    expect(c.client('c1').caller.ejections).toBe(1);
    // Round robin sends every third call to b2 until its third failure, then none.
    expect(c.ledger.arrivalCounts.get('b2')).toBe(3);
  });

  it('replays: the same params and seed give the same trace', () => {
    const params = resilienceParams.parse({ durationMs: 2_000 });
    const a = buildGraph(graphFromParams(params), 9);
    const b = buildGraph(graphFromParams(params), 9);
    a.world.runFor(2_000);
    b.world.runFor(2_000);
    expect(a.world.traceHash()).toBe(b.world.traceHash());
  });

  it('rejects a fault on a node that does not exist', () => {
    expect(() => oneClient(policy(), 0, [{ atMs: 0, nodes: ['nope'], mode: { kind: 'down' } }])).toThrow(
      /unknown service/,
    );
  });
});

describe('failure detectors on a trace', () => {
  it('a longer timeout detects later and suspects less', () => {
    const trace = heartbeatTrace(1, 3_000, 100, [
      { durationMs: 1e9, latency: { kind: 'long-tail', median: 10, p99: 200 } },
    ]);
    expect(trace.arrivedAt.length).toBe(3_000);
    for (let i = 1; i < trace.arrivedAt.length; i++)
      expect(trace.arrivedAt[i] as number).toBeGreaterThanOrEqual(trace.arrivedAt[i - 1] as number);
    const short = evaluateDetector(
      { kind: 'fixed', timeoutMs: 150 },
      trace.sentAt,
      trace.arrivedAt,
      100,
      200,
      100,
    );
    const long = evaluateDetector(
      { kind: 'fixed', timeoutMs: 600 },
      trace.sentAt,
      trace.arrivedAt,
      100,
      200,
      100,
    );
    expect(long.meanDetectionMs).toBeGreaterThan(short.meanDetectionMs);
    expect(long.falseSuspicions).toBeLessThan(short.falseSuspicions);
  });
});
