"""What a task handler receives as `ctx` (SPEC §4)."""
from __future__ import annotations

import json
import math
import os
import time
from typing import Any, Callable, NamedTuple


class Gpu(NamedTuple):
    """A GPU this worker holds: NVML's index (as nvidia-smi numbers it), its UUID and its name."""

    index: int
    uuid: str
    name: str


def parse_gpus(text: str | None) -> tuple[Gpu, ...]:
    """GAIA_GPUS, which gaia's supervisor sets beside CUDA_VISIBLE_DEVICES, as Gpu tuples.

    A value that is not gaia's JSON stops the worker before its hello (so the pool's
    last_error says why) rather than letting tasks see a wrong list.
    """
    if not text:
        return ()
    try:
        items = json.loads(text)
        if not isinstance(items, list):
            raise TypeError("not a list")
        return tuple(Gpu(int(g["index"]), str(g["uuid"]), str(g["name"])) for g in items)
    except (ValueError, TypeError, KeyError) as err:
        raise RuntimeError(
            f"GAIA_GPUS is not a JSON list of {{index, uuid, name}}: {text[:100]!r}; "
            "gaia sets it from the pool's gpus, so remove it from the pool's env"
        ) from err


#: Read once, when the worker starts: a worker's GPUs never change while it lives.
GPUS: tuple[Gpu, ...] = parse_gpus(os.environ.get("GAIA_GPUS"))


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
        #: The GPUs this worker holds (the pool's ``gpus``), empty without GPUs. CUDA in this
        #: process sees only these, by UUID and in this order, so ``ctx.gpus[i]`` is CUDA
        #: device i (``torch.device(f"cuda:{i}")``). Example: ``ctx.gpus[0].uuid``.
        self.gpus: tuple[Gpu, ...] = GPUS
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
