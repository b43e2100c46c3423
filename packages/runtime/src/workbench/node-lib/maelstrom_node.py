"""A small library for writing a node in Python that speaks Maelstrom's protocol, for the dslab
workbench or Maelstrom itself. Standard library only: copy this file next to your node.

Handlers run on a pool of threads, so a handler may block on an RPC (to another node or to a
service such as lin-kv) while the node goes on reading messages; replies to RPCs are matched by
the reading thread. Everything written to stdout goes through one lock, one JSON message a line.

    from maelstrom_node import Node

    node = Node()

    @node.handler("echo")
    def echo(req):
        node.reply(req, {"type": "echo_ok", "echo": req["body"]["echo"]})

    node.run()
"""

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

# Handlers running at once; more requests wait in the pool's queue.
HANDLER_THREADS = 32


class RPCError(Exception):
    """An error reply ({"type": "error", "code", "text"}) or a timeout (code 0)."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text


class Node:
    def __init__(self):
        self.id = ""
        self.node_ids = []
        self._handlers = {}
        self._on_init = []
        self._next_msg_id = 1
        self._waiting = {}  # msg_id -> [threading.Event, reply body or None]
        self._lock = threading.Lock()
        self._out = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=HANDLER_THREADS)
        self.on("init", self._init)

    # ---- registering behaviour

    def on(self, type_, handler):
        """Handles every request of this type (a later registration replaces it)."""
        self._handlers[type_] = handler
        return handler

    def handler(self, type_):
        """Decorator form of on()."""
        return lambda fn: self.on(type_, fn)

    def on_init(self, fn):
        """Runs once init has told the node its id (start periodic work here)."""
        self._on_init.append(fn)
        return fn

    def every(self, seconds, fn):
        """Calls fn every `seconds` on a daemon thread, logging (not dying on) its exceptions."""

        def loop():
            stop = threading.Event()
            while not stop.wait(seconds):
                try:
                    fn()
                except Exception as e:  # noqa: BLE001 - a periodic task must keep running
                    self.log("periodic task failed:", repr(e))

        threading.Thread(target=loop, daemon=True).start()

    # ---- talking

    def send(self, dest, body):
        line = json.dumps({"src": self.id, "dest": dest, "body": body})
        with self._out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, request, body):
        body = dict(body)
        body["in_reply_to"] = request["body"].get("msg_id")
        self.send(request["src"], body)

    def rpc(self, dest, body, timeout=1.0):
        """Sends a request and blocks until its reply body; raises RPCError on an error reply or timeout."""
        with self._lock:
            msg_id = self._next_msg_id
            self._next_msg_id += 1
            slot = [threading.Event(), None]
            self._waiting[msg_id] = slot
        body = dict(body)
        body["msg_id"] = msg_id
        self.send(dest, body)
        if not slot[0].wait(timeout):
            with self._lock:
                self._waiting.pop(msg_id, None)
            raise RPCError(0, "no reply from %s in %s s" % (dest, timeout))
        reply = slot[1]
        if reply.get("type") == "error":
            raise RPCError(reply.get("code", 13), reply.get("text", "error"))
        return reply

    def log(self, *parts):
        sys.stderr.write(" ".join(p if isinstance(p, str) else json.dumps(p) for p in parts) + "\n")
        sys.stderr.flush()

    # ---- the loop

    def _init(self, request):
        self.id = str(request["body"]["node_id"])
        self.node_ids = [str(n) for n in request["body"]["node_ids"]]
        self.reply(request, {"type": "init_ok"})
        for fn in self._on_init:
            fn()

    def _handle(self, handler, message):
        try:
            handler(message)
        except Exception as e:  # noqa: BLE001 - every failure becomes an error reply
            code = e.code if isinstance(e, RPCError) and e.code == 0 else 13
            self.log("handler for", message["body"].get("type"), "failed:", repr(e))
            if message["body"].get("msg_id") is not None:
                self.reply(message, {"type": "error", "code": code, "text": str(e)})

    def _dispatch(self, message):
        body = message.get("body", {})
        in_reply_to = body.get("in_reply_to")
        if in_reply_to is not None:
            with self._lock:
                slot = self._waiting.pop(in_reply_to, None)
            if slot is not None:  # else a reply after its timeout
                slot[1] = body
                slot[0].set()
            return
        handler = self._handlers.get(body.get("type"))
        if handler is None:
            self.reply(message, {"type": "error", "code": 10, "text": "no handler for %s" % body.get("type")})
            return
        if body.get("type") == "init":
            handler(message)  # before anything else: the id is needed to send
        else:
            self._pool.submit(self._handle, handler, message)

    def run(self):
        """Reads messages from stdin until it closes, then exits."""
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                self.log("not JSON:", line)
                continue
            self._dispatch(message)
        # stdin closed: no message can arrive any more. Let the running handlers finish (one blocked on
        # an RPC ends at its timeout), then exit without waiting for the periodic tasks.
        self._pool.shutdown(wait=True)
        sys.stdout.flush()
        os._exit(0)
