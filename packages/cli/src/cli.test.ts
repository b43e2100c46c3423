import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { main } from './main';
import { collectParam, parseCount } from './options';

const bin = fileURLToPath(new URL('../bin/dslab.js', import.meta.url));

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
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
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
    stdout.mockRestore();
    process.exitCode = 0;
  }
}

describe('dslab CLI', () => {
  it('lists systems', async () => {
    const { code, out } = await run('list');
    expect(code).toBe(0);
    expect(out).toMatch(/echo/);
  });

  it('lists the catalog from its one typed source, with each row status and its systems', async () => {
    const { code, out } = await run('list', '--catalog', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { id: string; status: string; systems: string[] }[];
    const raft = rows.find((row) => row.id === 'A1');
    expect(raft?.systems).toContain('raft');
    expect(raft?.status).toBe('done');
    // A row no system implements cannot claim to be done.
    for (const row of rows)
      if (row.systems.length === 0 && row.id[0] !== 'N') expect(row.status).toBe('planned');
  });

  it('runs a scenario and exits 0 when observed matches expected', async () => {
    const { code, out } = await run('run', 'echo', 'rtt-is-two-latencies', '--seed', '2', '--quick');
    expect(code).toBe(0);
    expect(out).toMatch(/expected: holds\s+observed: holds/);
  });

  it('a free run is reproducible from its seed (same trace hash)', async () => {
    const a = await run('run', 'echo', '--seed', '9', '--json');
    const b = await run('run', 'echo', '--seed', '9', '--json');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out).traceHash).toBe(JSON.parse(b.out).traceHash);
  });

  it('fuzz exits 1 and names the replay command when a mutant is caught', async () => {
    const { code, out } = await run(
      'fuzz',
      'echo',
      '--seeds',
      '4',
      '--mutant',
      'wrong-reply',
      '--workers',
      '1',
    );
    expect(code).toBe(1);
    expect(out).toMatch(/replay: dslab replay echo --seed \d+ --mutant wrong-reply/);
  });

  it('replay reproduces a failing fuzz seed exactly (same trace hash)', async () => {
    const fuzz = await run(
      'fuzz',
      'echo',
      '--seeds',
      '3',
      '--start',
      '5',
      '--mutant',
      'wrong-reply',
      '--json',
      '--workers',
      '1',
    );
    expect(fuzz.code).toBe(1);
    const failure = (JSON.parse(fuzz.out) as { failures: { seed: number; traceHash: string }[] })
      .failures[0]!;
    const replay = await run('replay', 'echo', '--seed', String(failure.seed), '--mutant', 'wrong-reply');
    expect(replay.code).toBe(1);
    expect(replay.out).toMatch(/VIOLATION/);
    expect(replay.out).toContain(`trace ${failure.traceHash}`);
  });

  it('bad input: one clear line and exit 2, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'nope'], /unknown system 'nope'/],
      [['run', 'echo', 'nope'], /unknown scenario 'nope'/],
      [['run', 'echo', '--seed', '-1'], /whole number/],
      [['run', 'echo', '--seed', '1e3'], /whole number/],
      [['run', 'echo', '--param', 'nodes=0'], /invalid params for echo: nodes/],
      [['run', 'echo', '--params', '{bad'], /not valid JSON/],
      [['run', 'echo', '--frobnicate'], /unknown option '--frobnicate'/],
      [['fuzz', 'echo', '--seeds', '0'], /≥ 1/],
      [['fuzz', 'echo', '--mutant', 'nope'], /unknown mutant 'nope'/],
      [['replay', 'echo'], /required option '--seed <n>'/],
      [['teleport'], /unknown command 'teleport'/],
      [
        ['serve', 'echo', '--id', 'n1', '--listen', '127.0.0.1:0', '--data-dir', '/tmp/x'],
        /cluster token is required/,
      ],
      [
        ['serve', 'echo', '--id', 'n1', '--listen', '10.1.2.3:7000', '--data-dir', '/tmp/x', '--token', 't'],
        /not a loopback address/,
      ],
      [
        [
          'serve',
          'echo',
          '--id',
          'n1',
          '--listen',
          '127.0.0.1:7000',
          '--peers',
          'n2',
          '--data-dir',
          '/tmp/x',
          '--token',
          't',
        ],
        /expected id=host:port/,
      ],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err, argv.join(' ')).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it('the installed bin sets the process exit code', () => {
    const ok = spawnSync(process.execPath, [bin, 'list'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'run', 'echo', '--seed', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('option parsers (fuzzed)', () => {
  it('parseCount accepts exactly the decimal whole numbers and fails cleanly on the rest', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const n = parseCount(text);
          expect(/^\d+$/.test(text)).toBe(true);
          expect(n).toBe(Number(text));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArgumentError);
        }
      }),
    );
  });

  it('collectParam splits at the first = and never throws anything but a usage error', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, value) => {
        try {
          const result = collectParam(`${key}=${value}`);
          expect(Object.keys(result)).toHaveLength(1);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArgumentError);
        }
      }),
    );
  });
});
