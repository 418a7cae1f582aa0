"""`GaiaExecutor`: a `concurrent.futures.Executor` whose calls are gaia jobs (SPEC §14).

Code written for `ProcessPoolExecutor` moves to gaia by changing one line::

    from gaia_worker import GaiaExecutor, task

    @task("squares.one")                 # in a module that a gaia Python pool loads
    def square(n, ctx=None):
        return n * n

    with GaiaExecutor() as pool:          # was: ProcessPoolExecutor()
        print(list(pool.map(square, range(10), timeout=60)))
        print(pool.submit(square, 7).result())

`fn` must be decorated with `@task("name")`; the job runs task "name" on whichever gaia
pool serves it (the function itself does not travel), with the one argument as its payload.
A failure raises `JobFailed` from `result()` (also an instance of the task's built-in
exception class, such as ValueError, so ``except ValueError:`` keeps working).

Differences, on purpose: `cancel()` cancels a job that already runs, too (gaia kills its
worker; a process pool cannot), and so do ``shutdown(cancel_futures=True)`` and a `map`
whose iteration stops early; `chunksize` is accepted and ignored (every payload is its own
job, and submissions travel in batches of up to 10,000 whatever it says).

Submissions go through one thread that sends whatever has queued up as one
`POST /v1/jobs/batch` (a single `submit` leaves at once; a loop of them, or a `map`, leaves
in batches, in order). Completions are followed by `_completions.Completions`.
"""
from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
from typing import Any, Callable, Iterable, Iterator

from ._completions import Completions
from ._requests import MAX_BATCH, outcome, submit_body
from .client import Client
from .errors import GaiaError, JobFailed
from .job import Job, settle_inputs


class GaiaFuture(concurrent.futures.Future):
    """A `Future` for one job: `job` (a `Job`, once gaia accepted it) and `task`."""

    def __init__(self, executor: "GaiaExecutor", task: str) -> None:
        super().__init__()
        self.task = task
        self.job: Job | None = None
        self._executor = executor
        self._sent = threading.Event()  # the submission was answered (accepted or refused)

    @property
    def job_id(self) -> str | None:
        return None if self.job is None else self.job.id

    def cancel(self) -> bool:
        """Cancels the job, queued or running: True if it is cancelled, False if it ended first."""
        if self.done():
            return self.cancelled()
        return self._executor._cancel(self)


def task_name(fn: Any) -> str:
    name = getattr(fn, "__gaia_task__", None)
    if not isinstance(name, str):
        raise TypeError(f"GaiaExecutor runs functions decorated with @task(\"name\"); {fn!r} is not one")
    return name


class GaiaExecutor(concurrent.futures.Executor):
    """Runs `@task` functions as gaia jobs. `client` (or the arguments of `Client`, such as a
    socket path) says which gaia; `fetchers` is how many threads read finished jobs."""

    def __init__(self, client: Client | None = None, *, fetchers: int = 2, **client_options: Any) -> None:
        self._own_client = client is None
        self.client = client if client is not None else Client(**client_options)
        self._fetchers = fetchers
        self._lock = threading.Condition()
        self._outbox: collections.deque[tuple[GaiaFuture, dict[str, Any]]] = collections.deque()
        self._shutdown = False
        self._completions: Completions | None = None
        self._submitter: threading.Thread | None = None
        self._unsettled = 0  # futures submitted and not yet done
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> GaiaFuture:
        """Submits ``fn(payload)`` as a job of fn's task; returns its future at once."""
        if kwargs or len(args) > 1:
            raise TypeError("GaiaExecutor.submit(fn, payload) takes one payload (a task gets one); pack several values into it")
        return self._enqueue(task_name(fn), [args[0] if args else None])[0]

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None, chunksize: int = 1) -> Iterator[Any]:
        """Like `Executor.map`: the results in order, `TimeoutError` if the next is not there
        `timeout` seconds after the call; the jobs not yet read are cancelled if the
        iteration stops early."""
        if len(iterables) != 1:
            raise TypeError(f"GaiaExecutor.map(fn, payloads) takes one iterable of payloads; got {len(iterables)}")
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        end = None if timeout is None else time.monotonic() + timeout
        futures = self._enqueue(task_name(fn), list(iterables[0]))
        return _results(futures, end)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more submissions; with `cancel_futures` every unfinished job is cancelled; with
        `wait`, returns once every future is done."""
        with self._lock:
            self._shutdown = True
            unsent = [f for f, _ in self._outbox] if cancel_futures else []
            if cancel_futures:
                self._outbox.clear()
            self._lock.notify_all()
        for future in unsent:
            future._sent.set()
            concurrent.futures.Future.cancel(future)
            self._done(future)
        if cancel_futures and self._completions is not None:
            for future in self._completions.items():
                future.cancel()
        self._done(None)  # closes now if nothing is left
        if wait:
            with self._lock:
                self._lock.wait_for(lambda: self._closed)

    def _enqueue(self, task: str, payloads: list[Any]) -> list[GaiaFuture]:
        bodies = [submit_body(task, payload) for payload in payloads]
        futures = [GaiaFuture(self, task) for _ in payloads]
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._start()
            self._outbox.extend(zip(futures, bodies))
            self._unsettled += len(futures)
            self._lock.notify_all()
        return futures

    def _start(self) -> None:
        if self._submitter is None:
            # Subscribed to the events before the first job leaves, so no end is missed.
            self._completions = Completions(self.client, self._settle, self._fetchers)
            self._submitter = threading.Thread(target=self._send_loop, name="gaia-submit", daemon=True)
            self._submitter.start()

    def _send_loop(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._outbox or self._shutdown)
                if not self._outbox:
                    self.client.transport.release()
                    return
                batch = []
                while self._outbox and len(batch) < MAX_BATCH:
                    batch.append(self._outbox.popleft())
            self._send([(f, b) for f, b in batch if not f.cancelled()])

    def _send(self, batch: list[tuple[GaiaFuture, dict[str, Any]]]) -> None:
        if not batch:
            return
        try:
            ids = self.client.transport.json("POST", "/v1/jobs/batch", {"jobs": [b for _, b in batch]}, retry_busy_s=self.client.retry_busy_s)["ids"]
        except Exception as err:  # noqa: BLE001 - it becomes the futures' exception
            refused = (isinstance(err, GaiaError) and err.status == 400) or isinstance(err, (TypeError, ValueError))
            if refused and len(batch) > 1:
                for one in batch:  # all or none: find the submission that was refused
                    self._send([one])
                return
            for future, _ in batch:
                future.set_exception(err)
                future._sent.set()
                self._done(future)
            return
        assert self._completions is not None
        for (future, _), job_id in zip(batch, ids):
            future.job = Job(self.client, job_id, {"id": job_id, "state": "queued"})
            future._sent.set()
            self._completions.watch(job_id, future)

    def _settle(self, future: GaiaFuture, view: dict[str, Any]) -> None:
        if future.job is not None:
            settle_inputs(future.job, view)
        try:
            future.set_result(outcome(view, future.job))
        except JobFailed as failed:
            try:
                future.set_exception(failed)
            except concurrent.futures.InvalidStateError:
                pass
        except concurrent.futures.InvalidStateError:
            pass  # cancelled by its caller meanwhile
        self._done(future)

    def _cancel(self, future: GaiaFuture) -> bool:
        with self._lock:
            queued = next((i for i, (f, _) in enumerate(self._outbox) if f is future), None)
            if queued is not None:
                del self._outbox[queued]
        if queued is None:
            future._sent.wait()
            if future.done() or future.job is None or self._completions is None:
                return future.cancelled()
            # Whoever takes the future out of the pending jobs settles it, exactly once.
            if self._completions.forget(future.job.id) is None:
                return False  # a fetcher is settling it: the job ended first
            try:
                ended_first = self.client.cancel_view(future.job.id) is None
            except GaiaError:
                ended_first = True
            if ended_first:
                self._completions.recheck(future.job.id, future)
                return False
        future._sent.set()
        cancelled = concurrent.futures.Future.cancel(future)
        self._done(future)
        return cancelled

    def _done(self, future: GaiaFuture | None) -> None:
        """One future is done (None: none, a check); after shutdown the last one closes up."""
        with self._lock:
            if future is not None:
                self._unsettled -= 1
            close = self._shutdown and self._unsettled == 0 and not self._outbox and not self._closed
            if close:
                self._closed = True
            self._lock.notify_all()
        if close:
            if self._completions is not None:
                self._completions.close()
            if self._own_client:
                self.client.close()


def _results(futures: list[GaiaFuture], end: float | None) -> Iterator[Any]:
    # As concurrent.futures' Executor.map: results in order; the rest cancelled on the way out.
    futures.reverse()
    try:
        while futures:
            future = futures.pop()
            try:
                yield future.result(None if end is None else end - time.monotonic())
            finally:
                future.cancel()  # a no-op once done; cancels it after a timeout (as 3.12+)
    finally:
        for future in futures:
            future.cancel()
