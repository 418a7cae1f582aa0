"""A real Python node process (``python -m gaia_worker.node_runtime``) driven by this test as
its session runtime: hello with the run's secret, init, ready, start, frames in and out through
real channels, close; a refused hello; an exception in ``__init__``.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gaia_worker.node_frames import FrameSplitter, decode_body, frame_bytes
from gaia_worker.node_values import make_tag_hook
from gaia_worker.protocol import PROTOCOL_VERSION

from conftest import PYTHON_DIR, WAIT_S

FIXTURE = str(PYTHON_DIR.parent / "test" / "fixtures" / "pipeline_nodes.py")
SECRET = "a-secret"


class Peer:
    """One end of a framed connection, as the session runtime or a channel's other end."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.splitter, self.pending = sock, FrameSplitter(), []
        sock.settimeout(WAIT_S)

    def send(self, message: dict) -> None:
        self.sock.sendall(frame_bytes(message))

    def receive(self) -> dict | None:
        while not self.pending:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.pending += [decode_body(b, make_tag_hook(None)) for b in self.splitter.feed(chunk)]
        return self.pending.pop(0)

    def expect(self, kind: str) -> dict:
        while True:
            message = self.receive()
            assert message is not None, f"closed before a {kind!r}"
            if message["t"] != "node.stats":
                assert message["t"] == kind, message
                return message


def listen(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(4)
    sock.settimeout(WAIT_S)
    return sock


@pytest.fixture
def node(tmp_path: Path):
    procs = []

    def spawn(node_type: str, secret: str = SECRET):
        control = listen(str(tmp_path / "nodes.sock"))
        env = dict(os.environ, GAIA_SECRET=secret, PYTHONPATH=str(PYTHON_DIR))
        argv = ["--socket", str(tmp_path / "nodes.sock"), "--session", "s1", "--node", "b", "--module", FIXTURE, "--type", node_type]
        proc = subprocess.Popen([sys.executable, "-m", "gaia_worker.node_runtime", *argv], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        procs.append(proc)
        return proc, Peer(control.accept()[0])

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT_S)
        proc.stdin.close()
        proc.stderr.close()


def init_for(tmp_path: Path, config: dict) -> dict:
    return {"t": "node.init", "config": config, "capacity": 4, "listen": str(tmp_path / "b.sock"),
            "inputs": [{"port": "in", "channel": "session->b.in"}],
            "outputs": [{"port": "out", "channels": [{"channel": "b.out->session", "path": str(tmp_path / "out.sock")}]}],
            "arrays": {"dir": "/dev/shm", "prefix": "gaia-0p0-ptestn0", "accept": "gaia-0p0-ptest"}}


def test_a_node_streams_from_hello_to_close(node, tmp_path):
    out_listener = listen(str(tmp_path / "out.sock"))
    proc, control = node("py.add")
    hello = control.expect("node.hello")
    assert hello == {"t": "node.hello", "v": PROTOCOL_VERSION, "secret": SECRET, "session": "s1", "node": "b", "pid": proc.pid, "runtime": "python"}
    control.send(init_for(tmp_path, {"k": 5}))
    control.expect("node.ready")
    control.send({"t": "node.start"})
    out = Peer(out_listener.accept()[0])
    assert out.receive()["t"] == "chan.open"
    out.send({"t": "chan.credit", "n": 100})
    producer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    producer.connect(str(tmp_path / "b.sock"))
    inp = Peer(producer)
    inp.send({"t": "chan.open", "v": PROTOCOL_VERSION, "secret": SECRET, "session": "s1", "channel": "session->b.in"})
    assert inp.receive() == {"t": "chan.credit", "n": 4}
    got, credits = [], 4
    for i in range(20):
        while credits == 0:
            credits += inp.receive()["n"]
        inp.send({"t": "chan.frame", "value": {"i": i, "x": i}})
        credits -= 1
    while len(got) < 20:
        got.append(out.receive()["value"])
    assert got == [{"i": i, "x": i + 5, "by": ["python"]} for i in range(20)]
    inp.send({"t": "chan.end"})
    control.send({"t": "node.close"})
    assert out.receive() == {"t": "chan.end"}
    closed = control.expect("node.closed")
    assert closed["stats"]["frames_in"] == 20 and closed["stats"]["frames_out"] == 20
    assert proc.wait(WAIT_S) == 0


def test_a_hello_the_runtime_refuses_ends_the_node(node):
    proc, control = node("py.pass", secret="wrong")
    assert control.expect("node.hello")["secret"] == "wrong"
    control.send({"t": "fatal", "message": "node hello from pid 1 with a wrong secret"})
    assert proc.wait(WAIT_S) == 1
    assert "the session runtime refused this node: node hello from pid 1 with a wrong secret" in proc.stderr.read()


def test_an_exception_in_init_is_reported_then_the_node_exits_1(node, tmp_path):
    proc, control = node("py.raise_init")
    control.expect("node.hello")
    control.send(init_for(tmp_path, {}))
    error = control.expect("node.error")
    assert error["phase"] == "init"
    assert error["error"]["type"] == "ValueError" and error["error"]["message"] == "no such model: huge"
    assert "Traceback" in error["error"]["traceback"]
    assert proc.wait(WAIT_S) == 1


def test_an_open_and_its_end_in_one_read_are_both_taken(node, tmp_path):
    """A session terminated as it became ready: the producer opens and ends at once."""
    out_listener = listen(str(tmp_path / "out.sock"))
    proc, control = node("py.pass")
    control.expect("node.hello")
    control.send(init_for(tmp_path, {}))
    control.expect("node.ready")
    control.send({"t": "node.start"})
    out = Peer(out_listener.accept()[0])
    assert out.receive()["t"] == "chan.open"
    producer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    producer.connect(str(tmp_path / "b.sock"))
    producer.sendall(frame_bytes({"t": "chan.open", "v": PROTOCOL_VERSION, "secret": SECRET, "session": "s1", "channel": "session->b.in"}) + frame_bytes({"t": "chan.end"}))
    producer.close()  # gone before the node grants its credit: that send fails, the end still counts
    control.send({"t": "node.close"})
    assert out.receive() == {"t": "chan.end"}
    assert control.expect("node.closed")["stats"]["frames_in"] == 0
    assert proc.wait(WAIT_S) == 0
