"""Demo node for lin-kv, on the Python node library: every request is forwarded to the lin-kv service
with an RPC and its answer (or its error code: 20 key does not exist, 22 precondition failed) handed
back. The service is linearizable, so the node is too; a timed-out RPC becomes error 0 (indefinite)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node-lib"))
from maelstrom_node import Node, RPCError  # noqa: E402

node = Node()


def forward(ok_type):
    def handle(req):
        body = {k: v for k, v in req["body"].items() if k != "msg_id"}
        try:
            answer = node.rpc("lin-kv", body, timeout=1.0)
        except RPCError as e:
            node.reply(req, {"type": "error", "code": e.code, "text": e.text})
            return
        answer = {k: v for k, v in answer.items() if k not in ("msg_id", "in_reply_to")}
        answer["type"] = ok_type
        node.reply(req, answer)

    return handle


node.on("read", forward("read_ok"))
node.on("write", forward("write_ok"))
node.on("cas", forward("cas_ok"))
node.run()
