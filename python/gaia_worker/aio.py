"""`AsyncClient`: the client for asyncio code, with the surface of the sync `Client` (SPEC §14).

    import asyncio
    from gaia_worker.aio import AsyncClient

    async def main():
        async with AsyncClient() as client:        # the same lookup as Client()
            job = await client.submit("echo", {"hello": "world"})
            print(await job.result(timeout=10))
            async for event in client.events(job=job.id):
                print(event.kind)
                if event.kind == "job.finished":
                    break

    asyncio.run(main())

Standard library only: asyncio streams and the small HTTP/1.1 codec of `_aio_http`.
Blocking work that arrays need (filling a local allocation) runs in the loop's default
executor, so the event loop is never held by a large copy.
"""
from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator, Iterable, Mapping

from ._aio_http import AsyncTransport
from ._http import SERVER_GRACE_S, resolve
from ._requests import MAX_BATCH, TERMINAL, batch_item, chunks, events_query, fmt_seconds, job_path, jobs_query, outcome, submit_body, wait_query
from .aio_arrays import AsyncArrays
from .errors import GaiaError, GaiaUnreachable
from .events import Event, SSEParser

__all__ = ["AsyncClient", "AsyncJob", "AsyncEventStream"]


class AsyncClient:
    """A connection to one gaia for asyncio code; the arguments are those of `Client`."""

    def __init__(self, target: str | None = None, *, socket: str | None = None, url: str | None = None, token: str | None = None, same_host: bool | None = None, timeout: float = 60.0, retry_busy_s: float = 30.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.endpoint = resolve(target, socket_path=socket, url=url, token=token)
        self.transport = AsyncTransport(self.endpoint, timeout, ssl_context)
        self.same_host = self.endpoint.unix if same_host is None else bool(same_host)
        self.retry_busy_s = retry_busy_s
        self.arrays = AsyncArrays(self.transport, self.same_host, self.status)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    async def submit(self, task: str, payload: Any = None, *, arrays: Mapping[str, Any] | None = None, **options: Any) -> "AsyncJob":
        """As `Client.submit` (options: timeout_s, retries, priority, delay_s, session_id, idempotency_key)."""
        names, owned = await self.arrays.inputs(arrays)
        try:
            body = submit_body(task, payload, names, **options)
            answer = await self.transport.json("POST", "/v1/jobs", body, retry_busy_s=self.retry_busy_s)
        except BaseException:
            await self.arrays.discard(owned)
            raise
        return AsyncJob(self, answer["id"], answer, owned)

    async def call(self, task: str, payload: Any = None, *, timeout: float | None = None, **options: Any) -> Any:
        """As `Client.call`: submit and wait in one request (`POST /v1/jobs?wait=`)."""
        names, owned = await self.arrays.inputs(options.pop("arrays", None))
        wait = wait_query(timeout)
        try:
            body = submit_body(task, payload, names, **options)
            answer = await self.transport.json("POST", f"/v1/jobs?wait={fmt_seconds(wait)}", body, timeout=wait + SERVER_GRACE_S, retry_busy_s=self.retry_busy_s)
        except BaseException:
            await self.arrays.discard(owned)
            raise
        job = AsyncJob(self, answer["id"], {"id": answer["id"], "state": "queued"}, owned)
        await job._seen(answer)
        return await job.result(None if timeout is None else max(0.0, timeout - wait))

    async def submit_many(self, jobs: Iterable[Mapping[str, Any] | tuple[str, Any]]) -> list["AsyncJob"]:
        """As `Client.submit_many`: batches of 10,000, in order."""
        made: list[AsyncJob] = []
        for group in chunks(list(jobs), MAX_BATCH):
            bodies, owned = [], []
            try:
                for item in group:
                    task, payload, arrays, options = batch_item(item)
                    names, mine = await self.arrays.inputs(arrays)
                    owned.append(mine)
                    bodies.append(submit_body(task, payload, names, **options))
                ids = (await self.transport.json("POST", "/v1/jobs/batch", {"jobs": bodies}, retry_busy_s=self.retry_busy_s))["ids"]
            except BaseException as err:
                await self.arrays.discard([name for mine in owned for name in mine])
                if isinstance(err, GaiaError):
                    err.submitted = made  # type: ignore[attr-defined]
                raise
            made.extend(AsyncJob(self, job_id, {"id": job_id, "state": "queued"}, mine) for job_id, mine in zip(ids, owned))
        return made

    async def job(self, job_id: str) -> "AsyncJob":
        return AsyncJob(self, job_id, await self.transport.json("GET", job_path(job_id)))

    async def jobs(self, state: str | None = None, task: str | None = None, limit: int | None = None) -> list["AsyncJob"]:
        answer = await self.transport.json("GET", jobs_query(state, task, limit))
        return [AsyncJob(self, view["id"], view) for view in answer["jobs"]]

    async def cancel(self, job_id: str) -> bool:
        return (await self.cancel_view(job_id)) is not None

    async def cancel_view(self, job_id: str) -> dict[str, Any] | None:
        try:
            return await self.transport.json("DELETE", job_path(job_id))
        except GaiaError as err:
            if err.status == 409:
                return None
            raise

    def events(self, job: str | None = None, last_event_id: int | str | None = None, *, kinds: Iterable[str] | None = None) -> "AsyncEventStream":
        """``async for event in client.events(): ...``; it reconnects with the last id seen;
        `kinds` keeps only those kinds."""
        return AsyncEventStream(self.transport, job, last_event_id, kinds=kinds)

    async def status(self) -> dict[str, Any]:
        return await self.transport.json("GET", "/v1/status")

    async def workers(self) -> list[dict[str, Any]]:
        return (await self.transport.json("GET", "/v1/workers"))["workers"]


class AsyncJob:
    """As `Job`, with coroutines: ``await job.result(timeout)``, ``await job.refresh()``..."""

    def __init__(self, client: AsyncClient, job_id: str, view: dict[str, Any] | None = None, owned_inputs: list[str] | None = None) -> None:
        self.client, self.id = client, job_id
        self.view: dict[str, Any] = view or {"id": job_id}
        self._owned = list(owned_inputs or [])
        self._arrays: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<AsyncJob {self.id} {self.state}>"

    @property
    def state(self) -> str:
        return str(self.view.get("state", "unknown"))

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    async def refresh(self) -> "AsyncJob":
        await self._seen(await self.client.transport.json("GET", job_path(self.id)))
        return self

    async def wait(self, timeout: float | None = None) -> "AsyncJob":
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        asked = False  # one look at gaia always, even with timeout=0
        while not self.done:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            if left == 0 and asked:
                raise asyncio.TimeoutError(f"job {self.id} is still {self.state} after {timeout:g} s")
            asked = True
            wait = wait_query(left)
            view = await self.client.transport.json("GET", job_path(self.id, f"?wait={fmt_seconds(wait)}"), timeout=wait + SERVER_GRACE_S)
            await self._seen(view)
        return self

    async def result(self, timeout: float | None = None) -> Any:
        return outcome((await self.wait(timeout)).view, self)

    async def result_arrays(self, timeout: float | None = None) -> dict[str, Any]:
        await self.result(timeout)
        if self._arrays is None:
            names = self.view.get("result_arrays") or {}
            self._arrays = {key: await self.client.arrays.get(name) for key, name in names.items()}
        return self._arrays

    async def logs(self) -> Any:
        return await self.client.transport.json("GET", job_path(self.id, "/logs"))

    async def cancel(self) -> bool:
        view = await self.client.cancel_view(self.id)
        if view is None:
            await self.refresh()
            return False
        await self._seen(view)
        return True

    async def _seen(self, view: dict[str, Any]) -> None:
        self.view = view
        if self._owned and self.done:
            owned, self._owned = self._owned, []
            await self.client.arrays.discard(owned)


class AsyncEventStream:
    """``async for`` over the events; `aclose()` ends it. Reconnects as `EventStream` does."""

    def __init__(self, transport: AsyncTransport, job: str | None, last_event_id: int | str | None, reconnects: int = 5, kinds: Iterable[str] | None = None) -> None:
        self.transport, self.path, self.reconnects = transport, events_query(job), reconnects
        self.parser = SSEParser(None if kinds is None else frozenset(kinds))
        self.parser.last_id = None if last_event_id is None else str(last_event_id)
        self._conn: Any = None
        self._pending: Any = None  # an opened stream's chunks, before the first read
        self._closed = False
        self._gen: AsyncIterator[Event] | None = None

    def __aiter__(self) -> "AsyncEventStream":
        return self

    def __await__(self):
        """``stream = await client.events()`` subscribes before it returns (``async for``
        alone subscribes at the first event asked for), so a job submitted next is seen."""
        return self._subscribe().__await__()

    async def _subscribe(self) -> "AsyncEventStream":
        if self._pending is None:
            self._pending = await self._open()
        return self

    async def __anext__(self) -> Event:
        if self._gen is None:
            self._gen = self._events()
        return await self._gen.__anext__()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._conn is not None:
            self._conn.close()
        if self._gen is not None:
            await self._gen.aclose()

    async def _open(self) -> AsyncIterator[bytes]:
        headers = {"Accept": "text/event-stream"}
        if self.parser.last_id is not None:
            headers["Last-Event-ID"] = self.parser.last_id
        self._conn, chunks_in = await self.transport.open_stream(self.path, headers)
        return chunks_in

    async def _events(self) -> AsyncIterator[Event]:
        failures = 0
        while not self._closed:
            try:
                chunks_in, self._pending = self._pending or await self._open(), None
                failures = 0
                async for chunk in chunks_in:
                    for event in self.parser.feed(chunk):
                        yield event
            except (OSError, EOFError, asyncio.IncompleteReadError, GaiaUnreachable) as err:
                failures += 1
                if self._closed:
                    return
                if failures > self.reconnects:
                    raise GaiaUnreachable(str(self.transport.endpoint), err) from err
            finally:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
            await asyncio.sleep(self.parser.retry_s if self.parser.retry_s is not None else 1.0)

