"""Demo node for broadcast, on the Python node library. It forwards along the topology it is given:
each new message goes to every neighbour but the one it came from, and is sent again every tick until
that neighbour acknowledges it, so a partition only delays delivery."""

import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "node-lib"))
from maelstrom_node import Node  # noqa: E402

TICK_S = 0.1
node = Node()
lock = threading.Lock()
messages = set()
neighbours = []
unacked = {}  # neighbour -> set of messages it has not acknowledged


def learn(message, sender=None):
    with lock:
        if message in messages:
            return
        messages.add(message)
        for peer in neighbours:
            if peer != sender:
                unacked.setdefault(peer, set()).add(message)


@node.handler("topology")
def topology(req):
    with lock:
        neighbours[:] = req["body"]["topology"].get(node.id, [])
    node.reply(req, {"type": "topology_ok"})


@node.handler("broadcast")
def broadcast(req):
    learn(req["body"]["message"])
    node.reply(req, {"type": "broadcast_ok"})


@node.handler("read")
def read(req):
    with lock:
        snapshot = sorted(messages)
    node.reply(req, {"type": "read_ok", "messages": snapshot})


@node.handler("gossip")
def gossip(req):
    batch = req["body"]["messages"]
    for m in batch:
        learn(m, req["src"])
    node.send(req["src"], {"type": "gossip_ok", "messages": batch})


@node.handler("gossip_ok")
def gossip_ok(req):
    with lock:
        pending = unacked.get(req["src"], set())
        for m in req["body"]["messages"]:
            pending.discard(m)


def tick():
    with lock:
        batches = [(peer, sorted(pending)) for peer, pending in unacked.items() if pending]
    for peer, batch in batches:
        node.send(peer, {"type": "gossip", "messages": batch})


node.on_init(lambda: node.every(TICK_S, tick))
node.run()
