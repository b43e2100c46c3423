// Demo node for broadcast, meeting both of the challenge's efficiency presets (25 nodes, 100 ms
// latency, rate 100: under 20 messages per operation, median stable latency under 400 ms). It ignores
// the given topology for a hub: every node hands new messages to n0, which hands them to everyone.
// Sends are batched per tick and repeated until acknowledged, so partitions only delay delivery.
//   DEMO_BREAK=no-forward   the broken variant: it keeps what it is told and tells no one.
import { MaelstromNode, type Message } from '../node-lib/maelstrom-node';

const TICK_MS = 100;
const node = new MaelstromNode();
const messages = new Set<number>();
/** Per peer: messages it has not acknowledged yet. */
const unacked = new Map<string, Set<number>>();
const noForward = process.env.DEMO_BREAK === 'no-forward';

const hub = () => node.nodeIds[0] as string;
/** Who this node tells: the hub tells everyone, the others tell the hub. */
const peers = () => (node.id === hub() ? node.nodeIds.filter((id) => id !== node.id) : [hub()]);

function learn(message: number, from?: string): void {
  if (messages.has(message)) return;
  messages.add(message);
  if (noForward) return;
  for (const peer of peers()) {
    if (peer === from) continue;
    let set = unacked.get(peer);
    if (!set) unacked.set(peer, (set = new Set()));
    set.add(message);
  }
}

node.on('topology', (req) => node.reply(req, { type: 'topology_ok' }));
node.on('broadcast', (req) => {
  learn(req.body.message as number);
  node.reply(req, { type: 'broadcast_ok' });
});
node.on('read', (req) => node.reply(req, { type: 'read_ok', messages: [...messages] }));
node.on('gossip', (req: Message) => {
  const batch = req.body.messages as number[];
  for (const m of batch) learn(m, req.src);
  node.send(req.src, { type: 'gossip_ok', messages: batch });
});
node.on('gossip_ok', (req: Message) => {
  const set = unacked.get(req.src);
  if (set) for (const m of req.body.messages as number[]) set.delete(m);
});
node.onInit(() => {
  setInterval(() => {
    for (const [peer, set] of unacked)
      if (set.size > 0) node.send(peer, { type: 'gossip', messages: [...set] });
  }, TICK_MS);
});
node.run();
