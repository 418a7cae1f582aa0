"""gaia_worker.testing.run: a task in this process with a real ctx and real /dev/shm files."""
from __future__ import annotations

import os
import sys

import pytest

np = pytest.importorskip("numpy")

from gaia_server import FIXTURES  # noqa: E402
from gaia_worker.testing import TaskRun, run  # noqa: E402

sys.path.insert(0, str(FIXTURES))
import client_tasks  # noqa: E402


def shm_folders() -> set[str]:
    return {f for f in os.listdir("/dev/shm") if f.startswith("gaia-testing-")} if os.path.isdir("/dev/shm") else set()


def test_inputs_are_read_only_views_and_outputs_come_back():
    before = shm_folders()
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    result = run(client_tasks.scale, {"k": 5}, arrays={"x": x})
    assert isinstance(result, TaskRun)
    value, outputs = result
    assert value == {"sum": 66.0, "dtype": "int32", "shape": [3, 4], "writable": False}
    assert np.array_equal(outputs["y"], x * 5) and outputs["y"].dtype == np.int32
    assert shm_folders() == before, "the run's files are gone; its views stay valid"


def test_the_task_exception_is_raised_as_it_is():
    with pytest.raises(ZeroDivisionError):
        run(client_tasks.divide, 0)


def test_ctx_has_the_job_facts_progress_and_session():
    seen = []
    session = {"n": 41}
    value, outputs = run(client_tasks.progress, {"steps": 2}, on_progress=lambda f, m: seen.append((f, m)), session=session, attempt=2)
    assert value == {"task": "cl.progress", "attempt": 2, "session": 41} and outputs == {}
    assert seen == [(0.5, "step 1"), (1.0, "step 2")]


def test_writable_arrays_tasks_get_writable_inputs():
    from gaia_worker import registry

    def double_in_place(payload, ctx):
        ctx.arrays["x"] *= 2
        return float(ctx.arrays["x"].sum())

    registry.task("t.double", writable_arrays=True)(double_in_place)
    try:
        assert run(double_in_place, None, arrays={"x": np.ones(4, dtype=np.float32)}).value == 8.0
    finally:
        registry._tasks.pop("t.double", None)
        registry._writable.discard("t.double")


def test_a_value_that_cannot_travel_is_refused():
    with pytest.raises(TypeError, match="set"):
        run(lambda payload, ctx: {1, 2})
