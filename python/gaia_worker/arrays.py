"""Arrays in a Python worker (SPEC §4, §6): numpy views on shared files, never copies.

Inputs are mapped read-only (a write raises ValueError) unless the task was registered with
``writable_arrays=True``, which maps them shared and writable: a write then changes the stored
array for every later job. Outputs are new files under gaia's arrays dir, mapped shared and
writable; they become the job's result arrays when it succeeds and are removed when it fails.

Pages are filled in one go rather than faulted one by one (first touches are slow on many
VMs): inputs with MAP_POPULATE, outputs with MADV_POPULATE_WRITE (Linux 5.14), which also
fails cleanly, instead of with SIGBUS later, when the filesystem is full. numpy is imported on
first use, so workers that never see an array do not pay for it.
"""
from __future__ import annotations

import mmap
import os
from typing import Any, Callable

DTYPES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64")
MADV_POPULATE_WRITE = getattr(mmap, "MADV_POPULATE_WRITE", 23)
MAP_POPULATE = getattr(mmap, "MAP_POPULATE", 0)
#: Spare files (pages already touched) are kept for outputs of at least this size; see
#: gaia's src/arrays/spares.ts, which this mirrors.
SPARE_MIN_BYTES = 1024 * 1024


def take_spare(directory: str, instance: str, size: int, target: str, prefer: Callable[[str], bool] | None = None) -> str | None:
    """Renames a spare file of exactly `size` bytes to `target`; its name, or None.

    Spares for which `prefer(path)` is true are tried first (one this worker still maps).
    """
    if size < SPARE_MIN_BYTES:
        return None
    prefix = f"gaia-{instance}-z{size}n"
    try:
        files = os.listdir(directory)
    except OSError:
        return None
    candidates = [f for f in files if f.startswith(prefix)]
    if prefer is not None and len(candidates) > 1:
        candidates.sort(key=lambda f: not prefer(os.path.join(directory, f)))
    for file in candidates:
        if file.startswith(prefix):
            try:
                os.rename(os.path.join(directory, file), target)
                return file
            except OSError:
                continue  # another worker took it first
    return None


def _numpy():
    try:
        import numpy
    except ImportError as err:  # pragma: no cover - depends on the interpreter
        raise RuntimeError("arrays need numpy in this worker's interpreter (pip install numpy)") from err
    return numpy


def _check(shape: Any, dtype: Any) -> tuple[tuple[int, ...], str]:
    if dtype not in DTYPES:
        raise TypeError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    dims = tuple(shape) if isinstance(shape, (list, tuple)) else None
    if dims is None or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in dims):
        raise TypeError(f"shape must be a list or tuple of integers >= 0; got {shape!r}")
    return dims, dtype


def _view(buffer: Any, shape: tuple[int, ...], dtype: str):
    np = _numpy()
    return np.frombuffer(buffer, dtype=np.dtype(dtype).newbyteorder("<"), count=_count(shape)).reshape(shape)


def _count(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def map_input(info: dict[str, Any], writable: bool):
    """A numpy view of one input array's file (see the module's doc for the modes)."""
    shape, dtype = _check(info["shape"], info["dtype"])
    size = _count(shape) * _numpy().dtype(dtype).itemsize
    if size == 0:
        empty = _numpy().zeros(shape, dtype=dtype)
        empty.flags.writeable = writable
        return empty
    fd = os.open(info["path"], os.O_RDWR if writable else os.O_RDONLY)
    try:
        if writable:
            mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | MAP_POPULATE)
        else:
            mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | MAP_POPULATE, prot=mmap.PROT_READ)
    finally:
        os.close(fd)  # the mapping keeps the file; numpy's view keeps the mapping
    return _view(mm, shape, dtype)


class InputCache:
    """The views of the last job's inputs, kept for a next job that names the same arrays.

    Mapping a large file costs its page-table set-up (about 0.1 s per GiB here) even when its
    pages are in memory; jobs that read the same reference array one after the other pay it
    once. An array name is never reused, so a name still means the same file; only the last
    job's inputs are kept, so a deleted array's memory is held at most until the next job.
    """

    def __init__(self) -> None:
        self.views: dict[tuple[str, bool], Any] = {}

    def map(self, arrays: dict[str, dict[str, Any]], writable: bool) -> dict[str, Any]:
        kept: dict[tuple[str, bool], Any] = {}
        views: dict[str, Any] = {}
        for key, info in arrays.items():
            ident = (info["name"], writable)
            view = kept.get(ident)
            if view is None:
                view = self.views.get(ident)
            if view is None:
                view = map_input(info, writable)
            kept[ident] = views[key] = view
        self.views = kept
        return views


class OutputCache:
    """The mappings of the last job's outputs, by file, for when a file comes back as a spare.

    A removed output's file becomes a spare (its pages kept), and the next output of its size
    takes it; when that is this worker, mapping it again would pay the page-table set-up
    (about 0.1 s per GiB) and its unmapping at the job's end as much again. Keeping the last
    job's mappings makes a steady stream of same-sized outputs cost a memset. Only the last
    job's are kept, so a file removed for good is held at most until the next job ends.
    """

    def __init__(self) -> None:
        self.maps: dict[tuple[int, int], mmap.mmap] = {}
        self.pending: dict[tuple[int, int], mmap.mmap] = {}

    def holds(self, path: str) -> bool:
        """Whether the file at `path` is one this worker still maps."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) in self.maps

    def take(self, key: tuple[int, int], size: int) -> mmap.mmap | None:
        mm = self.maps.pop(key, None)
        return mm if mm is not None and len(mm) == size else None

    def keep(self, key: tuple[int, int], mm: mmap.mmap) -> None:
        self.pending[key] = mm

    def job_done(self, succeeded: bool) -> None:
        """The job's outputs replace the cache; a failed job's files are gone, so are they."""
        self.maps = self.pending if succeeded else {}
        self.pending = {}


class Outputs:
    """``ctx.output`` for one attempt of one job, and the files it made."""

    def __init__(self, place: dict[str, str] | None, job_id: str, attempt: int, cache: OutputCache | None = None) -> None:
        self.place = place
        # gaia's src/arrays/names.ts: <job in hex>a<attempt>w<pid>o<index>
        self.prefix = f"gaia-{place['instance']}-{job_id.replace('-', '').lower()}a{attempt}w{os.getpid()}o" if place else ""
        self.made: dict[str, dict[str, Any]] = {}
        self.paths: list[str] = []
        self.cache = cache

    def create(self, name: str, shape: Any, dtype: str):
        if self.place is None:
            raise RuntimeError("ctx.output: this worker was not told where arrays live")
        if not isinstance(name, str) or not name or name in self.made:
            raise TypeError(f"ctx.output: the name must be a new, non-empty str; got {name!r}")
        dims, dtype = _check(shape, dtype)
        size = _count(dims) * _numpy().dtype(dtype).itemsize
        directory = self.place["dir"]
        fs = os.statvfs(directory)
        if size > fs.f_bavail * fs.f_frsize:
            raise MemoryError(f"ctx.output({name!r}): {size} bytes needed, {fs.f_bavail * fs.f_frsize} free in {directory}")
        file = f"{self.prefix}{len(self.paths)}"
        path = os.path.join(directory, file)
        spare = take_spare(directory, self.place["instance"], size, path, self.cache.holds if self.cache else None)
        if spare is not None:
            fd = os.open(path, os.O_RDWR)
            self.paths.append(path)
            self.made[name] = {"name": file, "dtype": dtype, "shape": list(dims), "spare": spare}
            try:
                st = os.fstat(fd)
                key = (st.st_dev, st.st_ino)
                mm = self.cache.take(key, size) if self.cache else None
                if mm is None:
                    mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | MAP_POPULATE)
            finally:
                os.close(fd)
            if self.cache:
                self.cache.keep(key, mm)
            out = _view(mm, dims, dtype)
            out.fill(0)  # a spare holds an earlier array's bytes; its pages are already there
            return out
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        self.paths.append(path)
        self.made[name] = {"name": file, "dtype": dtype, "shape": list(dims)}
        if size == 0:
            os.close(fd)
            return _numpy().zeros(dims, dtype=dtype)
        try:
            os.ftruncate(fd, size)
            mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        if self.cache and size >= SPARE_MIN_BYTES:
            self.cache.keep((st.st_dev, st.st_ino), mm)
        try:
            mm.madvise(MADV_POPULATE_WRITE)
        except OSError as err:
            if err.errno != 22:  # EINVAL: a kernel before 5.14; pages then come on first touch
                raise MemoryError(f"ctx.output({name!r}): cannot get {size} bytes in {directory}: {err}") from err
        return _view(mm, dims, dtype)

    def discard(self) -> None:
        """The job failed: its outputs are not results, and the files go now."""
        for path in self.paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
