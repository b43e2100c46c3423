// Demo node for the echo workload.
import { MaelstromNode } from '../node-lib/maelstrom-node';

const node = new MaelstromNode();
node.on('echo', (req) => node.reply(req, { type: 'echo_ok', echo: req.body.echo }));
node.run();
