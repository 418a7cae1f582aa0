"""How `GaiaExecutor` learns that its jobs ended, with few requests.

One collector thread asks `POST /v1/jobs/wait` for the oldest pending jobs (up to WINDOW of
them): gaia answers as soon as one of them has ended, with every one that has by then, and
the collector settles their futures and asks again. Jobs mostly end in the order they were
submitted, so the window follows the work; a job outside it is reached as the ones before it
end. A job gaia no longer knows (purged, or a 404) settles as failed, saying so.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from ._http import SERVER_GRACE_S
from .client import Client
from .errors import GaiaError

#: The pending jobs one wait names at most (the body stays around 40 KB).
WINDOW = 1000
#: How long one wait may take on gaia's side before the collector asks again.
WAIT_S = 5.0
#: A pause after gaia could not be reached, before trying again.
RETRY_S = 0.25

Settle = Callable[[Any, dict[str, Any]], None]


class Completions:
    """Pending jobs by id (in submission order) and the thread that settles them."""

    def __init__(self, client: Client, settle: Settle, fetchers: int = 1) -> None:
        self.client = client
        self.settle = settle
        self.lock = threading.Lock()
        self.pending: dict[str, Any] = {}
        self.wake = threading.Condition(self.lock)
        self.closed = False
        # `fetchers` is kept for the executor's signature; one collector is enough: each wait
        # brings every job that ended meanwhile.
        self.thread = threading.Thread(target=self._collect, name="gaia-collect", daemon=True)
        self.thread.start()

    def watch(self, job_id: str, item: Any) -> None:
        """Follows job `job_id` until it ends; then `settle(item, view)` is called once."""
        with self.lock:
            self.pending[job_id] = item
            self.wake.notify()

    def recheck(self, job_id: str, item: Any) -> None:
        """Follows a job again (a cancel found that it had ended): the next wait reads it."""
        self.watch(job_id, item)

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
        with self.lock:
            self.closed = True
            self.wake.notify()

    def _collect(self) -> None:
        try:
            while True:
                with self.lock:
                    while not self.pending and not self.closed:
                        self.wake.wait()
                    if self.closed:
                        return
                    ids = list(self.pending)[:WINDOW]
                self._wait(ids)
        finally:
            self.client.transport.release()

    def _wait(self, ids: list[str]) -> None:
        try:
            answer = self.client.transport.json("POST", "/v1/jobs/wait", {"ids": ids, "timeout_s": WAIT_S}, timeout=WAIT_S + SERVER_GRACE_S)
        except GaiaError as err:
            if err.status == 404:
                return self._lost(ids)
            with self.lock:
                if not self.closed:
                    self.wake.wait(RETRY_S)  # gaia unreachable for now: try again
            return
        for view in answer.get("jobs", []):
            with self.lock:
                item = self.pending.pop(view["id"], None)
            if item is not None:
                self.settle(item, view)

    def _lost(self, ids: list[str]) -> None:
        """A 404: some job of the window is gone; each is read alone to find which."""
        for job_id in ids:
            try:
                self.client.transport.json("GET", f"/v1/jobs/{job_id}")
            except GaiaError as err:
                if err.status != 404:
                    continue
                with self.lock:
                    item = self.pending.pop(job_id, None)
                if item is not None:
                    self.settle(item, {"id": job_id, "state": "failed", "error": {"type": "job_lost", "message": f"gaia has no job {job_id} any more: {err.message}"}})
