import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';

/** Write skew on list-append: each transaction reads both keys empty and appends to one (G2-item). */
const WRITE_SKEW = `{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil] [:append 1 1]], :process 0, :index 0}
{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil] [:append 2 1]], :process 1, :index 1}
{:type :ok, :f :txn, :value [[:r 1 []] [:r 2 []] [:append 1 1]], :process 0, :index 2}
{:type :ok, :f :txn, :value [[:r 1 []] [:r 2 []] [:append 2 1]], :process 1, :index 3}
{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil]], :process 2, :index 4}
{:type :ok, :f :txn, :value [[:r 1 [1]] [:r 2 [1]]], :process 2, :index 5}
`;

async function exitCode(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  process.exitCode = 0;
  try {
    return { code: await main(argv), out: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
}

describe('dslab check --model list-append', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dslab-txn-'));
  const file = join(dir, 'write-skew.edn');
  writeFileSync(file, WRITE_SKEW);

  it('lets write skew through snapshot isolation and names it under serializable', async () => {
    expect(
      (await exitCode('check', file, '--model', 'list-append', '--consistency', 'snapshot-isolation')).code,
    ).toBe(0);
    const serializable = await exitCode(
      'check',
      file,
      '--model',
      'list-append',
      '--consistency',
      'serializable',
    );
    expect(serializable.code).toBe(1);
    expect(serializable.out).toMatch(/G2-item/);
  });

  it('exits 2 with one clear line on unreadable input or an unknown consistency model', async () => {
    const junk = join(dir, 'junk.edn');
    writeFileSync(junk, '{:type :ok, :f :txn, :value [[:frobnicate 1 2]]');
    expect((await exitCode('check', junk, '--model', 'list-append')).code).toBe(2);
    expect(
      (await exitCode('check', file, '--model', 'list-append', '--consistency', 'causal-ish')).code,
    ).toBe(2);
  });
});
