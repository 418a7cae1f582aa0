"""Frame values and their shared memory, the Python mirror of gaia's src/channels/values.ts
and src/channels/slots.ts (SPEC §12).

An array crosses as CBOR tag ``TAG`` around a map: ``{dtype, shape, data}`` inline (under
64 KiB) or ``{dtype, shape, file, offset, length}`` in shared memory, and bytes of 64 KiB or
more as the shared form with dtype ``"bytes"``. A producer copies an array once into a slot
file of its own (``<prefix>s<n>`` in the arrays dir), reused once every consumer has released
the frame; a consumer maps slot files read-only and keeps its most recent mappings. Files are
never truncated (a mapper of a file that shrinks dies of SIGBUS) and never removed by their
consumers: the session runtime sweeps the session's prefix when the session ends.

numpy is imported when an array first shows up, so nodes that never see one do not pay for it.
"""
from __future__ import annotations

import mmap
import os
import re
import sys
from typing import Any, Callable

from cbor2 import CBORTag

from .arrays import DTYPES, MADV_POPULATE_WRITE, MAP_POPULATE

TAG = 0x67616961
SHM_MIN_BYTES = 64 * 1024
MAX_DEPTH = 256
_PLAIN = frozenset((int, float, str, bool, type(None)))
_FILE = re.compile(r"^[A-Za-z0-9-]+$")

Place = Callable[[Any, int], dict]


def _numpy():
    try:
        import numpy
    except ImportError as err:  # pragma: no cover - depends on the interpreter
        raise RuntimeError("a frame carries an array: this node's interpreter needs numpy (pip install numpy)") from err
    return numpy


class Slot:
    __slots__ = ("file", "size", "mm", "refs")

    def __init__(self, file: str, size: int, mm: mmap.mmap) -> None:
        self.file, self.size, self.mm, self.refs = file, size, mm, 0


class SlotPool:
    """A producer's slot files; a slot is free again when its last holder releases it."""

    def __init__(self, directory: str, prefix: str, keep: int) -> None:
        self.directory, self.prefix, self.keep = directory, prefix, keep
        self.free: list[Slot] = []
        self.count = 0
        self.serial = 0

    def write(self, source: Any, nbytes: int) -> Slot:
        """Copies an ndarray or a bytes-like of ``nbytes`` into a slot."""
        slot = self._take(nbytes)
        np = sys.modules.get("numpy")
        if np is not None and isinstance(source, np.ndarray):
            np.copyto(np.ndarray(source.shape, dtype=source.dtype, buffer=slot.mm), source)
        else:
            slot.mm[0:nbytes] = source
        return slot

    def release(self, slot: Slot) -> None:
        slot.refs -= 1
        if slot.refs > 0:
            return
        if self.count > self.keep:
            self.count -= 1
            try:
                os.unlink(os.path.join(self.directory, slot.file))
            except FileNotFoundError:
                pass
            return
        self.free.append(slot)

    def _take(self, nbytes: int) -> Slot:
        fits = [s for s in self.free if s.size >= nbytes]
        if fits:
            best = min(fits, key=lambda s: s.size)
            self.free.remove(best)
            return best
        size = max(SHM_MIN_BYTES, 1 << (nbytes - 1).bit_length())
        file = f"{self.prefix}s{self.serial}"
        self.serial += 1
        path = os.path.join(self.directory, file)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, size)
            mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED)
        finally:
            os.close(fd)
        try:
            # Pages now, in one call: tmpfs answers a full disk with SIGBUS on first touch.
            mm.madvise(MADV_POPULATE_WRITE)
        except OSError as err:
            if err.errno != 22:  # EINVAL: a kernel before 5.14; pages then come on first touch
                mm.close()
                os.unlink(path)
                raise MemoryError(f"cannot get {size} bytes of shared memory in {self.directory} for a frame: {err}") from err
        self.count += 1
        return Slot(file, size, mm)


class SlotMaps:
    """A consumer's read-only mappings of its producers' slot files, most recent kept."""

    def __init__(self, directory: str, accept: str, limit: int) -> None:
        self.directory, self.accept, self.limit = directory, accept, limit
        self.maps: dict[str, mmap.mmap] = {}

    def view(self, file: Any, offset: Any, length: Any) -> memoryview:
        if not isinstance(file, str) or not file.startswith(self.accept) or not _FILE.match(file):
            raise ValueError(f"a frame names shared-memory file {file!r}, which is not one of this session's")
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (offset, length)):
            raise ValueError(f"a frame names a bad range of {file}: offset {offset!r}, length {length!r}")
        mm = self.maps.pop(file, None)
        if mm is None:
            fd = os.open(os.path.join(self.directory, file), os.O_RDONLY)
            try:
                mm = mmap.mmap(fd, os.fstat(fd).st_size, flags=mmap.MAP_SHARED | MAP_POPULATE, prot=mmap.PROT_READ)
            finally:
                os.close(fd)
        self.maps[file] = mm
        if len(self.maps) > self.limit:
            # Dropped, not closed: a view a node still holds keeps its mapping alive.
            self.maps.pop(next(iter(self.maps)))
        if offset + length > len(mm):
            raise ValueError(f"a frame names bytes {offset}..{offset + length} of {file}, which has {len(mm)}")
        return memoryview(mm)[offset : offset + length]


def _encode_array(arr: Any, place: Place | None) -> Any:
    name = arr.dtype.name
    if name not in DTYPES:
        raise TypeError(f"an array of dtype {name} cannot be sent on a channel; use one of {', '.join(DTYPES)}")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    shape = list(arr.shape)
    if arr.nbytes >= SHM_MIN_BYTES and place is not None:
        return CBORTag(TAG, {"dtype": name, "shape": shape, **place(arr, arr.nbytes)})
    return CBORTag(TAG, {"dtype": name, "shape": shape, "data": arr.tobytes()})


def _flat(view: memoryview) -> memoryview:
    """A memoryview as one run of bytes (a copy only when it is not contiguous)."""
    if view.format == "B" and view.ndim == 1:
        return view
    return view.cast("B") if view.c_contiguous else memoryview(view.tobytes())


def encode_value(value: Any, place: Place | None, depth: int = 0) -> Any:
    """The value as CBOR will carry it: arrays tagged, large ones (and large bytes) placed."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if depth > MAX_DEPTH:
        raise TypeError(f"a frame value nested deeper than {MAX_DEPTH} levels cannot be sent")
    if kind is dict:
        out = None
        for key, item in value.items():
            if type(item) in _PLAIN:
                continue  # most of a frame: no call for it
            encoded = encode_value(item, place, depth + 1)
            if encoded is not item:
                out = dict(value) if out is None else out
                out[key] = encoded
        return value if out is None else out
    if kind is list or kind is tuple:
        items = None
        for i, item in enumerate(value):
            encoded = encode_value(item, place, depth + 1)
            if encoded is not item:
                items = list(value) if items is None else items
                items[i] = encoded
        return value if items is None else items
    if kind is bytes or kind is bytearray or kind is memoryview:
        data = _flat(value) if kind is memoryview else value
        n = len(data)
        if n >= SHM_MIN_BYTES and place is not None:
            return CBORTag(TAG, {"dtype": "bytes", "shape": [n], **place(data, n)})
        return bytes(data) if kind is memoryview else value  # cbor2 writes a memoryview as a list
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        return _encode_array(value, place)
    return value


def scalar_default(encoder: Any, value: Any) -> None:
    """cbor2's hook for what it cannot write: numpy scalars become plain numbers."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        encoder.encode(value.item())
        return
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent on a channel")


def make_tag_hook(maps: SlotMaps | None) -> Callable[..., Any]:
    """cbor2's tag hook for one consumer: array tags become arrays (views on shared memory)."""

    def hook(*args: Any) -> Any:
        # cbor2 5 calls hook(decoder, tag); cbor2 6 calls hook(tag, immutable).
        tag = args[0] if isinstance(args[0], CBORTag) else args[1]
        if tag.tag != TAG:
            return tag
        return _decode_array(tag.value, maps)

    return hook


def _decode_array(d: Any, maps: SlotMaps | None) -> Any:
    if not hasattr(d, "get"):
        raise ValueError("an array descriptor that is not a map")
    dtype, shape = d.get("dtype"), d.get("shape")
    if "data" in d:
        data = d["data"]
        if not isinstance(data, bytes):
            raise ValueError("an inline array whose data is not a byte string")
    elif maps is None:
        raise ValueError("a frame names shared memory where none is accepted")
    else:
        data = maps.view(d.get("file"), d.get("offset"), d.get("length"))
    if not isinstance(shape, (list, tuple)) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"a frame's array has shape {shape!r}")
    if dtype == "bytes":
        if len(shape) != 1 or shape[0] != len(data):
            raise ValueError(f"bytes of length {len(data)} with shape {list(shape)!r}")
        return data
    if dtype not in DTYPES:
        raise ValueError(f"a frame's array has dtype {dtype!r}; expected one of {', '.join(DTYPES)}")
    np = _numpy()
    dt = np.dtype(dtype).newbyteorder("<")
    count = 1
    for n in shape:
        count *= n
    if count * dt.itemsize != len(data):
        raise ValueError(f"a frame's {dtype} array of shape {list(shape)!r} comes with {len(data)} bytes")
    return np.frombuffer(data, dtype=dt, count=count).reshape(tuple(shape))
