import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCasRegisterHistory, toJepsenLog } from '@dslab/check';
import { main } from './main';

const knossos = fileURLToPath(new URL('../../../conformance/knossos/', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  process.exitCode = 0;
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.exitCode = 0;
  }
}

describe('dslab check', () => {
  it('checks a folder in one process: exit 0 when all are linearizable, 1 when any is not', async () => {
    const good = await run(
      'check',
      join(knossos, 'cas-register/good'),
      '--model',
      'cas-register',
      '--initial',
      '0',
    );
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/113 histories: 113 linearizable/);
    const dir = mkdtempSync(join(tmpdir(), 'dslab-check-'));
    const html = join(dir, 'report.html');
    const bad = await run(
      'check',
      join(knossos, 'cas-register/bad'),
      '--model',
      'cas-register',
      '--initial',
      '0',
      '--html',
      html,
    );
    expect(bad.code).toBe(1);
    expect(readFileSync(html, 'utf8')).toMatch(/Not linearizable/);
  });

  it('reads Jepsen text logs (etcd style) and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-check-'));
    const file = join(dir, 'etcd.log');
    writeFileSync(
      file,
      toJepsenLog(generateCasRegisterHistory({ seed: 4, processes: 5, operations: 90, infoRate: 0.05 })),
    );
    const result = await run('check', file, '--model', 'cas-register', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).results[0].verdict).toBe('linearizable');
    const json = join(dir, 'h.json');
    writeFileSync(
      json,
      JSON.stringify([
        { type: 'invoke', process: 0, f: 'write', value: 1 },
        { type: 'ok', process: 0, f: 'write', value: 1 },
        { type: 'invoke', process: 1, f: 'read', value: null },
        { type: 'ok', process: 1, f: 'read', value: 2 },
      ]),
    );
    expect((await run('check', json, '--model', 'register', '--nil-read', 'value')).code).toBe(1);
  });

  it('key-value histories with the key in its own field (Porcupine shape): read, checked with the kv model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-check-'));
    const valid = [
      '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}',
      '{:process 1, :type :invoke, :f :get, :key "4", :value nil}',
      '{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}',
      '{:process 1, :type :ok, :f :get, :key "4", :value ""}',
      '{:process 0, :type :invoke, :f :put, :key "5", :value "a"}',
      '{:process 0, :type :ok, :f :put, :key "5", :value "a"}',
      '{:process 1, :type :invoke, :f :append, :key "5", :value "b"}',
      '{:process 1, :type :ok, :f :append, :key "5", :value "b"}',
      '{:process 0, :type :invoke, :f :get, :key "5", :value nil}',
      '{:process 0, :type :ok, :f :get, :key "5", :value "ab"}',
    ].join('\n');
    writeFileSync(join(dir, 'c01-ok.txt'), valid);
    writeFileSync(join(dir, 'c01-bad.txt'), valid.replace(':value "ab"', ':value "ba"'));
    const ok = await run('check', join(dir, 'c01-ok.txt'), '--model', 'kv', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).results[0]).toMatchObject({ verdict: 'linearizable', operations: 5, parts: 2 });
    const bad = await run('check', join(dir, 'c01-bad.txt'), '--model', 'kv');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^not-linearizable .*c01-bad\.txt/);
    // An explicit initial value still wins: with nil for a key never written, the first get of "" fails.
    expect((await run('check', join(dir, 'c01-ok.txt'), '--model', 'kv', '--initial', 'null')).code).toBe(1);
  });

  it('Jepsen text logs with runs of spaces between columns, with or without the logger prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-check-'));
    const prefixed = join(dir, 'spaces.log');
    writeFileSync(
      prefixed,
      'INFO  jepsen.util - 1   :invoke :write  3\nINFO  jepsen.util - 1   :ok     :write  3\nINFO  jepsen.util - 2  :invoke :read   nil\nINFO  jepsen.util - 2  :ok     :read   3\n',
    );
    const bare = join(dir, 'history.txt');
    writeFileSync(
      bare,
      '1   :invoke :write  3\n1   :ok     :write  3\n2  :invoke :read   nil\n2  :ok     :read   4\n',
    );
    const result = await run('check', prefixed, bare, '--model', 'register', '--json');
    expect(JSON.parse(result.out).results.map((r: { verdict: string }) => r.verdict)).toEqual([
      'linearizable',
      'not-linearizable',
    ]);
  });

  it('bad input: clear errors; an unreadable file is reported with its line and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-check-'));
    const broken = join(dir, 'broken.edn');
    writeFileSync(broken, '[{:type :invoke, :f :read, :process 1}\n {:type :bogus, :f :read, :process 1}]');
    const result = await run('check', broken, '--model', 'cas-register');
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/error .*line 2.*expected :type/);
    expect((await run('check', dir, '--model', 'nope')).err).toMatch(/unknown model 'nope'/);
    expect((await run('check', dir, '--model', 'kv', '--timeout', 'soon')).err).toMatch(/--timeout/);
    expect((await run('check', join(dir, 'missing'), '--model', 'kv')).err).toMatch(/no such file/);
  });
});
