// Replaying a recorded run: the same deterministic nodes print every recorded message again in order
// (also across kill -9 and restarts), a different binary diverges at a named line and node, and a file
// that is not a recording is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCommand } from './demo/compile';
import { readDeliveriesHeader, replayDeliveries } from './replay';
import { runWorkbench, type WorkbenchOptions } from './run';

const base: Omit<WorkbenchOptions, 'workload' | 'bin' | 'deliveriesFile'> = {
  nodeCount: 3,
  timeLimitS: 2,
  rate: 50,
  latencyMs: 5,
  latencyDist: 'exponential',
  nemesis: [],
  nemesisIntervalS: 0.5,
  topology: 'grid',
  consistencyModels: [],
  seed: 7,
  requestTimeoutMs: 800,
  recoveryMs: 300,
};

describe('dslab workbench replay', () => {
  it('replays echo faithfully, lin-kv across partitions and kills faithfully, and a different node diverges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-replay-'));
    const echoFile = join(dir, 'echo.jsonl');
    const echoBin = demoCommand('echo');
    const echo = await runWorkbench({ ...base, workload: 'echo', bin: echoBin, deliveriesFile: echoFile });
    expect(echo.valid).toBe(true);
    expect(await readDeliveriesHeader(echoFile)).toMatchObject({
      workload: 'echo',
      nodes: ['n0', 'n1', 'n2'],
    });
    const same = await replayDeliveries({ deliveriesFile: echoFile, bin: echoBin });
    expect(same.faithful, same.summary).toBe(true);
    expect(same.matched).toBe(echo.operations.total + 3); // every reply and init_ok
    expect(same.replayed).toBe(same.records);

    const kvFile = join(dir, 'lin-kv.jsonl');
    const kv = await runWorkbench({
      ...base,
      workload: 'lin-kv',
      bin: demoCommand('lin-kv'),
      nemesis: ['partition', 'kill'],
      deliveriesFile: kvFile,
    });
    expect(kv.faults.length).toBeGreaterThan(0);
    const kvReplay = await replayDeliveries({ deliveriesFile: kvFile, bin: demoCommand('lin-kv') });
    expect(kvReplay.faithful, kvReplay.summary).toBe(true);
    expect(kvReplay.matched).toBeGreaterThan(50);

    const other = await replayDeliveries({
      deliveriesFile: echoFile,
      bin: demoCommand('unique-ids'),
      waitMs: 300,
    });
    expect(other.faithful).toBe(false);
    expect(other.summary).toMatch(
      /^diverged at line \d+ \(\d+ ms into the recorded run\): n\d did not print .*echo_ok/,
    );
    expect(other.divergence?.printedInstead.join(' ')).toMatch(/"type":"error"/);

    const notARecording = join(dir, 'x.jsonl');
    writeFileSync(notARecording, '{"src":"c1"}\n');
    await expect(replayDeliveries({ deliveriesFile: notARecording, bin: echoBin })).rejects.toThrow(
      /does not start with a dslab workbench deliveries header/,
    );
  }, 90_000);
});
