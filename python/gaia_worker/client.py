"""`Client`: gaia from your own Python code (SPEC §14), with the standard library only.

    from gaia_worker import Client

    client = Client()                       # GAIA_SOCKET, GAIA_URL + GAIA_TOKEN, or ./.gaia/run/gaia.sock
    job = client.submit("weather.score", {"region": "eu"}, arrays={"forecast": fc, "truth": truth})
    print(job.result(timeout=60))           # {'rmse': ...}; raises JobFailed if the job failed
    error_field = job.result_arrays()["error"]  # numpy, mapped in place on this host

One `Client` may be shared by threads (each thread gets its own kept-alive connection).
"""
from __future__ import annotations

import ssl
from typing import Any, Iterable, Mapping

from ._http import SERVER_GRACE_S, Endpoint, Transport, resolve
from ._requests import MAX_BATCH, batch_item, chunks, fmt_seconds, job_path, jobs_query, submit_body, wait_query
from .client_arrays import Arrays
from .errors import GaiaError
from .job import Job
from .stream import EventStream


class Client:
    """A connection to one gaia's control API.

    `target` is a Unix socket path or an ``http(s)://HOST:PORT`` URL; without it the client
    looks at `GAIA_SOCKET`, then `GAIA_URL` and `GAIA_TOKEN`, then ``./.gaia/run/gaia.sock``.
    `same_host` says whether gaia's array files can be mapped from here (default: True on a
    Unix socket, False on TCP); without it arrays are uploaded and downloaded. `timeout` bounds
    each request that does not wait on purpose; `retry_busy_s` is how long a submission keeps
    trying while gaia answers 429 `queue_full` or 503 `not_ready`.

    Example::

        with Client("/srv/app/.gaia/run/gaia.sock") as client:
            job = client.submit("echo", {"hello": "world"})
            assert job.result(timeout=10) == {"hello": "world"}
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        socket: str | None = None,
        url: str | None = None,
        token: str | None = None,
        same_host: bool | None = None,
        timeout: float = 60.0,
        retry_busy_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.endpoint: Endpoint = resolve(target, socket_path=socket, url=url, token=token)
        self.transport = Transport(self.endpoint, timeout, ssl_context)
        self.same_host = self.endpoint.unix if same_host is None else bool(same_host)
        self.retry_busy_s = retry_busy_s
        #: Arrays: `client.arrays.put(ndarray)` → a name jobs can share, `.get(name)`, `.delete(name)`.
        self.arrays = Arrays(self.transport, self.same_host, self.status)

    def __repr__(self) -> str:
        return f"Client({str(self.endpoint)!r}, same_host={self.same_host})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the kept connections (the client can still be used: it reconnects)."""
        self.transport.close()

    def submit(
        self,
        task: str,
        payload: Any = None,
        *,
        arrays: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
        retries: Mapping[str, Any] | None = None,
        priority: int | None = None,
        delay_s: float | None = None,
        session_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Submits one job and returns its `Job` at once (it is journaled: 202).

        `arrays` maps input names to numpy arrays (stored for this job and deleted once the
        client sees it end) or to names of arrays already in gaia (`client.arrays.put`).
        Example::

            job = client.submit("math.add", {"a": 1, "b": 2}, timeout_s=5, priority=10)
            job.result(timeout=10)  # 3
        """
        options = dict(timeout_s=timeout_s, retries=retries, priority=priority, delay_s=delay_s, session_id=session_id, idempotency_key=idempotency_key)
        names, owned = self.arrays.inputs(arrays)
        try:
            body = submit_body(task, payload, names, **options)
            answer = self.transport.json("POST", "/v1/jobs", body, retry_busy_s=self.retry_busy_s)
        except BaseException:
            self.arrays.discard(owned)
            raise
        return Job(self, answer["id"], answer, owned)

    def call(self, task: str, payload: Any = None, *, timeout: float | None = None, **options: Any) -> Any:
        """Submits a job and waits for its result in one request (`POST /v1/jobs?wait=`, then
        long polls if it runs longer): `submit(...).result(timeout)` without the second
        round trip. Takes `submit`'s keyword arguments. Example::

            client.call("math.add", {"a": 1, "b": 2}, timeout=10)  # 3
        """
        names, owned = self.arrays.inputs(options.pop("arrays", None))
        wait = wait_query(timeout)
        try:
            body = submit_body(task, payload, names, **options)
            answer = self.transport.json("POST", f"/v1/jobs?wait={fmt_seconds(wait)}", body, timeout=wait + SERVER_GRACE_S, retry_busy_s=self.retry_busy_s)
        except BaseException:
            self.arrays.discard(owned)
            raise
        job = Job(self, answer["id"], {"id": answer["id"], "state": "queued"}, owned)
        job._seen(answer)
        return job.result(None if timeout is None else max(0.0, timeout - wait))

    def submit_many(self, jobs: Iterable[Mapping[str, Any] | tuple[str, Any]]) -> list[Job]:
        """Submits many jobs with `POST /v1/jobs/batch`, 10,000 per request, in order.

        Each entry is a dict of `submit`'s arguments (``{"task": ..., "payload": ...}``) or a
        ``(task, payload)`` pair. A batch is all or none; if one fails, the `GaiaError` raised
        carries the jobs of the batches before it in ``error.submitted``. Example::

            jobs = client.submit_many(("echo", n) for n in range(50_000))
            [j.result() for j in jobs][:3]  # [0, 1, 2]
        """
        made: list[Job] = []
        for group in chunks(list(jobs), MAX_BATCH):
            bodies, owned = [], []
            try:
                for item in group:
                    task, payload, arrays, options = batch_item(item)
                    names, mine = self.arrays.inputs(arrays)
                    owned.append(mine)
                    bodies.append(submit_body(task, payload, names, **options))
                ids = self.transport.json("POST", "/v1/jobs/batch", {"jobs": bodies}, retry_busy_s=self.retry_busy_s)["ids"]
            except BaseException as err:
                self.arrays.discard([name for mine in owned for name in mine])
                if isinstance(err, GaiaError):
                    err.submitted = made  # type: ignore[attr-defined]
                raise
            made.extend(Job(self, job_id, {"id": job_id, "state": "queued"}, mine) for job_id, mine in zip(ids, owned))
        return made

    def job(self, job_id: str) -> Job:
        """The job `job_id` as gaia has it now (`GaiaError` 404 if there is none)."""
        return Job(self, job_id, self.transport.json("GET", job_path(job_id)))

    def jobs(self, state: str | None = None, task: str | None = None, limit: int | None = None) -> list[Job]:
        """Jobs from the journal, filtered by state and task (at most `limit`, up to 1,000)."""
        answer = self.transport.json("GET", jobs_query(state, task, limit))
        return [Job(self, view["id"], view) for view in answer["jobs"]]

    def cancel(self, job_id: str) -> bool:
        """Cancels a job (a running one's worker is killed): True if it is cancelled now, False
        if it had already ended (409)."""
        return self.cancel_view(job_id) is not None

    def cancel_view(self, job_id: str) -> dict[str, Any] | None:
        """Like `cancel`, but returns the job as the DELETE answered it, or None after a 409."""
        try:
            return self.transport.json("DELETE", job_path(job_id))
        except GaiaError as err:
            if err.status == 409:
                return None
            raise

    def events(self, job: str | None = None, last_event_id: int | str | None = None, *, kinds: Iterable[str] | None = None) -> EventStream:
        """The events stream (`GET /v1/events`) as an iterator of `Event`, subscribed when it
        returns; it reconnects with the last id it saw when the connection drops. `kinds`
        keeps only those kinds (``{"job.finished"}``). Close it (or use ``with``) to stop::

            with client.events(job=job.id) as events:
                for event in events:
                    if event.kind == "job.finished":
                        break
        """
        return EventStream(self.transport, job, last_event_id, kinds=kinds)

    def status(self) -> dict[str, Any]:
        """`GET /v1/status`: version, pools, queue depths, job counts, arrays (with `dir`)."""
        return self.transport.json("GET", "/v1/status")

    def workers(self) -> list[dict[str, Any]]:
        """`GET /v1/workers`: each worker's id, pool, pid, state, job, restarts, rss."""
        return self.transport.json("GET", "/v1/workers")["workers"]
