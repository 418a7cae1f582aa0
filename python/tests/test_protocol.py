"""Frames on the wire (SPEC §9), checked against the vectors the TypeScript suite also checks.

Proves that every shared vector decodes to its JSON meaning and re-encodes byte for byte;
that FrameReader reassembles frames however the socket splits or joins them; that a length
over the cap is refused before its body arrives; that bytes which are not exactly one CBOR
map with a text "t" raise FrameError; that encode_frame refuses an over-cap frame; and that
integers beyond 32 bits stay integers.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import cbor2
import pytest

from gaia_worker.messages import FIELDS, check
from gaia_worker.protocol import MAX_FRAME_BYTES, FrameError, FrameReader, encode_frame

VECTORS_DIR = Path(__file__).resolve().parent.parent.parent / "test" / "vectors"
VECTOR_NAMES = sorted(p.stem for p in VECTORS_DIR.glob("*.json"))


def frame_of(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def vector(name: str) -> tuple[dict, bytes]:
    """The vector's meaning (from its JSON) and its frame (its CBOR bytes behind a length)."""
    meaning = json.loads((VECTORS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return meaning, frame_of((VECTORS_DIR / f"{name}.cbor").read_bytes())


def test_the_vectors_are_found_in_pairs():
    assert VECTOR_NAMES, f"no vectors in {VECTORS_DIR}"
    cbor_names = sorted(p.stem for p in VECTORS_DIR.glob("*.cbor"))
    assert cbor_names == VECTOR_NAMES


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_a_vector_decodes_to_its_meaning_and_reencodes_byte_for_byte(name):
    meaning, frame = vector(name)
    decoded = FrameReader().feed(frame)
    assert decoded == [meaning]
    assert encode_frame(decoded[0]) == frame
    assert encode_frame(meaning) == frame


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_a_frame_split_at_any_byte_reassembles(name):
    meaning, frame = vector(name)
    for cut in range(len(frame) + 1):
        reader = FrameReader()
        assert reader.feed(frame[:cut]) + reader.feed(frame[cut:]) == [meaning], f"cut at byte {cut}"
    reader = FrameReader()
    one_by_one = [m for i in range(len(frame)) for m in reader.feed(frame[i : i + 1])]
    assert one_by_one == [meaning]


def _is_worker_message(name: str) -> bool:
    meaning = json.loads((VECTORS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return meaning["t"] in FIELDS and meaning.get("role") != "supervisor"


#: The supervisor's messages (req, res, event, its hello) never reach Python.
WORKER_VECTORS = [name for name in VECTOR_NAMES if _is_worker_message(name)]


@pytest.mark.parametrize("name", WORKER_VECTORS)
def test_a_worker_message_vector_fits_its_python_schema(name):
    meaning, frame = vector(name)
    assert check(meaning) is None
    assert FrameReader(checked=True).feed(frame) == [meaning]


def test_a_worker_message_that_misses_a_field_is_refused_naming_it():
    with pytest.raises(FrameError, match="bad 'result' message: attempt: missing"):
        FrameReader(checked=True).feed(encode_frame({"t": "result", "id": "j1", "ok": True, "execution_ms": 1, "usage": {}}))
    with pytest.raises(FrameError, match="unknown message tag 'req'"):
        FrameReader(checked=True).feed(encode_frame({"t": "req", "id": 1}))


def test_several_frames_in_one_chunk_come_out_in_order():
    pairs = [vector(name) for name in VECTOR_NAMES]
    chunk = b"".join(frame for _, frame in pairs)
    assert FrameReader().feed(chunk) == [meaning for meaning, _ in pairs]


def test_a_chunk_ending_inside_a_frame_keeps_the_rest_for_later():
    (ping, ping_frame), (pong, pong_frame) = vector("ping"), vector("pong")
    reader = FrameReader()
    assert reader.feed(ping_frame + pong_frame[:3]) == [ping]
    assert reader.feed(pong_frame[3:]) == [pong]
    assert reader.feed(b"") == []


def test_a_length_over_the_cap_is_refused_before_the_body_arrives():
    with pytest.raises(FrameError, match=str(MAX_FRAME_BYTES + 1)):
        FrameReader().feed(struct.pack(">I", MAX_FRAME_BYTES + 1))
    with pytest.raises(FrameError):
        FrameReader().feed(b"\xff\xff\xff\xff")


def test_a_length_at_the_cap_waits_for_its_body():
    assert FrameReader().feed(struct.pack(">I", MAX_FRAME_BYTES) + b"\xa0") == []


@pytest.mark.parametrize(
    "body",
    [
        b"",  # no data item at all
        b"\xff",  # a lone "break"
        b"\x1c",  # reserved additional information
        cbor2.dumps({"t": "ping", "n": 7})[:-1],  # a map cut short
        b"\xa1\x61\x74\x62\xff\xfe",  # a text string that is not UTF-8
    ],
    ids=["empty", "break", "reserved", "truncated", "bad-utf8"],
)
def test_bytes_that_do_not_decode_raise_frame_error(body):
    with pytest.raises(FrameError):
        FrameReader().feed(frame_of(body))


def test_bytes_after_the_one_data_item_raise_frame_error():
    # SPEC §9: a frame holds one CBOR data item. The TypeScript reader (cbor-x) refuses
    # trailing bytes ("Data read, but end of buffer not reached"); both sides should agree.
    body = cbor2.dumps({"t": "ping", "n": 7}) + b"\x00"
    with pytest.raises(FrameError):
        FrameReader().feed(frame_of(body))


@pytest.mark.parametrize(
    "value",
    [[1, 2], 7, "t", None, {"n": 7}, {"t": 1}, {"t": None}, {"t": b"ping"}],
    ids=["array", "int", "text", "null", "no-t", "int-t", "null-t", "bytes-t"],
)
def test_valid_cbor_that_is_not_a_message_raises_frame_error(value):
    with pytest.raises(FrameError, match="not a message"):
        FrameReader().feed(frame_of(cbor2.dumps(value)))


def test_encode_frame_refuses_a_frame_over_the_cap():
    with pytest.raises(FrameError, match="cap"):
        encode_frame({"t": "progress", "blob": bytes(MAX_FRAME_BYTES)})


def test_encode_frame_writes_the_length_big_endian():
    frame = encode_frame({"t": "drain"})
    assert frame[:4] == struct.pack(">I", len(frame) - 4)
    assert cbor2.loads(frame[4:]) == {"t": "drain"}


@pytest.mark.parametrize("n", [5_000_000_000, -5_000_000_000, 2**63 - 1, -(2**63)])
def test_integers_beyond_32_bits_stay_integers(n):
    message = {"t": "job", "payload": {"n": n}}
    frame = encode_frame(message)
    assert frame[4:].endswith(bytes([0x1B if n >= 0 else 0x3B]) + struct.pack(">Q", n if n >= 0 else -1 - n))
    (decoded,) = FrameReader().feed(frame)
    assert type(decoded["payload"]["n"]) is int
    assert decoded == message
