"""What a task handler receives as `ctx` (SPEC §4)."""
from __future__ import annotations

import math
import time
from typing import Any, Callable


class TaskContext:
    """The running job's facts and the ways a handler talks back to gaia.

    Example::

        @task("report.build")
        def build(payload, ctx):
            for i in range(payload["rows"]):
                if i % 1000 == 0:
                    ctx.progress(i / payload["rows"], f"row {i}")
            return {"attempt": ctx.attempt, "seconds_left": ctx.time_left()}
    """

    def __init__(
        self,
        job: dict[str, Any],
        session: dict[str, Any],
        session_reset: bool,
        send_progress: Callable[[float, str | None], None],
        arrays: dict[str, Any] | None = None,
        outputs: Any = None,
    ) -> None:
        self.job_id: str = job["id"]
        self.task: str = job["task"]
        self.attempt: int = job["attempt"]
        #: Epoch seconds at which gaia kills this worker if the job still runs.
        self.deadline: float = time.time() + job["timeout_ms"] / 1000
        #: Input arrays by the names the job gave them: numpy views on shared files (no copy),
        #: read-only unless the task was registered with ``writable_arrays=True``.
        self.arrays: dict[str, Any] = arrays or {}
        #: State kept on this worker for the job's session_id; a fresh dict without one.
        self.session: dict[str, Any] = session
        #: True when this session's state was lost (its worker died) and starts over.
        self.session_reset: bool = session_reset
        self._send_progress = send_progress
        self._outputs = outputs

    def time_left(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.time())

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Reports progress (0..1, clamped by gaia) and an optional message on the job."""
        value = float(fraction)
        if math.isfinite(value):  # NaN or infinity is dropped: the engine would refuse the frame
            self._send_progress(value, None if message is None else str(message))

    def output(self, name: str, shape: Any, dtype: str):
        """A new result array: a zeroed, writable numpy array over a new shared file.

        It becomes ``result_arrays[name]`` of the job when the job succeeds, and is removed
        when it fails. Example::

            err = ctx.output("error", fc.shape, "float32")
            np.subtract(fc, truth, out=err)
        """
        if self._outputs is None:
            raise RuntimeError("ctx.output is not available outside a job run by gaia")
        return self._outputs.create(name, shape, dtype)
