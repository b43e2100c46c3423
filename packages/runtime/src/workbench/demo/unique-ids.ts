// Demo node for unique-ids: the node's id and a counter make every id distinct without talking to
// anyone, so partitions cannot hurt it.
import { MaelstromNode } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
let next = 0;
node.on('generate', (req) => node.reply(req, { type: 'generate_ok', id: `${node.id}-${next++}` }));
node.run();
