"""`Job`: one submitted job as the sync client sees it (SPEC §5)."""
from __future__ import annotations

import concurrent.futures
import time
from typing import TYPE_CHECKING, Any

from ._http import SERVER_GRACE_S
from ._requests import TERMINAL, fmt_seconds, job_path, outcome, wait_query
from .errors import GaiaError

if TYPE_CHECKING:
    from .client import Client


class Job:
    """A job: its `id`, the `state` last seen, and `view` (the job as the API last showed it).

    Example::

        job = client.submit("weather.score", arrays={"forecast": fc, "truth": truth})
        try:
            print(job.result(timeout=120), job.result_arrays()["error"].shape)
        except JobFailed as e:
            print(e)                     # the type, the message and the remote traceback
            print(job.logs())            # what the task printed, per attempt
    """

    def __init__(self, client: "Client", job_id: str, view: dict[str, Any] | None = None, owned_inputs: list[str] | None = None) -> None:
        self.client = client
        self.id = job_id
        self.view: dict[str, Any] = view or {"id": job_id}
        # Arrays this client stored for the job's inputs: deleted once it is seen to end.
        self._owned = list(owned_inputs or [])
        self._arrays: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.state}>"

    @property
    def state(self) -> str:
        return str(self.view.get("state", "unknown"))

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    def refresh(self) -> "Job":
        """Reads the job again (`GET /v1/jobs/ID`); returns self."""
        self._seen(self.client.transport.json("GET", job_path(self.id)))
        return self

    def wait(self, timeout: float | None = None) -> "Job":
        """Waits until the job ends (long polls); `TimeoutError` if it has not within `timeout` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        asked = False  # one look at gaia always, even with timeout=0
        while not self.done:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if left == 0 and asked:
                raise concurrent.futures.TimeoutError(f"job {self.id} is still {self.state} after {timeout:g} s")
            asked = True
            wait = wait_query(left)
            path = job_path(self.id, f"?wait={fmt_seconds(wait)}")
            self._seen(self.client.transport.json("GET", path, timeout=wait + SERVER_GRACE_S))
        return self

    def result(self, timeout: float | None = None) -> Any:
        """The job's result value once it succeeded; `JobFailed` if it failed, timed out or
        was cancelled; `TimeoutError` if it has not ended within `timeout` seconds."""
        return outcome(self.wait(timeout).view, self)

    def result_arrays(self, timeout: float | None = None) -> dict[str, Any]:
        """The job's result arrays as numpy (read-only views mapped in place on the same host,
        downloaded otherwise), after `result` would have returned. A mapped view is valid
        while the job exists (`queue.result_ttl_s`); copy it to keep it longer."""
        self.result(timeout)
        if self._arrays is None:
            names = self.view.get("result_arrays") or {}
            self._arrays = {key: self.client.arrays.get(name) for key, name in names.items()}
        return self._arrays

    def logs(self) -> Any:
        """`GET /v1/jobs/ID/logs`: the lines the task printed while it ran, per attempt."""
        return self.client.transport.json("GET", job_path(self.id, "/logs"))

    def cancel(self) -> bool:
        """Cancels the job (a running one's worker is killed): True if it is cancelled now,
        False if it had already ended."""
        view = self.client.cancel_view(self.id)
        if view is None:
            self.refresh()
            return False
        self._seen(view)
        return True

    def _seen(self, view: dict[str, Any]) -> None:
        self.view = view
        if self._owned and self.done:
            owned, self._owned = self._owned, []
            self.client.arrays.discard(owned)


def settle_inputs(job: Job, view: dict[str, Any]) -> None:
    """Records a view read elsewhere (the executor's collector) as this job's latest."""
    try:
        job._seen(view)
    except GaiaError:
        pass  # a failed clean-up of inputs must not fail the job's result; their TTL removes them
