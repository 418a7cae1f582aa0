"""How `GaiaExecutor` learns that its jobs ended, with few requests.

One events stream (`GET /v1/events`, subscribed before the first job is submitted, so none
of its events can be missed) says which jobs finished; fetcher threads then read each such
job once (`GET /v1/jobs/ID`, the result is not in the event) and settle its future. When no
event is waiting, one fetcher long-polls the oldest pending job in turn: the backstop for
events that were lost (a reconnect beyond what the server still holds, `events.gap`) or a
stream that cannot be opened, when every fetcher polls that way.

Every job costs one GET today. A route that answers many jobs at once (the jobs among a
list of ids that have ended), or `job.finished` events that carry small results, would
remove that; see docs/python-client.md.
"""
from __future__ import annotations

import collections
import queue
import threading
from typing import Any, Callable

from ._http import SERVER_GRACE_S
from ._requests import TERMINAL, fmt_seconds, job_path
from .client import Client
from .errors import GaiaError
from .stream import EventStream

#: How long an idle fetcher waits for an event before it polls the oldest pending job.
IDLE_S = 0.25
#: `?wait=` of the backstop's long polls: with events flowing, short, so the poller is soon
#: back to fetching; without events, it is the only way in, and waits longer per job.
BACKSTOP_WAIT_S = 1.0
BLIND_WAIT_S = 30.0
#: Ids of jobs seen finishing before their future was registered (a job that ended before
#: its batch's answer arrived); older ones are forgotten first.
EARLY_IDS = 100_000

Settle = Callable[[Any, dict[str, Any]], None]


class Completions:
    """Pending jobs by id (in submission order) and the threads that settle them."""

    def __init__(self, client: Client, settle: Settle, fetchers: int = 2) -> None:
        self.client = client
        self.settle = settle
        self.lock = threading.Lock()
        self.pending: dict[str, Any] = {}
        self.claimed: set[str] = set()
        self.early: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.ready: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.closed = threading.Event()
        self.backstop = threading.Lock()
        self.stream: EventStream | None = None
        try:
            self.stream = client.events(kinds=("job.finished", "events.gap"))
        except GaiaError:
            self.stream = None  # no events: the fetchers poll (slower, as correct)
        self.threads = [threading.Thread(target=self._fetch, name=f"gaia-fetch-{i}", daemon=True) for i in range(fetchers)]
        if self.stream is not None:
            self.threads.append(threading.Thread(target=self._listen, name="gaia-events", daemon=True))
        for thread in self.threads:
            thread.start()

    def watch(self, job_id: str, item: Any) -> None:
        """Follows job `job_id` until it ends; then `settle(item, view)` is called once."""
        with self.lock:
            self.pending[job_id] = item
            finished = job_id in self.early
            if finished:
                del self.early[job_id]
        if finished:
            self.ready.put(job_id)

    def recheck(self, job_id: str, item: Any) -> None:
        """Follows a job again and reads it at once (a cancel found that it had ended)."""
        with self.lock:
            self.pending[job_id] = item
        self.ready.put(job_id)

    def items(self) -> list[Any]:
        with self.lock:
            return list(self.pending.values())

    def forget(self, job_id: str) -> Any:
        """Stops following a job (cancelled by the caller); its item, or None."""
        with self.lock:
            return self.pending.pop(job_id, None)

    def count(self) -> int:
        with self.lock:
            return len(self.pending)

    def close(self) -> None:
        self.closed.set()
        if self.stream is not None:
            self.stream.close()
        for _ in self.threads:
            self.ready.put(None)

    def _listen(self) -> None:
        assert self.stream is not None
        try:
            for event in self.stream:
                if event.kind == "job.finished":
                    self._finished(str(event.data.get("job_id")))
                elif event.kind == "events.gap":
                    self._sweep()
        except GaiaError:
            pass  # the stream is gone for good: the backstop polls from now on
        finally:
            self.stream = None

    def _finished(self, job_id: str) -> None:
        with self.lock:
            if job_id not in self.pending:
                self.early[job_id] = None
                if len(self.early) > EARLY_IDS:
                    self.early.popitem(last=False)
                return
        self.ready.put(job_id)

    def _sweep(self) -> None:
        """Events were lost: every pending job is read once."""
        with self.lock:
            ids = list(self.pending)
        for job_id in ids:
            self.ready.put(job_id)

    def _fetch(self) -> None:
        try:
            self._fetch_loop()
        finally:
            self.client.transport.release()

    def _fetch_loop(self) -> None:
        while not self.closed.is_set():
            try:
                # Without events there is nothing to wait for while jobs are pending: polls are the way in.
                blind = self.stream is None and self.count() > 0
                job_id = self.ready.get_nowait() if blind else self.ready.get(timeout=IDLE_S)
            except queue.Empty:
                if not self._poll_oldest():
                    self.closed.wait(IDLE_S / 10)
                continue
            if job_id is not None:
                self._read(job_id, 0.0)

    def _poll_oldest(self) -> bool:
        """Long-polls the next pending job no one reads; whether there was one."""
        blind = self.stream is None
        if not blind and not self.backstop.acquire(blocking=False):
            return False  # one backstop poller is enough while events flow
        try:
            with self.lock:
                job_id = next((j for j in self.pending if j not in self.claimed), None)
                if job_id is not None:
                    # Round robin: a long job at the head does not keep the next from view.
                    self.pending[job_id] = self.pending.pop(job_id)
            if job_id is None:
                return False
            self._read(job_id, BLIND_WAIT_S if blind else BACKSTOP_WAIT_S)
            return True
        finally:
            if not blind:
                self.backstop.release()

    def _read(self, job_id: str, wait_s: float) -> None:
        with self.lock:
            if job_id not in self.pending or job_id in self.claimed:
                return
            self.claimed.add(job_id)
        try:
            suffix = f"?wait={fmt_seconds(wait_s)}" if wait_s > 0 else ""
            view = self.client.transport.json("GET", job_path(job_id, suffix), timeout=wait_s + SERVER_GRACE_S)
        except GaiaError as err:
            view = None if err.status != 404 else {"id": job_id, "state": "failed", "error": {"type": "job_lost", "message": f"gaia has no job {job_id} any more: {err.message}"}}
            if view is None:
                self.closed.wait(IDLE_S)  # gaia unreachable for now: the backstop tries again
        finally:
            with self.lock:
                self.claimed.discard(job_id)
        if view is None or view.get("state") not in TERMINAL:
            return
        with self.lock:
            item = self.pending.pop(job_id, None)
        if item is not None:
            self.settle(item, view)
