// Demo node for pn-counter: a state-based PN-counter CRDT. Each node counts its own increments and
// decrements; every tick it sends its whole state to every peer, and a peer keeps the highest count
// it has seen per entry, so states converge whatever the order, loss or duplication of gossip. The
// entries are keyed by the node's id and an incarnation chosen at start, so a node restarted empty
// counts afresh instead of reusing an entry its peers hold higher. Survives partitions and pauses;
// a kill loses what the node acknowledged in the last tick before it, so it is not valid under kill.
import { MaelstromNode, type Message } from '../node-lib/maelstrom-node';

const TICK_MS = 100;
const node = new MaelstromNode();
const incarnation = `${process.pid}-${Date.now()}`;
/** entry → [increments, decrements]. */
const state = new Map<string, [number, number]>();
const own = () => `${node.id}/${incarnation}`;

function merge(entries: Record<string, [number, number]>): void {
  for (const [entry, [p, n]] of Object.entries(entries)) {
    const mine = state.get(entry) ?? [0, 0];
    state.set(entry, [Math.max(mine[0], p), Math.max(mine[1], n)]);
  }
}

node.on('add', (req) => {
  const delta = Number(req.body.delta);
  const mine = state.get(own()) ?? [0, 0];
  state.set(own(), delta >= 0 ? [mine[0] + delta, mine[1]] : [mine[0], mine[1] - delta]);
  node.reply(req, { type: 'add_ok' });
});
node.on('read', (req) => {
  let value = 0;
  for (const [p, n] of state.values()) value += p - n;
  node.reply(req, { type: 'read_ok', value });
});
node.on('state', (req: Message) => merge(req.body.entries as Record<string, [number, number]>));
node.onInit(() => {
  setInterval(() => {
    if (state.size === 0) return;
    const entries = Object.fromEntries(state);
    for (const peer of node.nodeIds) if (peer !== node.id) node.send(peer, { type: 'state', entries });
  }, TICK_MS);
});
node.run();
