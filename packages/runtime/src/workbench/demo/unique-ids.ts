// Demo node for unique-ids: the node's id, a tag drawn when the process starts and a counter make
// every id distinct without talking to anyone, so partitions cannot hurt it, and neither can a kill:
// the restarted process counts from 0 again under a new tag.
import { randomBytes } from 'node:crypto';
import { MaelstromNode } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
const incarnation = randomBytes(6).toString('hex');
let next = 0;
node.on('generate', (req) =>
  node.reply(req, { type: 'generate_ok', id: `${node.id}-${incarnation}-${next++}` }),
);
node.run();
