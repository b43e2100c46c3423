// Demo node for kafka: each key's log is one lin-kv value, the array of its messages (offset = index).
// A send reads the array and appends with a cas from exactly what it read, retrying when another send
// got there first, so offsets are dense, unique and in the order sends took effect; a poll reads the
// array. Committed offsets live in lin-kv too, raised with cas and never lowered. Every node is
// stateless, so it survives partitions, pauses and kills; a cas that times out is reported as
// indefinite (code 0), never retried (it may have been applied).
//   DEMO_BREAK=blind-append   the broken variant: the append is a plain write of what it read plus the
//                             new message, so concurrent sends overwrite each other's acknowledged messages.
import { MaelstromNode, RpcError } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
const blindAppend = process.env.DEMO_BREAK === 'blind-append';
const MAX_ATTEMPTS = 50;
/** Messages one poll returns per key at most. */
const POLL_BATCH = 100;

async function read(key: string): Promise<unknown> {
  try {
    return (await node.rpc('lin-kv', { type: 'read', key })).value;
  } catch (e) {
    if (e instanceof RpcError && e.code === 20) return undefined;
    throw e;
  }
}

async function append(key: string, msg: unknown): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const log = ((await read(`log/${key}`)) as unknown[] | undefined) ?? [];
    const next = [...log, msg];
    if (blindAppend) {
      await node.rpc('lin-kv', { type: 'write', key: `log/${key}`, value: next });
      return log.length;
    }
    try {
      await node.rpc('lin-kv', {
        type: 'cas',
        key: `log/${key}`,
        from: log,
        to: next,
        create_if_not_exists: true,
      });
      return log.length;
    } catch (e) {
      if (!(e instanceof RpcError) || e.code !== 22) throw e;
    }
  }
  throw new RpcError(11, `key ${key} too contended: no append in ${MAX_ATTEMPTS} attempts`);
}

async function commit(key: string, offset: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = (await read(`committed/${key}`)) as number | undefined;
    if (current !== undefined && current >= offset) return;
    try {
      await node.rpc('lin-kv', {
        type: 'cas',
        key: `committed/${key}`,
        from: current ?? null,
        to: offset,
        create_if_not_exists: true,
      });
      return;
    } catch (e) {
      if (!(e instanceof RpcError) || e.code !== 22) throw e;
    }
  }
  throw new RpcError(11, `no commit of ${key} in ${MAX_ATTEMPTS} attempts`);
}

node.on('send', async (req) => {
  const offset = await append(String(req.body.key), req.body.msg);
  node.reply(req, { type: 'send_ok', offset });
});
node.on('poll', async (req) => {
  const offsets = req.body.offsets as Record<string, number>;
  const msgs: Record<string, [number, unknown][]> = {};
  await Promise.all(
    Object.entries(offsets).map(async ([key, from]) => {
      const log = ((await read(`log/${key}`)) as unknown[] | undefined) ?? [];
      const out: [number, unknown][] = [];
      for (let o = Math.max(0, from); o < log.length && out.length < POLL_BATCH; o++) out.push([o, log[o]]);
      if (out.length > 0) msgs[key] = out;
    }),
  );
  node.reply(req, { type: 'poll_ok', msgs });
});
node.on('commit_offsets', async (req) => {
  const offsets = req.body.offsets as Record<string, number>;
  await Promise.all(Object.entries(offsets).map(([key, offset]) => commit(key, offset)));
  node.reply(req, { type: 'commit_offsets_ok' });
});
node.on('list_committed_offsets', async (req) => {
  const offsets: Record<string, number> = {};
  await Promise.all(
    (req.body.keys as string[]).map(async (key) => {
      const committed = await read(`committed/${key}`);
      if (typeof committed === 'number') offsets[key] = committed;
    }),
  );
  node.reply(req, { type: 'list_committed_offsets_ok', offsets });
});
node.run();
