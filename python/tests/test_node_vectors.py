"""The pipeline messages' shared vectors (test/vectors/pipelines/, also checked by
test/pipeline-vectors.test.ts): each decodes to its JSON meaning and re-encodes byte for byte
through the node's frame codec; array frames from the value codec are the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path

import cbor2
import numpy as np
import pytest

from gaia_worker.node_frames import FrameDecoder, FrameSplitter, chan_frame_bytes, decode_body, frame_bytes
from gaia_worker.node_messages import MESSAGES, check
from gaia_worker.node_values import encode_value, make_tag_hook

DIR = Path(__file__).resolve().parent.parent.parent / "test" / "vectors" / "pipelines"
NAMES = sorted(p.stem for p in DIR.glob("*.cbor"))


def from_meaning(v):
    if isinstance(v, list):
        return [from_meaning(x) for x in v]
    if isinstance(v, dict):
        if "$tag" in v:
            return cbor2.CBORTag(v["$tag"], from_meaning(v["value"]))
        if "$bytes" in v:
            return bytes.fromhex(v["$bytes"])
        return {k: from_meaning(x) for k, x in v.items()}
    return v


def vector(name):
    return json.loads((DIR / f"{name}.json").read_text(encoding="utf-8")), (DIR / f"{name}.cbor").read_bytes()


def test_every_vector_has_its_pair():
    assert NAMES and sorted(p.stem for p in DIR.glob("*.json")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_vector_frames_and_splits_byte_for_byte(name):
    meaning, body = vector(name)
    frame = frame_bytes(from_meaning(meaning))
    assert frame[4:] == body
    splitter = FrameSplitter()
    assert [b for i in range(len(frame)) for b in splitter.feed(frame[i : i + 1])] == [body]
    keep_tags = lambda *args: args[0] if isinstance(args[0], cbor2.CBORTag) else args[1]  # noqa: E731
    assert decode_body(body, keep_tags)["t"] == meaning["t"]
    decoded = FrameDecoder(keep_tags).feed(frame)
    assert [cbor2.dumps(m) for m in decoded] == [body]  # the channels' decoder, fast path or not
    if meaning["t"] == "chan.frame":
        # The hot path writes a fixed prefix and the value: the same bytes as the whole map.
        assert chan_frame_bytes(from_meaning(meaning)["value"]) == frame


def test_the_message_mirror_names_every_tag_and_takes_every_vector():
    assert sorted(MESSAGES) == sorted({vector(n)[0]["t"] for n in NAMES})  # the vectors cover every TS tag
    for name in NAMES:
        assert check(from_meaning(vector(name)[0])) is None, name


@pytest.mark.parametrize("message, reason", [
    ({"t": "chan.open", "v": 1, "secret": "s", "session": "x"}, "bad 'chan.open' message: channel: expected str, got NoneType"),
    ({"t": "chan.credit", "n": True}, "bad 'chan.credit' message: n: expected int, got bool"),
    ({"t": "chan.credit", "n": 0}, "bad 'chan.credit' message: n: expected an integer >= 1"),
    ({"t": "node.init", "config": None, "capacity": 1, "listen": 3, "inputs": [], "outputs": [], "arrays": {}}, "bad 'node.init' message: listen: expected str or null, got int"),
    ({"t": "nope"}, "unknown message tag 'nope'"),
])
def test_the_mirror_refuses_what_the_schemas_refuse(message, reason):
    assert check(message) == reason


def test_the_value_codec_makes_the_array_vectors():
    _, inline = vector("chan-frame-array")
    arr = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    assert frame_bytes({"t": "chan.frame", "value": {"x": encode_value(arr, None)}})[4:] == inline
    back = decode_body(inline, make_tag_hook(None))["value"]["x"]
    assert back.dtype == np.float32 and back.shape == (2, 2) and np.array_equal(back, arr)
    _, shared = vector("chan-frame-shared")
    placed = encode_value(np.zeros(4_194_304, np.float32), lambda src, n: {"file": "gaia-12p34-pabcn0o0s3", "offset": 0, "length": n})
    assert frame_bytes({"t": "chan.frame", "value": placed})[4:] == shared
    _, with_bytes = vector("chan-frame-bytes")
    placed = encode_value([b"\x01\x02", bytes(65536)], lambda src, n: {"file": "gaia-12p34-pabci0s0", "offset": 0, "length": n})
    assert frame_bytes({"t": "chan.frame", "value": placed})[4:] == with_bytes
