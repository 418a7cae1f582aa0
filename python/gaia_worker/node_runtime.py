"""A Python pipeline node: ``python -m gaia_worker.node_runtime --socket RUN/nodes.sock
--session S --node ID --module M --type T`` (and ``--describe M``: one JSON line listing the
module's node types and ports). The mirror of gaia's workers/node/main.ts. (The module is not
``gaia_worker.node``: ``from gaia_worker import node`` is the decorator.)

Reads top to bottom: connect to the control socket and say hello (with GAIA_SECRET) → the init
names the config and the channels → load the module, bind the data socket, construct the node
→ ready → ``node.start``: outputs connect → the loop {select; read frames; ``process`` each, in
arrival order; flush frames and credits} → ``node.close``: once every input has ended and its
frames are processed, ``close(ctx)`` runs, outputs end, ``node.closed``, exit 0. An exception
in ``__init__``, ``process`` or ``close`` is reported as ``node.error`` and the process exits 1.
EOF on stdin (the supervisor is gone) or on the control socket (the IO engine is gone, and
sessions die with it) exits at once. SIGTERM keeps its default: the process ends.
"""
from __future__ import annotations

import collections
import hmac
import json
import os
import selectors
import socket
import sys
import time
import traceback
from typing import Any

from . import jsonlog
from .node_api import NodeContext, describe, nodes, ports
from .node_channels import BYTES, ChannelError, FrameDecoder, InputChannel, OutputChannel, OutputPort, frame_bytes, receive, send_all
from .node_values import SlotMaps, SlotPool
from .protocol import PROTOCOL_VERSION, FrameError

STATS_EVERY_S = 0.5
OPEN_WITHIN_S = 10.0


class Node:
    def __init__(self, args: dict[str, str], secret: str) -> None:
        self.args, self.secret = args, secret
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control_frames = FrameDecoder()
        self.sel = selectors.DefaultSelector()
        self.inputs: dict[str, dict] = {}  # channel -> {port, maps}
        self.channels: dict[str, InputChannel] = {}
        self.pending: dict[socket.socket, tuple[FrameDecoder, float]] = {}
        self.outputs: dict[str, OutputPort] = {}
        self.out_channels: list[OutputChannel] = []
        self.inbox: collections.deque[tuple[InputChannel, Any]] = collections.deque()
        self.state = "hello"  # hello | initializing | ready | running | closing
        self.instance: Any = None
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
        return self.control_frames.feed(chunk)

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
        for entry in init["inputs"]:
            if entry["port"] not in declared["inputs"]:
                raise LookupError(f"node type {a['type']!r} no longer declares input {entry['port']!r} (the module changed since the graph was checked)")
        arrays, capacity = init["arrays"], init["capacity"]
        for i, out in enumerate(init["outputs"]):
            if out["port"] not in declared["outputs"]:
                raise LookupError(f"node type {a['type']!r} no longer declares output {out['port']!r} (the module changed since the graph was checked)")
            pool = SlotPool(arrays["dir"], f"{arrays['prefix']}o{i}", capacity + 2)
            chans = [OutputChannel(c["channel"], c["path"], pool.release) for c in out["channels"]]
            self.out_channels += chans
            self.outputs[out["port"]] = OutputPort(out["port"], chans, pool, self.wait_for_credit)
        for entry in init["inputs"]:
            self.inputs[entry["channel"]] = {"port": entry["port"], "maps": SlotMaps(arrays["dir"], arrays["accept"], capacity + 4)}
        self.capacity = capacity
        self.sel.register(self.control, selectors.EVENT_READ, "control")
        if init["listen"]:
            try:
                os.unlink(init["listen"])
            except FileNotFoundError:
                pass
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(init["listen"])
            listener.listen(64)
            self.sel.register(listener, selectors.EVENT_READ, "listener")
        self.instance = cls(init["config"], self.ctx)

    # -- the loop ------------------------------------------------------------------------
    def loop(self) -> int:
        while True:
            for key, _ in self.sel.select(STATS_EVERY_S):
                what = key.data
                if what == "control":
                    self.on_control(self.read_control())
                elif what == "listener":
                    conn, _ = key.fileobj.accept()
                    self.pending[conn] = (FrameDecoder(), time.monotonic() + OPEN_WITHIN_S)
                    self.sel.register(conn, selectors.EVENT_READ, "pending")
                elif what == "pending":
                    self.on_pending(key.fileobj)
                elif isinstance(what, InputChannel):
                    self.on_input(what)
                elif isinstance(what, OutputChannel):
                    what.poll(False)
                    self.check_lost(what)
            if self.inbox and not self.process_inbox():
                return 1
            self.flush()
            self.housekeeping()
            if self.state == "closing" and not self.inbox and all(c.state == "ended" for c in self.channels.values()) and len(self.channels) == len(self.inputs):
                return self.finish()

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

    def on_pending(self, conn: socket.socket) -> None:
        frames, _ = self.pending[conn]
        try:
            chunk = receive(conn)
            messages = frames.feed(chunk) if chunk else None
            if messages is None:
                return self.drop_pending(conn, None)
            if not messages:
                return
            reason = self.accept(conn, messages[0], messages[1:])
        except (FrameError, OSError) as err:
            return self.drop_pending(conn, f"dropping connection: {err}")
        if reason:
            try:
                send_all(conn, frame_bytes({"t": "fatal", "message": reason}))
            except OSError:
                pass
            self.drop_pending(conn, f"refusing a channel: {reason}")

    def accept(self, conn: socket.socket, m: dict, after: list[dict]) -> str | None:
        if m["t"] != "chan.open":
            return f"expected chan.open first, got {m['t']!r}"
        if m.get("v") != PROTOCOL_VERSION:
            return f"protocol version {m.get('v')!r}; this gaia speaks {PROTOCOL_VERSION}"
        if not isinstance(m.get("secret"), str) or not hmac.compare_digest(m["secret"].encode(), self.secret.encode()):
            return f"wrong secret for channel {m.get('channel')}"
        channel = m.get("channel")
        if m.get("session") != self.args["session"]:
            return f"channel {channel} of session {m.get('session')} opened at session {self.args['session']}"
        if channel in self.channels:
            return f"channel {channel} is already open"
        if channel not in self.inputs:
            return f"no channel {channel} in session {self.args['session']} here"
        del self.pending[conn]
        self.sel.unregister(conn)
        spec = self.inputs[channel]
        ch = InputChannel(conn, channel, spec["port"], self.capacity, spec["maps"])
        self.channels[channel] = ch
        self.sel.register(conn, selectors.EVENT_READ, ch)
        # What came with the open (a chan.end, when the session ended as it started) is the
        # channel's: a frame among it is one beyond the credits, which breaks the channel.
        self.deliver(ch, after)
        return None

    def drop_pending(self, conn: socket.socket, line: str | None) -> None:
        if line:
            print(line, file=sys.stderr, flush=True)
        self.pending.pop(conn, None)
        self.sel.unregister(conn)
        conn.close()

    def on_input(self, ch: InputChannel) -> None:
        reason = "the producer's connection closed without chan.end"
        try:
            values = ch.read()
        except (FrameError, ChannelError) as err:
            print(f"dropping connection: {err}", file=sys.stderr, flush=True)
            ch.state, values, reason = "lost", None, str(err)
        self.received(ch, values, reason)

    def deliver(self, ch: InputChannel, messages: list[dict]) -> None:
        try:
            values = ch.take(messages) if messages else []
        except ChannelError as err:
            print(f"dropping connection: {err}", file=sys.stderr, flush=True)
            ch.state = "lost"
            return self.received(ch, None, str(err))
        self.received(ch, values, "")

    def received(self, ch: InputChannel, values: list[Any] | None, reason: str) -> None:
        if values is None:
            self.sel.unregister(ch.sock)
            ch.sock.close()
            self.send_control({"t": "node.channel_lost", "channel": ch.channel, "reason": reason})
            return
        for value in values:
            self.inbox.append((ch, value))
        if ch.state == "ended":
            self.sel.unregister(ch.sock)
            ch.sock.close()

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
            self.send_control({"t": "node.channel_lost", "channel": ch.channel, "reason": ch.lost_reason})
            ch.lost_reason = ""

    def stall(self) -> None:
        """A lost output means the session is failing: wait to be stopped, blaming no one."""
        while True:
            self.read_control()

    def flush(self) -> None:
        for ch in self.out_channels:
            ch.flush()
        for ch in self.channels.values():
            ch.flush_credit()

    def housekeeping(self) -> None:
        now = time.monotonic()
        if now - self.last_stats < STATS_EVERY_S:
            return
        self.last_stats = now
        for conn, (_, deadline) in list(self.pending.items()):
            if now > deadline:
                self.drop_pending(conn, f"dropping connection: no chan.open within {OPEN_WITHIN_S:g} s")
        stats = self.stats()
        shown = (stats["frames_in"], stats["frames_out"], json.dumps(stats["inputs"]), json.dumps(stats["outputs"]))
        if shown != self.last_shown:  # an idle node says nothing
            self.last_shown = shown
            self.send_control({"t": "node.stats", "stats": stats})

    def stats(self) -> dict:
        inputs = {spec["port"]: {"frames": 0, "queued": 0} for spec in self.inputs.values()}
        for ch in self.channels.values():
            inputs[ch.port] = {"frames": ch.frames, "queued": ch.outstanding}
        return {"frames_in": self.frames_in, "frames_out": sum(o.frames for o in self.outputs.values()),
                "bytes_read": BYTES["read"], "bytes_written": BYTES["written"],
                "inputs": inputs, "outputs": {p: o.stats() for p, o in self.outputs.items()}}

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


def exit_on_stdin_eof() -> None:
    """SPEC §1: the supervisor never writes our stdin; EOF means it is gone."""
    import threading

    def watch() -> None:
        try:
            while os.read(0, 1 << 12):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-eof", daemon=True).start()


def parse_args(argv: list[str]) -> dict[str, str]:
    values = {}
    for flag in ("--socket", "--session", "--node", "--module", "--type"):
        if flag not in argv or argv.index(flag) + 1 >= len(argv):
            raise SystemExit(f"usage: python -m gaia_worker.node_runtime --socket P --session S --node ID --module M --type T (missing {flag})")
        values[flag[2:]] = argv[argv.index(flag) + 1]
    return values


def describe_command(module: str) -> int:
    """One JSON line on stdout: ``{"nodes": {type: {inputs, outputs}}}`` or ``{"error": ...}``."""
    try:
        answer, code = {"nodes": describe(module)}, 0
    except BaseException as err:  # noqa: BLE001 - any failure to load is the answer
        answer, code = {"error": f"cannot load node module {module}: {type(err).__name__}: {err}".split("\n")[0]}, 1
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return code


def main(argv: list[str]) -> int:
    if argv[:1] == ["--describe"] and len(argv) == 2:
        return describe_command(argv[1])
    jsonlog.install()
    args = parse_args(argv)
    exit_on_stdin_eof()
    node = Node(args, os.environ.get("GAIA_SECRET", ""))
    code = node.run()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: a node's sockets and mappings go with the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
