// Demo node for broadcast (challenge 3d/3e: 25 nodes, 100 ms latency, rate 100). Two designs, both
// batching new messages per tick and resending what a peer has not acknowledged after RESEND_MS, so
// partitions only delay delivery:
//   hub (default)          every node hands new messages to n0, which hands them to everyone: few
//                          messages per operation (broadcast-efficiency-2: < 20, median < 1 s)
//   DEMO_STRATEGY=direct   the node a client told sends to every other node at once: one hop less
//                          (broadcast-efficiency: < 30 messages per operation, median < 400 ms)
// The given topology is acknowledged and ignored.
//   DEMO_BREAK=no-forward  the broken variant: it keeps what it is told and tells no one.
import { MaelstromNode, type Message } from '../node-lib/maelstrom-node';

const direct = process.env.DEMO_STRATEGY === 'direct';
const TICK_MS = direct ? 20 : 100;
/** A message unacknowledged this long is sent to that peer again (longer than a round trip). */
const RESEND_MS = 600;
const node = new MaelstromNode();
const messages = new Set<number>();
/** Per peer: the messages it has not acknowledged, with when each was last sent (0: not yet). */
const unacked = new Map<string, Map<number, number>>();
const noForward = process.env.DEMO_BREAK === 'no-forward';

const hub = () => node.nodeIds[0] as string;
const others = () => node.nodeIds.filter((id) => id !== node.id);
/** Who this node tells about a message it learned from `from` (a client or a node). */
function audience(from: string): string[] {
  const fromNode = node.nodeIds.includes(from);
  if (direct) return fromNode ? [] : others(); // the first node told tells everyone
  if (node.id === hub()) return others().filter((id) => id !== from);
  return fromNode ? [] : [hub()];
}

function learn(message: number, from: string): void {
  if (messages.has(message)) return;
  messages.add(message);
  if (noForward) return;
  for (const peer of audience(from)) {
    let pending = unacked.get(peer);
    if (!pending) unacked.set(peer, (pending = new Map()));
    pending.set(message, 0);
  }
}

node.on('topology', (req) => node.reply(req, { type: 'topology_ok' }));
node.on('broadcast', (req) => {
  learn(req.body.message as number, req.src);
  node.reply(req, { type: 'broadcast_ok' });
});
node.on('read', (req) => node.reply(req, { type: 'read_ok', messages: [...messages] }));
node.on('gossip', (req: Message) => {
  const batch = req.body.messages as number[];
  for (const m of batch) learn(m, req.src);
  node.send(req.src, { type: 'gossip_ok', messages: batch });
});
node.on('gossip_ok', (req: Message) => {
  const pending = unacked.get(req.src);
  if (pending) for (const m of req.body.messages as number[]) pending.delete(m);
});
node.onInit(() => {
  setInterval(() => {
    const now = Date.now();
    for (const [peer, pending] of unacked) {
      const batch: number[] = [];
      for (const [m, sentAt] of pending) {
        if (sentAt !== 0 && now - sentAt < RESEND_MS) continue;
        batch.push(m);
        pending.set(m, now);
      }
      if (batch.length > 0) node.send(peer, { type: 'gossip', messages: batch });
    }
  }, TICK_MS);
});
node.run();
