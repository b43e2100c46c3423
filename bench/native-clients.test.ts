import { describe, expect, it } from 'vitest';
import { parseEtcdTool, parseRedisBenchmark } from './native-clients';

// Abridged from what etcd 3.4.23's `benchmark put --precise` and redis-tools 7.0's `redis-benchmark --csv`
// print on this machine.
const etcdOut = `
Summary:
  Total:	0.5096 secs.
  Slowest:	0.0070 secs.
  Requests/sec:	5886.5908

Latency distribution:
  10% in 0.001000 secs.
  50% in 0.001612 secs.
  99% in 0.004987 secs.
  99.9% in 0.006600 secs.
`;

describe('load generator output', () => {
  it("reads etcd's benchmark summary, errors included", () => {
    expect(parseEtcdTool(etcdOut, 3000, 0.6)).toEqual({
      requests: 3000,
      errors: 0,
      writesPerSecond: 5887,
      p50Ms: 1.61,
      p99Ms: 4.99,
      loadGeneratorCores: 0.6,
    });
    const failing = `${etcdOut}\nError distribution:\n  [12]\tcontext deadline exceeded\n  [3]\tEOF\n`;
    expect(parseEtcdTool(failing, 3000, 0.6)).toMatchObject({ requests: 2985, errors: 15 });
  });

  it("reads redis-benchmark's CSV row for SET", () => {
    const out =
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
      '"SET","3121.75","3.146","0.784","2.655","6.695","9.607","25.119"\n';
    expect(parseRedisBenchmark(out, 3000, 0.02)).toEqual({
      requests: 3000,
      errors: 0,
      writesPerSecond: 3122,
      p50Ms: 2.655,
      p99Ms: 9.607,
      loadGeneratorCores: 0.02,
    });
  });

  it('says what is missing when a tool printed something else', () => {
    expect(() => parseEtcdTool('dial tcp: connection refused', 10, 0)).toThrow(/no Requests\/sec/);
    expect(() => parseRedisBenchmark('WARNING: Could not fetch server CONFIG', 10, 0)).toThrow(/no SET row/);
  });
});
