import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';
import { parseShard, takeShard } from './shard';
import { shardFileSchema } from './files';

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = 0;
  try {
    const code = await main(argv);
    return { code: code ?? Number(process.exitCode ?? 0), out: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
    process.exitCode = 0;
  }
}

describe('--shard i/n', () => {
  it('parses i/n and refuses anything else with a clear message', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', '1/0', '1', '/3', '1/3/4', ' 1/3', '1.5/3', '-1/3', ''])
      expect(() => parseShard(bad)).toThrow(/i\/n|1 ≤ i ≤ n/);
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const shard = parseShard(text);
          return shard.index >= 1 && shard.index <= shard.count;
        } catch (error) {
          return error instanceof Error && error.message.length > 0;
        }
      }),
    );
  });

  it('splits any list into n disjoint slices that together are the list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        (items, count) => {
          const slices = Array.from({ length: count }, (_, i) => takeShard(items, { index: i + 1, count }));
          const merged = slices.flat();
          expect(merged.length).toBe(items.length);
          expect([...merged].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
          for (const slice of slices) expect(Math.abs(slice.length - items.length / count)).toBeLessThan(1);
        },
      ),
    );
  });
});

describe('dslab merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dslab-shards-'));

  it('three fuzz shards merged equal one run: the same seeds, the same failing seeds and messages', async () => {
    const args = [
      'fuzz',
      'echo',
      '--seeds',
      '12',
      '--start',
      '3',
      '--mutant',
      'count-late-reply',
      '--workers',
      '1',
    ];
    const whole = await run(...args, '--json');
    const one = JSON.parse(whole.out) as { seeds: number; failures: { seed: number; failure: string }[] };
    expect(one.failures.length).toBeGreaterThan(0);
    const files: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const file = join(dir, `fuzz-${i}.json`);
      files.push(file);
      await run(...args, '--shard', `${i}/3`, '--out', file, '--json');
      expect(shardFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).shard).toEqual({
        index: i,
        count: 3,
      });
    }
    const merged = await run('merge', ...files, '--json');
    expect(merged.code).toBe(1);
    const sum = JSON.parse(merged.out) as { seeds: number; failures: unknown[]; complete: boolean };
    expect(sum.seeds).toBe(one.seeds);
    expect(sum.complete).toBe(true);
    expect(sum.failures).toEqual([...one.failures].sort((a, b) => a.seed - b.seed));
    // A missing shard, a shard given twice, or a shard of another run is refused, never summed.
    expect((await run('merge', files[0] as string, files[1] as string)).code).toBe(2);
    expect((await run('merge', files[0] as string, files[0] as string, files[1] as string)).code).toBe(2);
    const other = join(dir, 'other.json');
    await run(
      'fuzz',
      'echo',
      '--seeds',
      '12',
      '--start',
      '4',
      '--workers',
      '1',
      '--shard',
      '3/3',
      '--out',
      other,
      '--json',
    );
    expect((await run('merge', files[0] as string, files[1] as string, other)).code).toBe(2);
  }, 60_000);

  it('two claims shards merged equal one run, and a file that is not a shard is one clear error', async () => {
    const whole = JSON.parse((await run('claims', '--system', 'echo', '--quick', '--json')).out) as {
      outcomes: { scenario: string; observed: string }[];
    };
    const files = [join(dir, 'claims-1.json'), join(dir, 'claims-2.json')];
    for (let i = 1; i <= 2; i++)
      await run(
        'claims',
        '--system',
        'echo',
        '--quick',
        '--shard',
        `${i}/2`,
        '--out',
        files[i - 1] as string,
        '--json',
      );
    const merged = JSON.parse((await run('merge', ...files, '--json')).out) as {
      outcomes: { scenario: string; observed: string }[];
    };
    expect(merged.outcomes.map((o) => [o.scenario, o.observed])).toEqual(
      whole.outcomes.map((o) => [o.scenario, o.observed]),
    );
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"kind":"fuzz"}');
    expect((await run('merge', junk)).code).toBe(2);
  }, 60_000);
});
