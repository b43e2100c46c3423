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
