// Demo node for txn-list-append and txn-rw-register: the whole database is one lin-kv value (an object
// of keys to lists or registers). A transaction reads it, runs its micro-ops on a copy, and, when it
// wrote anything, installs the copy with a cas from exactly what it read; a cas that finds a newer
// database retries the transaction, and after MAX_ATTEMPTS the transaction aborts (error 30, definite:
// nothing was installed). Transactions therefore take effect one at a time at their cas (or read):
// strict serializable. Every node is stateless, so it survives partitions, pauses and kills; a cas that
// times out is reported as indefinite (code 0).
//   DEMO_BREAK=cached-reads  the broken variant: a read-only transaction is answered from the database
//                            as this node last saw it, which other nodes' commits may have overtaken.
import { MaelstromNode, RpcError } from '../node-lib/maelstrom-node';

type Db = Record<string, unknown>;
type MicroOp = [string, unknown, unknown];

const node = new MaelstromNode();
const cachedReads = process.env.DEMO_BREAK === 'cached-reads';
/** The database as this node last read or installed it (used only by the broken variant). */
let cache: Db | undefined;
const MAX_ATTEMPTS = 20;
const DB = 'db';

async function readDb(): Promise<Db | undefined> {
  try {
    return (await node.rpc('lin-kv', { type: 'read', key: DB })).value as Db;
  } catch (e) {
    if (e instanceof RpcError && e.code === 20) return undefined;
    throw e;
  }
}

/** Runs the micro-ops on a copy of `db`: the completed micro-ops, and the copy if anything was written. */
function apply(db: Db, txn: readonly MicroOp[]): { done: MicroOp[]; next?: Db } {
  const next: Db = { ...db };
  let wrote = false;
  const done = txn.map(([f, k, v]): MicroOp => {
    const key = JSON.stringify(k);
    if (f === 'r') return [f, k, next[key] ?? null];
    wrote = true;
    next[key] = f === 'append' ? [...((next[key] as unknown[] | undefined) ?? []), v] : v;
    return [f, k, v];
  });
  return wrote ? { done, next } : { done };
}

node.on('txn', async (req) => {
  const txn = req.body.txn as MicroOp[];
  if (cachedReads && cache && txn.every(([f]) => f === 'r'))
    return node.reply(req, { type: 'txn_ok', txn: apply(cache, txn).done });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const db = await readDb();
    cache = db;
    const { done, next } = apply(db ?? {}, txn);
    if (!next) return node.reply(req, { type: 'txn_ok', txn: done });
    try {
      await node.rpc('lin-kv', {
        type: 'cas',
        key: DB,
        from: db ?? null,
        to: next,
        create_if_not_exists: true,
      });
      cache = next;
      return node.reply(req, { type: 'txn_ok', txn: done });
    } catch (e) {
      if (!(e instanceof RpcError) || e.code !== 22) throw e;
    }
  }
  node.reply(req, {
    type: 'error',
    code: 30,
    text: `aborted: the database changed ${MAX_ATTEMPTS} times under it`,
  });
});
node.run();
