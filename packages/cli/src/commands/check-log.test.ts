// `dslab check --model log`: the log checker on history files, through the same function the verb calls.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LOG_INJECTORS,
  SHARED_CONSUMER_FINDING_KINDS,
  generateLogHistory,
  generateSharedLogHistory,
  type LogOp,
} from '@dslab/check';
import { Rng } from '@dslab/sim';
import { runLogCheck } from './check-log';

const lines = (ops: readonly LogOp[]) => ops.map((op) => JSON.stringify(op)).join('\n') + '\n';

describe('dslab check --model log', () => {
  const history = generateLogHistory({ seed: 4, sends: 300 });

  it('a valid history (JSON lines or one array) exits 0 with its counts', () => {
    for (const text of [lines(history), JSON.stringify(history)]) {
      const out = runLogCheck(text, { drained: true });
      expect(out.exitCode, out.output).toBe(0);
      expect(out.output).toMatch(/^valid — \d+ operations: \d+ sends acknowledged/);
    }
  });

  it('each injected defect exits 1 and names its kind with the offending records', () => {
    for (const [kind, inject] of Object.entries(LOG_INJECTORS)) {
      const broken = inject(history, new Rng(1));
      if (!broken) continue;
      const out = runLogCheck(lines(broken), { drained: true });
      expect(out.exitCode, kind).toBe(1);
      expect(out.output).toContain(`  ${kind}: `);
    }
  });

  it('workers sharing a consumer: counted on a valid history, each shared defect exits 1 naming its kind', () => {
    const shared = generateSharedLogHistory({ seed: 4, sends: 300, ordered: true });
    const out = runLogCheck(lines(shared), { drained: true });
    expect(out.exitCode, out.output).toBe(0);
    expect(out.output).toMatch(/shared consumers: \d+ deliveries \(\d+ redeliveries\)/);
    for (const kind of SHARED_CONSUMER_FINDING_KINDS) {
      const broken = LOG_INJECTORS[kind](shared, new Rng(1));
      expect(broken, kind).toBeDefined();
      const result = runLogCheck(lines(broken as LogOp[]), { drained: true });
      expect(result.exitCode, kind).toBe(1);
      expect(result.output).toContain(`  ${kind}: `);
    }
  });

  it('bad input exits 2 with one line naming where, and never throws', () => {
    expect(runLogCheck('{"type":"send"}\nnot json\n')).toMatchObject({ exitCode: 2 });
    expect(runLogCheck('not json').output).toMatch(/^line 1 is not JSON/);
    expect(runLogCheck('{"type":"poll"}').output).toMatch(/^log history, operation 0: /);
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect([0, 1, 2]).toContain(runLogCheck(text).exitCode);
      }),
    );
  });
});
