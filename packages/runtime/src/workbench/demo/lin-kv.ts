// Demo node for lin-kv: every request forwarded to the lin-kv service, whose answers are linearizable.
//   DEMO_BREAK=local-reads   the broken variant: reads answered from what this node last wrote or read.
import { MaelstromNode, RpcError, type Message } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
const localReads = process.env.DEMO_BREAK === 'local-reads';
const cache = new Map<string, unknown>();

async function forward(req: Message, ok: string): Promise<void> {
  const key = JSON.stringify(req.body.key);
  if (localReads && req.body.type === 'read' && cache.has(key)) {
    node.reply(req, { type: 'read_ok', value: cache.get(key) });
    return;
  }
  const { msg_id: _id, ...body } = req.body;
  try {
    const answer = await node.rpc('lin-kv', body);
    if (req.body.type === 'read') cache.set(key, answer.value);
    if (req.body.type === 'write') cache.set(key, req.body.value);
    if (req.body.type === 'cas') cache.set(key, req.body.to);
    node.reply(req, { ...answer, type: ok });
  } catch (error) {
    const e = error instanceof RpcError ? error : new RpcError(13, String(error));
    node.reply(req, { type: 'error', code: e.code, text: e.message });
  }
}

node.on('read', (req) => forward(req, 'read_ok'));
node.on('write', (req) => forward(req, 'write_ok'));
node.on('cas', (req) => forward(req, 'cas_ok'));
node.run();
