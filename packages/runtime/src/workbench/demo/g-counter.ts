// Demo node for g-counter (and pn-counter: it never assumes deltas are positive). Each node keeps its
// own sub-counter in seq-kv under `counter/<node>` and adds to it with read + cas, retrying when the
// cas finds a newer value (seq-kv applies a cas to its newest state, so the retry converges). A read
// first writes a key of its own, which brings its view of seq-kv up to date (sequential consistency
// lets a read lag otherwise), then sums every node's sub-counter. All state lives in seq-kv, so it
// survives partitions, pauses and kills. A cas that times out is reported as indefinite (code 0): it
// may have been applied, and retrying it could apply the delta twice.
//   DEMO_BREAK=retry-double   the broken variant: a short RPC timeout, and a cas that timed out is
//                             retried from a fresh read, re-applying a delta that had been applied.
import { MaelstromNode, RpcError } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
const retryDouble = process.env.DEMO_BREAK === 'retry-double';
const TIMEOUT_MS = 1_000;
/** The broken variant's adds wait for seq-kv about as long as a round trip takes, so some time out. */
const ADD_TIMEOUT_MS = retryDouble ? 10 : TIMEOUT_MS;
const MAX_ATTEMPTS = 100;
let syncs = 0;

async function readCounter(id: string, timeoutMs = TIMEOUT_MS): Promise<number> {
  try {
    return Number((await node.rpc('seq-kv', { type: 'read', key: `counter/${id}` }, timeoutMs)).value);
  } catch (e) {
    if (e instanceof RpcError && e.code === 20) return 0;
    throw e;
  }
}

async function add(delta: number): Promise<void> {
  const key = `counter/${node.id}`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await readCounter(node.id, ADD_TIMEOUT_MS).catch((e: unknown) => {
      if (retryDouble && e instanceof RpcError && e.code === 0) return undefined; // read again
      throw e;
    });
    if (current === undefined) continue;
    try {
      await node.rpc(
        'seq-kv',
        { type: 'cas', key, from: current, to: current + delta, create_if_not_exists: true },
        ADD_TIMEOUT_MS,
      );
      return;
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      if (e.code === 22) continue; // someone else added first: read again
      if (e.code === 0 && retryDouble) continue; // the bug: the timed-out cas may have been applied
      throw e;
    }
  }
  throw new RpcError(11, `no cas succeeded in ${MAX_ATTEMPTS} attempts`);
}

node.on('add', async (req) => {
  const delta = Number(req.body.delta);
  if (delta !== 0) await add(delta);
  node.reply(req, { type: 'add_ok' });
});
node.on('read', async (req) => {
  await node.rpc('seq-kv', { type: 'write', key: `sync/${node.id}`, value: syncs++ }, TIMEOUT_MS);
  const parts = await Promise.all(node.nodeIds.map((id) => readCounter(id)));
  node.reply(req, { type: 'read_ok', value: parts.reduce((a, b) => a + b, 0) });
});
node.run();
