// `dslab workbench`: every bad flag is one error line (fuzzed), presets merge under the flags, and the
// command runs end to end — a demo node built and run (valid, exit 0, the three files written), its
// recording replayed faithfully, a broken node rejected (exit 1), and dslab's Raft node valid on lin-kv
// under partitions.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../main';
import { selfCommand } from './cluster';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  process.exitCode = 0;
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    process.exitCode = 0;
  }
}

const flags = [
  '--node-count',
  '--time-limit',
  '--rate',
  '--latency',
  '--latency-dist',
  '--nemesis',
  '--nemesis-interval',
  '--topology',
  '--consistency-models',
  '--seed',
  '--preset',
  '-w',
] as const;

describe('dslab workbench test: flags', () => {
  it('any value of any flag either resolves or is refused with one error line (exit 2)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(...flags),
            fc.oneof(
              fc.string(),
              fc.constantFrom(
                '5',
                '0.5',
                '0',
                'tree',
                'kill,pause',
                'broadcast-efficiency',
                'echo',
                'none',
                '1e3',
                '-1',
              ),
            ),
          ),
          {
            maxLength: 4,
          },
        ),
        async (pairs) => {
          const argv = ['workbench', 'test', '--bin', 'true', '--dry-run'];
          if (!pairs.some(([f]) => f === '-w' || f === '--preset')) argv.push('-w', 'echo');
          for (const [flag, value] of pairs) argv.push(flag, value);
          const { code, out, err } = await run(...argv);
          expect([0, 2]).toContain(code);
          if (code === 0) {
            const options = JSON.parse(out) as { nodeCount: number; rate: number };
            expect(options.nodeCount).toBeGreaterThanOrEqual(1);
            expect(options.rate).toBeGreaterThan(0);
          } else {
            const lines = err.trim().split('\n');
            expect(lines, err).toHaveLength(1);
            expect(lines[0]).toMatch(/^dslab: /);
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it('says what is wrong, and flags win over a preset', async () => {
    const bad = async (...argv: string[]) => {
      const r = await run('workbench', 'test', '--dry-run', ...argv);
      expect(r.code).toBe(2);
      return r.err.trim();
    };
    expect(await bad('-w', 'nope', '--bin', 'x')).toMatch(
      /unknown workload 'nope' \(known: echo, .*broadcast/,
    );
    expect(await bad('-w', 'echo')).toMatch(/--bin is required/);
    expect(await bad('--bin', 'x')).toMatch(/--workload is required/);
    expect(await bad('-w', 'echo', '--bin', 'x', '--rate', '1e3')).toMatch(
      /--rate expects a number, got '1e3'/,
    );
    expect(await bad('-w', 'echo', '--bin', 'x', '--nemesis', 'partition,flood')).toMatch(
      /unknown nemesis 'flood'/,
    );
    expect(await bad('-w', 'echo', '--bin', 'x', '--node-count', '500')).toMatch(
      /--node-count must be 1..100/,
    );
    expect(await bad('--preset', 'broadcast-speed', '--bin', 'x')).toMatch(
      /unknown preset 'broadcast-speed'/,
    );
    expect(await bad('--preset', 'broadcast-efficiency', '-w', 'echo', '--bin', 'x')).toMatch(
      /is for the broadcast workload/,
    );
    const ok = await run(
      'workbench',
      'test',
      '--preset',
      'broadcast-efficiency',
      '--rate',
      '50',
      '--bin',
      'x',
      '--dry-run',
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      workload: 'broadcast',
      nodeCount: 25,
      latencyMs: 100,
      rate: 50,
      timeLimitS: 20,
      preset: 'broadcast-efficiency',
    });
  });
});

describe('dslab workbench end to end', () => {
  it('builds the echo demo, runs it (valid, files written), replays it faithfully; a broadcast node that forgets to forward exits 1', async () => {
    const demo = await run('workbench', 'demo', 'echo');
    expect(demo.code, demo.err).toBe(0);
    const bin = demo.out.trim();
    expect(bin).toMatch(/echo\.mjs$/);
    const out = mkdtempSync(join(tmpdir(), 'dslab-workbench-cli-'));
    const echo = await run(
      'workbench',
      'test',
      '-w',
      'echo',
      '--bin',
      bin,
      '--node-count',
      '2',
      '--time-limit',
      '1.5',
      '--rate',
      '40',
      '--out',
      out,
    );
    expect(echo.code, echo.out + echo.err).toBe(0);
    expect(echo.out).toMatch(/^echo: valid — /);
    expect(echo.out).toMatch(/availability 100\.0 %/);
    expect(echo.out).toMatch(/latency: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, max \d+ ms/);
    expect(echo.out).toMatch(/messages: \d+ \([\d.]+ per operation\); between nodes 0 \(0 per operation\)/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      valid: boolean;
      timeline: unknown[];
    };
    expect(results.valid).toBe(true);
    expect(results.timeline.length).toBeGreaterThan(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/echo: <span class="valid">valid/);
    expect(html).toMatch(/Message timeline/);
    expect(existsSync(join(out, 'deliveries.jsonl'))).toBe(true);
    const replay = await run('workbench', 'replay', out);
    expect(replay.code, replay.out).toBe(0);
    expect(replay.out).toMatch(/^replay: faithful — replayed all \d+ records/);
    expect(replay.out).toMatch(/cannot replay a node's own timers or randomness/);

    const broken = await run('workbench', 'demo', 'broadcast', '--broken', 'no-forward');
    const bad = await run(
      'workbench',
      'test',
      '-w',
      'broadcast',
      '--bin',
      broken.out.trim(),
      '--node-count',
      '3',
      '--time-limit',
      '1.5',
      '--rate',
      '30',
      '--out',
      out,
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(
      /^broadcast: INVALID — \d+ of \d+ acknowledged messages missing from final reads/,
    );
    expect((await run('workbench', 'demo', 'nope')).err).toMatch(
      /no demo node 'nope' \(known: .*echo.*raft\)/,
    );
    expect((await run('workbench', 'replay', join(out, 'missing'))).code).toBe(2);
  }, 90_000);

  it("dslab's Raft node, started by the CLI, is linearizable on lin-kv under partitions", async () => {
    const bin = [...selfCommand(), 'workbench', 'node', 'raft'].map((s) => JSON.stringify(s)).join(' ');
    const out = mkdtempSync(join(tmpdir(), 'dslab-workbench-raft-'));
    const r = await run(
      'workbench',
      'test',
      '-w',
      'lin-kv',
      '--bin',
      bin,
      '--node-count',
      '3',
      '--time-limit',
      '5',
      '--rate',
      '20',
      '--latency',
      '5',
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '1.5',
      '--out',
      out,
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^lin-kv: valid — \d+ operations \(\d+ ok\) linearizable on every key/);
    expect(r.out).toMatch(/faults: [1-9]\d* \(partition\)/);
  }, 120_000);
});
