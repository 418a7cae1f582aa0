"""Frame values (SPEC §12): arrays keep their dtype and shape, large ones and large bytes go
through shared-memory slots that are reused and bounded, consumers read them read-only and
refuse descriptors that name anything but their session's files.
"""
from __future__ import annotations

import os

import cbor2
import numpy as np
import pytest

from gaia_worker.node_frames import decode_body, frame_bytes
from gaia_worker.node_values import SHM_MIN_BYTES, TAG, SlotMaps, SlotPool, encode_value, make_tag_hook

SHM = "/dev/shm"


def instance() -> str:
    """This test process's instance id: a live one, so no gaia's start-up sweep takes the files."""
    with open("/proc/self/stat") as f:
        ticks = f.read().rsplit(")", 1)[1].split()[19]
    return f"{os.getpid()}p{ticks}"


@pytest.fixture
def session():
    prefix = f"gaia-{instance()}-p{os.urandom(8).hex()}"
    yield prefix
    for name in os.listdir(SHM):
        if name.startswith(prefix):
            os.unlink(os.path.join(SHM, name))


def files(prefix: str) -> list[str]:
    return sorted(f for f in os.listdir(SHM) if f.startswith(prefix))


def round_trip(value, pool=None, maps=None):
    slots = []

    def place(source, n):
        slot = pool.write(source, n)
        slots.append(slot)
        return {"file": slot.file, "offset": 0, "length": n}

    frame = frame_bytes({"t": "chan.frame", "value": encode_value(value, place if pool else None)})
    return decode_body(frame[4:], make_tag_hook(maps))["value"], slots, frame


def test_plain_values_and_numpy_scalars():
    value, _, _ = round_trip({"a": [1, 2.5, "é", None, True], "b": np.float32(0.5), "c": np.int64(7)})
    assert value == {"a": [1, 2.5, "é", None, True], "b": 0.5, "c": 7}


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"])
def test_every_dtype_keeps_its_dtype_and_shape_inline(dtype):
    arr = (np.arange(24) % 2 if dtype == "bool" else np.arange(24)).astype(dtype).reshape(2, 3, 4)
    back, _, frame = round_trip(arr)
    assert len(frame) < 300
    assert back.dtype == arr.dtype and back.shape == (2, 3, 4) and np.array_equal(back, arr)
    assert not back.flags.writeable


def test_views_big_endian_and_memoryviews_are_written_as_plain_arrays_and_bytes():
    arr = np.arange(12, dtype=">f8").reshape(3, 4)[:, ::2]  # not contiguous, big-endian
    back, _, _ = round_trip({"a": arr, "m": memoryview(b"abc")})
    assert back["a"].dtype.name == "float64" and np.array_equal(back["a"], arr)
    assert back["m"] == b"abc"


def test_an_unsupported_dtype_or_a_deep_value_is_refused():
    with pytest.raises(TypeError, match="dtype complex64 cannot be sent"):
        encode_value(np.zeros(2, np.complex64), None)
    deep = 1
    for _ in range(300):
        deep = [deep]
    with pytest.raises(TypeError, match="deeper than 256"):
        encode_value(deep, None)


def test_large_arrays_and_bytes_go_through_a_slot_and_come_back_read_only_views(session):
    pool = SlotPool(SHM, f"{session}n0o0", keep=3)
    maps = SlotMaps(SHM, session, limit=8)
    big = np.arange(SHM_MIN_BYTES, dtype=np.float32).reshape(-1, 64)
    back, slots, frame = round_trip({"x": big, "b": b"\x07" * SHM_MIN_BYTES}, pool, maps)
    assert len(frame) < 300
    assert np.array_equal(back["x"], big) and back["x"].shape == big.shape
    assert not back["x"].flags.writeable
    assert isinstance(back["b"], memoryview) and back["b"].readonly and bytes(back["b"][:2]) == b"\x07\x07"
    assert files(session) == [f"{session}n0o0s0", f"{session}n0o0s1"]
    assert slots[0].size == 1 << 18  # 256 KiB: sizes round up to a power of two


def test_slots_are_reused_when_released_and_unlinked_beyond_keep(session):
    pool = SlotPool(SHM, f"{session}n1o0", keep=1)
    a = pool.write(b"\x01" * SHM_MIN_BYTES, SHM_MIN_BYTES)
    a.refs = 2  # two consumers
    pool.release(a)
    assert pool.free == []
    pool.release(a)
    b = pool.write(b"\x02" * 100, 100)
    assert b is a
    b.refs = 1
    c = pool.write(b"\x03" * SHM_MIN_BYTES * 2, SHM_MIN_BYTES * 2)
    c.refs = 1
    pool.release(b)  # two slots, keep = 1: this one goes
    assert files(session) == [c.file]


def test_descriptors_naming_other_files_or_ranges_are_refused(session):
    maps = SlotMaps(SHM, session, limit=4)
    pool = SlotPool(SHM, f"{session}n2o0", keep=2)
    slot = pool.write(b"\x00" * SHM_MIN_BYTES, SHM_MIN_BYTES)
    for file, offset, length, message in [
        ("gaia-1p2-pffffn0o0s0", 0, 1, "not one of this session's"),
        (f"{session}/../../etc/passwd", 0, 1, "not one of this session's"),
        (slot.file, 0, SHM_MIN_BYTES + 1, "which has 65536"),
        (slot.file, -1, 1, "bad range"),
        (slot.file, True, 1, "bad range"),
    ]:
        with pytest.raises(ValueError, match=message):
            maps.view(file, offset, length)


@pytest.mark.parametrize("descriptor, message", [
    ({"dtype": "float32", "shape": [3], "data": b"\x00" * 8}, "comes with 8 bytes"),
    ({"dtype": "complex", "shape": [1], "data": b"\x00" * 8}, "has dtype 'complex'"),
    ({"dtype": "int8", "shape": [-1], "data": b""}, "has shape"),
    ({"dtype": "int8", "shape": [1], "file": "x", "offset": 0, "length": 1}, "shared memory where none is accepted"),
])
def test_malformed_array_tags_make_the_frame_undecodable(descriptor, message):
    from gaia_worker.protocol import FrameError
    body = cbor2.dumps({"t": "chan.frame", "value": cbor2.CBORTag(TAG, descriptor)})
    with pytest.raises(FrameError, match=message):
        decode_body(body, make_tag_hook(None))
