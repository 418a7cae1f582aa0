"""`client.arrays`: numpy arrays into and out of gaia (SPEC §6) for the sync client.

On the same host (a Unix socket, or ``same_host=True``) an input is a local zero-copy
allocation: ``POST /v1/arrays {dtype, shape}`` answers the file's path and the client writes
the bytes into it; no byte goes through the socket. Otherwise it is uploaded raw
(``POST /v1/arrays?dtype=&shape=``). A result array is mapped read-only in place from
``<arrays.dir>/<name>`` (arrays.dir from ``GET /v1/status``) when the file is there, and
downloaded (``GET /v1/arrays/NAME``) when it is not.

Who removes what (src/io/array-store.ts): an array is held while a queued or running job
names it and goes ``arrays.ttl_s`` after its last use. Arrays the client stored for one
`submit` are deleted by the client once it sees that job end, so a loop of large jobs does
not fill ``arrays.max_bytes`` while waiting for the TTL; arrays stored with `put` are the
caller's to delete (they can feed many jobs).
"""
from __future__ import annotations

import os
import threading
import urllib.parse
from typing import Any, Callable, Mapping

from . import _arrays_io as aio
from ._http import Transport
from .errors import GaiaError


class Arrays:
    """Array operations of one client. Example::

        name = client.arrays.put(np.zeros((721, 1440), dtype=np.float32))  # shared by jobs
        jobs = [client.submit("score", {"day": d}, arrays={"grid": name}) for d in range(7)]
        ...
        client.arrays.delete(name)
    """

    def __init__(self, transport: Transport, same_host: bool, status: Callable[[], dict[str, Any]]) -> None:
        self.transport = transport
        self.same_host = same_host
        self._status = status
        self._dir: str | None = None
        self._lock = threading.Lock()

    def put(self, array: Any) -> str:
        """Stores an ndarray in gaia; returns its name (for a job's `arrays`)."""
        wire = aio.wire_form(array)
        if self.same_host:
            info = self.transport.json("POST", "/v1/arrays", {"dtype": wire.dtype.name, "shape": list(wire.shape)})
            try:
                aio.fill_file(info["path"], wire)
                return info["name"]
            except OSError:
                # The socket is shared but the files are not (another mount namespace, a
                # container): upload from now on.
                self.discard([info["name"]])
                self.same_host = False
        return self.upload(wire)

    def upload(self, array: Any) -> str:
        """Uploads an ndarray's bytes through the API (the remote path); returns its name."""
        wire = aio.wire_form(array)
        query = urllib.parse.urlencode({"dtype": wire.dtype.name, "shape": ",".join(map(str, wire.shape))})
        headers = {"Content-Type": "application/octet-stream"}
        answer = self.transport.request("POST", f"/v1/arrays?{query}", aio.byte_view(wire), headers, timeout=max(self.transport.timeout, wire.nbytes / 50e6))
        return answer.json()["name"]

    def get(self, name: str) -> Any:
        """An array by name: a read-only view of its file on the same host, else downloaded."""
        if self.same_host:
            directory = self.dir()
            if directory:
                info = self._info(name)
                if info is not None:
                    view = aio.map_result(os.path.join(directory, name), info["dtype"], info["shape"])
                    if view is not None:
                        return view
        return self.download(name)

    def download(self, name: str) -> Any:
        """Downloads an array (`GET /v1/arrays/NAME`: raw bytes, dtype and shape in headers)."""
        made: list[Any] = []

        def allocate(headers: Any) -> Any:
            made.append(aio.empty_for(headers.get("x-gaia-dtype", ""), aio.parse_shape(headers.get("x-gaia-shape", ""))))
            return aio.byte_view(made[0]) if made[0].nbytes else bytearray()

        self.transport.request("GET", f"/v1/arrays/{_quote(name)}", headers={"Accept": "application/octet-stream"}, into=allocate, timeout=max(self.transport.timeout, 600.0))
        return made[0]

    def delete(self, name: str) -> bool:
        """Deletes an array: True, or False if it was gone; `GaiaError` 409 while a job holds it."""
        try:
            self.transport.json("DELETE", f"/v1/arrays/{_quote(name)}")
            return True
        except GaiaError as err:
            if err.status == 404:
                return False
            raise

    def list(self) -> dict[str, Any]:
        """`GET /v1/arrays`: every array, the bytes in use and the cap."""
        return self.transport.json("GET", "/v1/arrays")

    def dir(self) -> str | None:
        """gaia's arrays.dir (from `GET /v1/status`), read once."""
        with self._lock:
            if self._dir is None:
                self._dir = str(((self._status() or {}).get("arrays") or {}).get("dir") or "")
            return self._dir or None

    def inputs(self, arrays: Mapping[str, Any] | None) -> tuple[dict[str, str], list[str]]:
        """A job's `arrays` as names, storing the ndarrays among them; and the names stored."""
        names: dict[str, str] = {}
        owned: list[str] = []
        try:
            for key, value in (arrays or {}).items():
                if isinstance(value, str):
                    names[key] = value
                elif aio.is_ndarray(value):
                    names[key] = self.put(value)
                    owned.append(names[key])
                else:
                    raise TypeError(f"arrays[{key!r}] must be a numpy.ndarray or the name of a gaia array; got {type(value).__name__}")
        except BaseException:
            self.discard(owned)
            raise
        return names, owned

    def discard(self, names: list[str]) -> None:
        """Deletes arrays this client stored, quietly: what is left, the TTL removes."""
        for name in names:
            try:
                self.delete(name)
            except GaiaError:
                pass

    def _info(self, name: str) -> dict[str, Any] | None:
        # A HEAD of the download: its headers say dtype and shape, and no byte is sent.
        try:
            answer = self.transport.request("HEAD", f"/v1/arrays/{_quote(name)}")
        except GaiaError:
            return None
        dtype = answer.headers.get("x-gaia-dtype")
        return None if dtype is None else {"dtype": dtype, "shape": aio.parse_shape(answer.headers.get("x-gaia-shape", ""))}


def _quote(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"an array name must be a non-empty str; got {name!r}")
    return urllib.parse.quote(name, safe="")
