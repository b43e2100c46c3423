"""Demo node for the echo workload, on the Python node library."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node-lib"))
from maelstrom_node import Node  # noqa: E402

node = Node()


@node.handler("echo")
def echo(req):
    node.reply(req, {"type": "echo_ok", "echo": req["body"]["echo"]})


node.run()
