"""`AsyncClient.arrays`: the asyncio twin of `client_arrays.Arrays` (the same rules: local
zero-copy allocation or upload for inputs, a mapped view or a download for results, inputs
stored for one job deleted once it is seen to end)."""
from __future__ import annotations

import asyncio
import os
import urllib.parse
from typing import Any, Awaitable, Callable, Mapping

from . import _arrays_io as aio
from ._aio_http import AsyncTransport
from .errors import GaiaError


class AsyncArrays:
    def __init__(self, transport: AsyncTransport, same_host: bool, status: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self.transport = transport
        self.same_host = same_host
        self._status = status
        self._dir: str | None = None

    async def put(self, array: Any) -> str:
        """Stores an ndarray in gaia; returns its name."""
        wire = aio.wire_form(array)
        if self.same_host:
            info = await self.transport.json("POST", "/v1/arrays", {"dtype": wire.dtype.name, "shape": list(wire.shape)})
            try:
                # A large copy: in a thread, so the event loop goes on meanwhile.
                await asyncio.get_running_loop().run_in_executor(None, aio.fill_file, info["path"], wire)
                return info["name"]
            except OSError:
                await self.discard([info["name"]])
                self.same_host = False  # the socket is shared, the files are not
        return await self.upload(wire)

    async def upload(self, array: Any) -> str:
        wire = aio.wire_form(array)
        query = urllib.parse.urlencode({"dtype": wire.dtype.name, "shape": ",".join(map(str, wire.shape))})
        answer = await self.transport.request("POST", f"/v1/arrays?{query}", aio.byte_view(wire), {"Content-Type": "application/octet-stream"}, timeout=max(self.transport.timeout, wire.nbytes / 50e6))
        return answer.json()["name"]

    async def get(self, name: str) -> Any:
        """A read-only view of the array's file on the same host, else a download."""
        if self.same_host and await self.dir():
            head = await self._head(name)
            if head is not None:
                view = aio.map_result(os.path.join(self._dir or "", name), *head)
                if view is not None:
                    return view
        return await self.download(name)

    async def download(self, name: str) -> Any:
        """Downloads an array (read-only: the bytes as they came, without another copy)."""
        answer = await self.transport.request("GET", f"/v1/arrays/{_quote(name)}", headers={"Accept": "application/octet-stream"}, timeout=max(self.transport.timeout, 600.0))
        shape = aio.parse_shape(answer.headers.get("x-gaia-shape", ""))
        like = aio.empty_for(answer.headers.get("x-gaia-dtype", ""), [0])
        if len(answer.body) != like.itemsize * _count(shape):
            raise GaiaError(0, "size_mismatch", f"array {name}: {len(answer.body)} bytes for shape {shape}")
        return aio.numpy().frombuffer(answer.body, dtype=like.dtype).reshape(shape)

    async def delete(self, name: str) -> bool:
        try:
            await self.transport.json("DELETE", f"/v1/arrays/{_quote(name)}")
            return True
        except GaiaError as err:
            if err.status == 404:
                return False
            raise

    async def list(self) -> dict[str, Any]:
        return await self.transport.json("GET", "/v1/arrays")

    async def dir(self) -> str | None:
        if self._dir is None:
            self._dir = str((((await self._status()) or {}).get("arrays") or {}).get("dir") or "")
        return self._dir or None

    async def inputs(self, arrays: Mapping[str, Any] | None) -> tuple[dict[str, str], list[str]]:
        names: dict[str, str] = {}
        owned: list[str] = []
        try:
            for key, value in (arrays or {}).items():
                if isinstance(value, str):
                    names[key] = value
                elif aio.is_ndarray(value):
                    names[key] = await self.put(value)
                    owned.append(names[key])
                else:
                    raise TypeError(f"arrays[{key!r}] must be a numpy.ndarray or the name of a gaia array; got {type(value).__name__}")
        except BaseException:
            await self.discard(owned)
            raise
        return names, owned

    async def discard(self, names: list[str]) -> None:
        for name in names:
            try:
                await self.delete(name)
            except GaiaError:
                pass

    async def _head(self, name: str) -> tuple[str, list[int]] | None:
        try:
            answer = await self.transport.request("HEAD", f"/v1/arrays/{_quote(name)}")
        except GaiaError:
            return None
        dtype = answer.headers.get("x-gaia-dtype")
        return None if dtype is None else (dtype, aio.parse_shape(answer.headers.get("x-gaia-shape", "")))


def _count(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _quote(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"an array name must be a non-empty str; got {name!r}")
    return urllib.parse.quote(name, safe="")
