"""Python channels over real Unix sockets (SPEC §12): the consumer grants its capacity, the
producer spends a credit per frame and blocks without one, credits free shared-memory slots,
a frame beyond the credits or a refused open breaks the channel, chan.end ends it.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest

from gaia_worker.node_channels import ChannelError, InputChannel, OutputChannel, OutputPort
from gaia_worker.node_frames import FrameSplitter, decode_body, frame_bytes
from gaia_worker.node_values import SHM_MIN_BYTES, SlotMaps, SlotPool
from gaia_worker.protocol import FrameError

from test_node_values import SHM, files, session  # noqa: F401 - the fixture


@pytest.fixture
def pair(tmp_path):
    """A producer end connected to a consumer end through a real listening socket."""
    path = str(tmp_path / "in.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    made = []

    def connect(capacity, pool=None, maps=None):
        out = OutputChannel("a.out->b.in", path, pool.release if pool else (lambda s: None))
        out.connect({"t": "chan.open", "v": 1, "secret": "s", "session": "x", "channel": "a.out->b.in"})
        conn, _ = listener.accept()
        conn.settimeout(10)
        opened = decode_body(FrameSplitter().feed(conn.recv(1 << 16))[0], None)
        assert opened["t"] == "chan.open"
        inp = InputChannel(conn, "a.out->b.in", "in", capacity, maps or SlotMaps(SHM, "none", 4))
        made.extend([out, inp])
        return out, inp

    yield connect
    for end in made:
        if end.sock is not None:
            end.sock.close()
    listener.close()


def test_the_first_grant_is_the_capacity_and_frames_spend_it(pair):
    out, inp = pair(3)
    out.poll(block=True)
    assert out.credits == 3
    port = OutputPort("out", [out], SlotPool(SHM, "unused", 1), wait=lambda ch: pytest.fail("no wait expected"))
    for i in range(3):
        port.emit({"i": i})
    out.flush()
    assert out.credits == 0 and len(out.inflight) == 3
    values = []
    while len(values) < 3:
        values += inp.read()
    assert values == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert inp.outstanding == 3


def test_emit_blocks_without_credit_until_the_consumer_releases(pair):
    out, inp = pair(1)
    out.poll(block=True)
    def wait(ch):
        while ch.credits <= 0:
            ch.poll(block=True)

    port = OutputPort("out", [out], SlotPool(SHM, "unused", 1), wait=wait)
    port.emit(1)
    out.flush()
    done = threading.Event()
    threading.Thread(target=lambda: (port.emit(2), done.set()), daemon=True).start()
    assert inp.read() == [1]
    assert not done.wait(0.3), "the second emit did not wait for a credit"
    inp.release()
    inp.flush_credit()
    assert done.wait(10), "the second emit did not go once the credit came back"


def test_a_credit_frees_the_slots_of_the_oldest_frame(pair, session):
    pool = SlotPool(SHM, f"{session}n0o0", keep=4)
    out, inp = pair(2, pool, SlotMaps(SHM, session, 8))
    out.poll(block=True)
    port = OutputPort("out", [out], pool, wait=lambda ch: None)
    port.emit(b"\x01" * SHM_MIN_BYTES)
    port.emit(b"\x02" * SHM_MIN_BYTES)
    out.flush()
    assert len(files(session)) == 2 and pool.free == []
    got = []
    while len(got) < 2:
        got += inp.read()
    assert bytes(got[1][:1]) == b"\x02"
    inp.release()
    inp.flush_credit()
    out.poll(block=True)
    assert len(pool.free) == 1 and out.credits == 1


def test_a_frame_beyond_the_credits_breaks_the_channel(pair):
    out, inp = pair(1)
    out.sock.sendall(frame_bytes({"t": "chan.frame", "value": 1}) + frame_bytes({"t": "chan.frame", "value": 2}))
    with pytest.raises(ChannelError, match="beyond its 1 credits"):
        while True:
            inp.read()


def test_chan_end_ends_the_channel_and_more_frames_are_refused(pair):
    out, inp = pair(2)
    out.poll(block=True)
    out.end()
    while inp.state == "open":
        inp.read()
    assert inp.state == "ended"


def test_a_refused_open_loses_the_channel_with_the_reason(pair):
    out, inp = pair(1)
    inp.sock.sendall(frame_bytes({"t": "fatal", "message": "wrong secret for channel a.out->b.in"}))
    time.sleep(0.05)
    out.poll(block=True)  # reads the credit and the fatal
    while out.state == "open":
        out.poll(block=True)
    assert out.state == "lost" and out.lost_reason == "the consumer refused the channel: wrong secret for channel a.out->b.in"


def test_the_splitter_refuses_an_oversize_length_and_joins_a_big_frame_once():
    with pytest.raises(FrameError, match="exceeds the 16777216-byte cap"):
        FrameSplitter().feed(b"\x7f\xff\xff\xff")
    body = bytes(1 << 20)
    frame = len(body).to_bytes(4, "big") + body
    splitter = FrameSplitter()
    pieces = [splitter.feed(frame[i : i + 65536]) for i in range(0, len(frame), 65536)]
    assert [b for p in pieces for b in p] == [body]
    assert len(splitter.parts) == 0
