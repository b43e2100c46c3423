// Demo node for g-set: a grow-only set replicated by gossip. New elements go to every peer each tick
// until that peer acknowledges them, and every ANTI_ENTROPY_TICKS the whole set goes out, so a node
// restarted empty catches up. Survives partitions and pauses (it retries until acknowledged); a kill
// loses the adds it acknowledged but had not yet handed to a peer, so it is not valid under kill.
import { MaelstromNode, type Message } from '../node-lib/maelstrom-node';

const TICK_MS = 100;
const ANTI_ENTROPY_TICKS = 10;
const node = new MaelstromNode();
const elements = new Set<unknown>();
/** Per peer: elements it has not acknowledged yet. */
const unacked = new Map<string, Set<unknown>>();

const peers = () => node.nodeIds.filter((id) => id !== node.id);

function learn(element: unknown, from?: string): void {
  if (elements.has(element)) return;
  elements.add(element);
  for (const peer of peers()) {
    if (peer === from) continue;
    let set = unacked.get(peer);
    if (!set) unacked.set(peer, (set = new Set()));
    set.add(element);
  }
}

node.on('add', (req) => {
  learn(req.body.element);
  node.reply(req, { type: 'add_ok' });
});
node.on('read', (req) => node.reply(req, { type: 'read_ok', value: [...elements] }));
node.on('gossip', (req: Message) => {
  const batch = req.body.elements as unknown[];
  for (const e of batch) learn(e, req.src);
  node.send(req.src, { type: 'gossip_ok', elements: batch });
});
node.on('gossip_ok', (req: Message) => {
  const set = unacked.get(req.src);
  if (set) for (const e of req.body.elements as unknown[]) set.delete(e);
});
node.onInit(() => {
  let tick = 0;
  setInterval(() => {
    const full = ++tick % ANTI_ENTROPY_TICKS === 0;
    for (const peer of peers()) {
      const batch = full ? elements : unacked.get(peer);
      if (batch && batch.size > 0) node.send(peer, { type: 'gossip', elements: [...batch] });
    }
  }, TICK_MS);
});
node.run();
