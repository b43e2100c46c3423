import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateStore, toEdnHistory, toJsonHistory } from '@dslab/check';
import { runTxnCheck } from './check-txn';

const writeSkew = [
  '{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil] [:append :x 1]], :process 0}',
  '{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil] [:append :y 1]], :process 1}',
  '{:type :ok, :f :txn, :value [[:r :x []] [:r :y []] [:append :x 1]], :process 0}',
  '{:type :ok, :f :txn, :value [[:r :x []] [:r :y []] [:append :y 1]], :process 1}',
  '{:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 2}',
  '{:type :ok, :f :txn, :value [[:r :x [1]] [:r :y [1]]], :process 2}',
].join('\n');

describe('dslab check --model list-append|rw-register', () => {
  it('exit 0 when the history satisfies the model, 1 with the anomalies when it does not', () => {
    const si = runTxnCheck(writeSkew, { model: 'list-append', consistency: 'snapshot-isolation' });
    expect(si.exitCode).toBe(0);
    expect(si.output).toMatch(/^valid: snapshot-isolation — list-append history of 3 transactions/);
    expect(si.output).toMatch(/also found, allowed by snapshot-isolation: G2-item \(1\)/);
    const serializable = runTxnCheck(writeSkew, { model: 'list-append', consistency: 'serializable' });
    expect(serializable.exitCode).toBe(1);
    expect(serializable.output).toMatch(/^not serializable: G2-item \(1\)/);
    expect(serializable.output).toContain('T0 -rw→ T1: T0 read key "y" as []; T1 appended 1');
    expect(serializable.output).toContain(
      'T0 (process 0, ok, line 1): [[:r "x" []] [:r "y" []] [:append "x" 1]]',
    );
  });

  it('reads JSON and rw-register histories; process and real-time order on request', () => {
    const history = simulateStore({ store: 'stale-reads', model: 'rw-register', seed: 4, transactions: 400 });
    const json = toJsonHistory(history);
    expect(runTxnCheck(json, { model: 'rw-register', consistency: 'serializable' }).exitCode).toBe(0);
    expect(
      runTxnCheck(json, { model: 'rw-register', consistency: 'serializable', realtime: true }).exitCode,
    ).toBe(1);
    const strict = runTxnCheck(json, {
      model: 'rw-register',
      consistency: 'strict-serializable',
      format: 'json',
    });
    expect(strict.exitCode).toBe(1);
    expect(strict.output).toMatch(/^not strict-serializable: G-single-realtime/);
    const edn = toEdnHistory(history);
    expect(
      runTxnCheck(edn, { model: 'rw-register', consistency: 'serializable', processOrder: true }).exitCode,
    ).toBe(1);
  });

  it('exit 2 on unreadable input or bad options, with one line that names the problem', () => {
    const broken = runTxnCheck(`${writeSkew}\n{:type :ok, :f :txn, :value [[:r :x]], :process 7}`, {
      model: 'list-append',
      consistency: 'serializable',
    });
    expect(broken).toEqual({
      exitCode: 2,
      output:
        'unreadable history: line 7: micro-op 1 has 2 elements; expected [:append k v], [:r k value] or [:w k v]',
    });
    expect(runTxnCheck(writeSkew, { model: 'rw-register', consistency: 'serializable' })).toEqual({
      exitCode: 2,
      output: 'unreadable history: line 1: micro-op 1 reads a list; a register read returns one value',
    });
    expect(runTxnCheck(writeSkew, { model: 'list-append', consistency: 'linearizable' }).output).toMatch(
      /^unknown consistency model 'linearizable' \(known: read-uncommitted, read-committed, snapshot-isolation/,
    );
    expect(runTxnCheck('[1 2', { model: 'list-append', consistency: 'serializable' }).exitCode).toBe(2);
  });

  it('writes the HTML report when asked', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dslab-txn-')), 'report.html');
    const run = runTxnCheck(writeSkew, { model: 'list-append', consistency: 'serializable', html: file });
    expect(run.output).toContain(`report: ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('<section id="G2-item">');
  });
});
