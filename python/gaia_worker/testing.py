"""`run`: a task in the test's own process with a real `TaskContext` (SPEC §4).

Input arrays become real files in a fresh folder under /dev/shm, mapped as a worker maps
them (read-only views, unless the task was registered with ``writable_arrays=True``);
`ctx.output` makes real files there too, as in a worker. The folder is removed before `run`
returns: the views stay valid (an unlinked file's pages live while they are mapped) and
nothing is left behind. A task's exception is raised as it is, not wrapped.

    from gaia_worker.testing import run
    from weather import score

    def test_score_of_a_perfect_forecast():
        truth = np.ones((4, 4), dtype=np.float32)
        value, outputs = run(score, {}, arrays={"forecast": truth, "truth": truth})
        assert value["rmse"] == 0 and not outputs["error"].any()
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import Any, Callable, Mapping, NamedTuple

from .arrays import InputCache, Outputs
from .context import TaskContext
from .execute import check_json_like
from .registry import writes_arrays

__all__ = ["run", "TaskRun"]


class TaskRun(NamedTuple):
    """What `run` returns: the handler's `value` and its output `arrays` (name → ndarray)."""

    value: Any
    arrays: dict[str, Any]


def run(
    fn: Callable[[Any, TaskContext], Any],
    payload: Any = None,
    arrays: Mapping[str, Any] | None = None,
    *,
    task: str | None = None,
    timeout_s: float = 300.0,
    attempt: int = 1,
    session: dict[str, Any] | None = None,
    session_reset: bool = False,
    on_progress: Callable[[float, str | None], None] | None = None,
    arrays_dir: str | None = None,
) -> TaskRun:
    """Runs `fn(payload, ctx)` as a gaia worker would; returns `TaskRun(value, arrays)`.

    `arrays` maps input names to ndarrays; `session` is the dict `ctx.session` starts with
    (kept, so a test can run several jobs of one session); `on_progress` receives each
    ``ctx.progress(fraction, message)``. The value must be what a job's result can carry
    (TypeError otherwise, as a worker would fail the job with ResultError).
    Example::

        value, _ = run(add, {"a": 1, "b": 2})
        assert value == 3
    """
    name = task or getattr(fn, "__gaia_task__", None) or getattr(fn, "__name__", "task")
    job_id = str(uuid.uuid4())
    job = {"id": job_id, "task": name, "attempt": attempt, "timeout_ms": timeout_s * 1000}
    folder = tempfile.mkdtemp(prefix="gaia-testing-", dir=arrays_dir or _default_dir())
    try:
        inputs = {key: _store(folder, value) for key, value in (arrays or {}).items()}
        views = InputCache().map(inputs, writes_arrays(name))
        outputs = Outputs({"dir": folder, "instance": f"{os.getpid()}ptest"}, job_id, attempt)
        ctx = TaskContext(job, session if session is not None else {}, session_reset, on_progress or (lambda f, m: None), views, outputs)
        try:
            value = fn(payload, ctx)
            check_json_like(value)
        except BaseException:
            outputs.discard()
            raise
        made = {key: _view(folder, info) for key, info in outputs.made.items()}
        return TaskRun(value, made)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _default_dir() -> str:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _store(folder: str, value: Any) -> dict[str, Any]:
    """An input array as the IO engine hands it to a worker: a file, its dtype and shape."""
    from ._arrays_io import fill_file, wire_form

    wire = wire_form(value)
    path = os.path.join(folder, f"input-{len(os.listdir(folder))}")
    with open(path, "wb") as f:
        f.truncate(wire.nbytes)
    fill_file(path, wire)
    return {"name": os.path.basename(path), "path": path, "dtype": wire.dtype.name, "shape": list(wire.shape)}


def _view(folder: str, info: dict[str, Any]) -> Any:
    from ._arrays_io import map_result

    view = map_result(os.path.join(folder, info["name"]), info["dtype"], info["shape"])
    if view is None:
        raise RuntimeError(f"output {info['name']} is not where ctx.output put it")
    return view
