import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env, Message, SimNode } from '@dslab/sim';
import { RealDisk } from './real-disk';
import { RealNode } from './real-env';
import type { TcpTransport } from './tcp-transport';

interface Note extends Message {
  readonly type: 'note';
  readonly n: number;
}

/** A node that, for each message, appends a record, syncs, and tells its peer: "I have n". */
function recorder(env: Env<Note>): SimNode<Note> {
  return {
    onMessage: (_from, msg) => {
      env.disk.append('log', new Uint8Array([msg.n]));
      env.disk.sync();
      env.send('peer', { type: 'note', n: msg.n });
    },
    snapshot: () => ({}),
  } as SimNode<Note>;
}

describe('RealNode over a pipelined disk', () => {
  it('sends nothing before the syncs before it are durable, in order, and sends at once when none is pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-env-'));
    // Message n follows the node's n-th sync(): it may leave only once n syncs are durable.
    const sent: { n: number; durableSyncs: number }[] = [];
    try {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      const transport = {
        send: (_to: string, msg: Note) => sent.push({ n: msg.n, durableSyncs: disk.syncsDurable }),
      } as unknown as TcpTransport;
      const node = new RealNode<Note>({
        id: 'me',
        factory: recorder,
        disk,
        durability: disk,
        transport: () => transport,
      });
      for (let n = 1; n <= 20; n++) node.deliver('peer', { type: 'note', n });
      expect(sent).toEqual([]); // the first fsync is still running
      await new Promise<void>((resolve) =>
        disk.onDurable(() => disk.syncsDurable === disk.syncsRequested && resolve()),
      );
      expect(sent.map((s) => s.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const s of sent) expect(s.durableSyncs).toBeGreaterThanOrEqual(s.n);
      expect(disk.backgroundFsyncs).toBeLessThan(20); // group commit
      node.env.send('peer', { type: 'note', n: 99 }); // no sync pending: straight out
      expect(sent.at(-1)?.n).toBe(99);
      node.stop();
      disk.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
