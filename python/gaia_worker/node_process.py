"""One Python pipeline node's life (the mirror of gaia's workers/node/main.ts; the command line
is node_runtime.py).

Reads top to bottom: connect to the control socket and say hello (with GAIA_SECRET) → the init
names the config and the channels → load the module, bind the data socket, construct the node
→ ready → ``node.start``: outputs connect → the loop {select; read frames; ``process`` each, in
arrival order; flush frames and credits} → ``node.close``: once every input has ended and its
frames are processed, ``close(ctx)`` runs, outputs end, ``node.closed``, exit 0. An exception
in ``__init__``, ``process`` or ``close`` is reported as ``node.error`` and the process exits 1.
EOF on the control socket (the IO engine is gone, and sessions die with it) exits at once.
"""
from __future__ import annotations

import collections
import json
import os
import selectors
import socket
import sys
import time
import traceback
from typing import Any

from .node_api import NodeContext, describe, nodes, ports
from .node_channels import OutputChannel, OutputPort
from .node_frames import BYTES, FrameDecoder, frame_bytes, receive, send_all
from .node_inputs import Inputs
from .node_messages import check
from .node_values import SlotPool
from .protocol import PROTOCOL_VERSION

STATS_EVERY_S = 0.5


class Node:
    def __init__(self, args: dict[str, str], secret: str) -> None:
        self.args, self.secret = args, secret
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control_frames = FrameDecoder()
        self.sel = selectors.DefaultSelector()
        self.inputs: Inputs | None = None
        self.outputs: dict[str, OutputPort] = {}
        self.out_channels: list[OutputChannel] = []
        self.inbox: collections.deque[tuple[Any, Any]] = collections.deque()
        self.state = "hello"  # hello | initializing | ready | running | closing
        self.instance: Any = None
        self.capacity = 1
        self.frames_in = 0
        self.last_stats = 0.0
        self.last_shown: tuple = ()
        self.ctx = NodeContext(args["session"], args["node"], self.emit)

    # -- control -----------------------------------------------------------------------
    def send_control(self, message: dict) -> None:
        send_all(self.control, frame_bytes(message))

    def read_control(self) -> list[dict]:
        try:
            chunk = receive(self.control)
        except OSError:
            chunk = b""
        if not chunk:
            os._exit(0)  # the IO engine is gone: so is this session
        messages = self.control_frames.feed(chunk)
        for message in messages:
            reason = check(message)
            if reason:  # the runtime is gaia itself: this is a bug, said loudly (as the Bun node does)
                print(f"dropping connection: {reason}", file=sys.stderr, flush=True)
                os._exit(1)
        return messages

    def run(self) -> int:
        self.control.connect(self.args["socket"])
        a = self.args
        self.send_control({"t": "node.hello", "v": PROTOCOL_VERSION, "secret": self.secret, "session": a["session"],
                           "node": a["node"], "pid": os.getpid(), "runtime": "python"})
        init = None
        while init is None:
            for message in self.read_control():
                if message["t"] == "fatal":
                    print(f"the session runtime refused this node: {message.get('message')}", file=sys.stderr, flush=True)
                    return 1
                if message["t"] == "node.init":
                    init = message
        self.state = "initializing"
        try:
            self.initialize(init)
        except BaseException as err:  # noqa: BLE001 - any failure to start is reported, SystemExit included
            return self.fail("init", err)
        self.state = "ready"
        self.send_control({"t": "node.ready"})
        return self.loop()

    def initialize(self, init: dict) -> None:
        a = self.args
        describe(a["module"])
        cls = nodes().get(a["type"])
        if cls is None:
            raise LookupError(f"module {a['module']} has no node type {a['type']!r} (it has: {', '.join(nodes()) or 'none'})")
        declared = ports(cls)
        for side, entries in (("inputs", init["inputs"]), ("outputs", init["outputs"])):
            for entry in entries:
                if entry["port"] not in declared[side]:
                    raise LookupError(f"node type {a['type']!r} no longer declares {side[:-1]} {entry['port']!r} (the module changed since the graph was checked)")
        arrays, self.capacity = init["arrays"], init["capacity"]
        for i, out in enumerate(init["outputs"]):
            pool = SlotPool(arrays["dir"], f"{arrays['prefix']}o{i}", self.capacity + 2)
            chans = [OutputChannel(c["channel"], c["path"], pool.release) for c in out["channels"]]
            self.out_channels += chans
            self.outputs[out["port"]] = OutputPort(out["port"], chans, pool, self.wait_for_credit)
        self.sel.register(self.control, selectors.EVENT_READ, "control")
        self.inputs = Inputs(init, a["session"], self.secret, self.sel, self.inbox, self.lost)
        self.inputs.listen(init["listen"])
        self.instance = cls(init["config"], self.ctx)

    def on_control(self, messages: list[dict]) -> None:
        for message in messages:
            kind = message["t"]
            if kind == "node.start" and self.state == "ready":
                self.state = "running"
                for ch in self.out_channels:
                    ch.connect({"t": "chan.open", "v": PROTOCOL_VERSION, "secret": self.secret, "session": self.args["session"], "channel": ch.channel})
                    if ch.sock is not None:
                        self.sel.register(ch.sock, selectors.EVENT_READ, ch)
                    self.check_lost(ch)
            elif kind == "node.close":
                if self.state != "running":
                    os._exit(0)
                self.state = "closing"
            elif kind == "fatal":
                print(f"the session runtime says: {message.get('message')}", file=sys.stderr, flush=True)
                os._exit(1)

    def lost(self, channel: str, reason: str) -> None:
        self.send_control({"t": "node.channel_lost", "channel": channel, "reason": reason})

    # -- the loop ------------------------------------------------------------------------
    def loop(self) -> int:
        assert self.inputs is not None
        while True:
            for key, _ in self.sel.select(STATS_EVERY_S):
                what = key.data
                if what == "control":
                    self.on_control(self.read_control())
                elif isinstance(what, OutputChannel):
                    what.poll(False)
                    self.check_lost(what)
                else:
                    self.inputs.ready(what, key.fileobj)
            if self.inbox and not self.process_inbox():
                return 1
            self.flush()
            self.housekeeping()
            if self.state == "closing" and not self.inbox and self.inputs.ended:
                return self.finish()

    def process_inbox(self) -> bool:
        inbox, instance, ctx = self.inbox, self.instance, self.ctx
        half = max(1, self.capacity // 2)
        while inbox:
            ch, value = inbox.popleft()
            self.frames_in += 1
            try:
                instance.process(ch.port, value, ctx)
            except Exception as err:  # noqa: BLE001 - the user's exception fails the session
                self.fail("process", err)
                return False
            ch.outstanding -= 1  # ch.release(), inline: this loop runs once per frame
            ch.credit += 1
            if ch.credit >= half:
                ch.flush_credit()
        return True

    def emit(self, port: str, value: Any) -> None:
        try:
            out = self.outputs[port]
        except KeyError:
            raise KeyError(f"ctx.emit: node {self.args['node']!r} has no output port {port!r} (its outputs: {', '.join(self.outputs) or 'none'})") from None
        if self.state != "running" and self.state != "closing":
            raise RuntimeError("ctx.emit in __init__: outputs connect once every node of the session is ready; emit from process()")
        out.emit(value)

    def wait_for_credit(self, ch: OutputChannel) -> None:
        self.flush()  # about to block: what is batched must not wait with us
        while ch.credits <= 0:
            ch.poll(block=ch.state == "open")
            if ch.state != "open":
                self.check_lost(ch)
                self.stall()

    def check_lost(self, ch: OutputChannel) -> None:
        if ch.state == "lost" and ch.lost_reason:
            self.lost(ch.channel, ch.lost_reason)
            ch.lost_reason = ""

    def stall(self) -> None:
        """A lost output means the session is failing: wait to be stopped, blaming no one."""
        while True:
            self.read_control()

    def flush(self) -> None:
        for ch in self.out_channels:
            ch.flush()
        if self.inputs is not None:
            self.inputs.flush_credits()

    def housekeeping(self) -> None:
        now = time.monotonic()
        if now - self.last_stats < STATS_EVERY_S:
            return
        self.last_stats = now
        if self.inputs is not None:
            self.inputs.expire(now)
        stats = self.stats()
        shown = (stats["frames_in"], stats["frames_out"], json.dumps(stats["inputs"]), json.dumps(stats["outputs"]))
        if shown != self.last_shown:  # an idle node says nothing
            self.last_shown = shown
            self.send_control({"t": "node.stats", "stats": stats})

    def stats(self) -> dict:
        return {"frames_in": self.frames_in, "frames_out": sum(o.frames for o in self.outputs.values()),
                "bytes_read": BYTES["read"], "bytes_written": BYTES["written"],
                "inputs": self.inputs.stats() if self.inputs else {}, "outputs": {p: o.stats() for p, o in self.outputs.items()}}

    def finish(self) -> int:
        try:
            close = getattr(self.instance, "close", None)
            if callable(close):
                close(self.ctx)
        except Exception as err:  # noqa: BLE001
            return self.fail("close", err)
        for ch in self.out_channels:
            ch.end()
        self.send_control({"t": "node.closed", "stats": self.stats()})
        return 0

    def fail(self, phase: str, err: BaseException) -> int:
        tb = traceback.format_exc()
        print(tb, file=sys.stderr, flush=True)
        error = {"type": type(err).__name__, "message": str(err), "traceback": tb}
        try:
            self.send_control({"t": "node.error", "phase": phase, "error": error})
        except OSError:
            pass
        return 1
