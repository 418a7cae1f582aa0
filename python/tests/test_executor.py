"""GaiaExecutor against ProcessPoolExecutor: one test body, run with each, gives the same results."""
from __future__ import annotations

import concurrent.futures
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from gaia_server import FIXTURES, gaia  # noqa: F401 - the fixture
from gaia_worker import Client, GaiaExecutor, JobFailed

sys.path.insert(0, str(FIXTURES))
import client_tasks  # noqa: E402 - the same functions the gaia pool serves

WAIT_S = 30.0


def scenario(pool: concurrent.futures.Executor) -> dict:
    """What code written for ProcessPoolExecutor observes; gaia's pool has 2 workers too."""
    seen: dict = {}
    seen["submit"] = pool.submit(client_tasks.square, 7).result(timeout=WAIT_S)
    seen["map"] = list(pool.map(client_tasks.square, range(40), timeout=WAIT_S, chunksize=4))
    seen["map_empty"] = list(pool.map(client_tasks.square, []))
    failing = pool.submit(client_tasks.divide, 0)
    try:
        failing.result(timeout=WAIT_S)
    except ZeroDivisionError as err:
        seen["exception"] = ("ZeroDivisionError", str(err).splitlines()[0].endswith("division by zero"))
    seen["exception_of_future"] = isinstance(failing.exception(timeout=WAIT_S), ZeroDivisionError)
    results = pool.map(client_tasks.sleep, [3.0], timeout=0.2)
    try:
        next(results)
    except concurrent.futures.TimeoutError:
        seen["map_timeout"] = True
    # Both workers busy, then a queue: the last future is surely still waiting to start.
    blockers = [pool.submit(client_tasks.sleep, 1.5) for _ in range(2)]
    waiting = [pool.submit(client_tasks.square, n) for n in range(4)]
    seen["cancel"] = waiting[-1].cancel()
    seen["cancelled"] = waiting[-1].cancelled()
    try:
        waiting[-1].result(timeout=WAIT_S)
    except concurrent.futures.CancelledError:
        seen["cancelled_result"] = "CancelledError"
    seen["rest"] = [f.result(timeout=WAIT_S) for f in blockers + waiting[:-1]]
    done, not_done = concurrent.futures.wait([pool.submit(client_tasks.square, n) for n in range(5)], timeout=WAIT_S)
    seen["wait"] = (sorted(f.result() for f in done), len(not_done))
    seen["as_completed"] = sorted(f.result() for f in concurrent.futures.as_completed([pool.submit(client_tasks.square, n) for n in range(5)], timeout=WAIT_S))
    return seen


def test_the_same_code_gives_the_same_results_on_both(gaia):  # noqa: F811
    with ProcessPoolExecutor(max_workers=2) as pool:
        expected = scenario(pool)
    with GaiaExecutor(socket=gaia.socket) as pool:
        got = scenario(pool)
    assert got == expected
    assert expected["exception"] == ("ZeroDivisionError", True) and expected["cancel"] is True


def test_failures_are_job_failed_with_the_remote_traceback(gaia):  # noqa: F811
    with GaiaExecutor(socket=gaia.socket) as pool:
        future = pool.submit(client_tasks.divide, 0)
        with pytest.raises(JobFailed) as caught:
            future.result(timeout=WAIT_S)
        assert caught.value.type == "ZeroDivisionError" and "client_tasks.py" in str(caught.value)
        assert future.job is not None and future.job_id == caught.value.job_id


def test_only_task_functions_with_one_payload_are_accepted(gaia):  # noqa: F811
    with GaiaExecutor(socket=gaia.socket) as pool:
        with pytest.raises(TypeError, match="@task"):
            pool.submit(print, 1)
        with pytest.raises(TypeError, match="one payload"):
            pool.submit(client_tasks.square, 1, 2)
        with pytest.raises(TypeError, match="one iterable"):
            pool.map(client_tasks.square, [1], [2])
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(client_tasks.square, 1)


def test_an_unknown_task_fails_its_own_future_only(gaia, register):  # noqa: F811
    ghost = register("cl.not_served_anywhere", lambda payload, ctx=None: payload)
    with GaiaExecutor(socket=gaia.socket) as pool:
        futures = [pool.submit(client_tasks.square, 3), pool.submit(ghost, 1), pool.submit(client_tasks.square, 4)]
        assert futures[0].result(timeout=WAIT_S) == 9 and futures[2].result(timeout=WAIT_S) == 16
        assert futures[1].exception(timeout=WAIT_S).code == "unknown_task"


def test_shutdown_cancel_futures_cancels_what_has_not_ended(gaia):  # noqa: F811
    pool = GaiaExecutor(socket=gaia.socket)
    futures = [pool.submit(client_tasks.sleep, 2.0) for _ in range(6)]
    pool.shutdown(wait=True, cancel_futures=True)
    assert all(f.done() for f in futures)
    assert any(f.cancelled() for f in futures)
    with Client(gaia.socket) as client:
        states = {client.job(f.job_id).state for f in futures if f.job_id}
    assert states <= {"cancelled", "succeeded"}


def test_map_over_many_payloads_keeps_order(gaia):  # noqa: F811
    payloads = list(range(3000))
    with GaiaExecutor(socket=gaia.socket) as pool:
        assert list(pool.map(client_tasks.noop, payloads, timeout=120)) == payloads


def test_a_shared_client_is_left_without_the_executors_connections(gaia):  # noqa: F811
    with Client(gaia.socket) as client:
        with GaiaExecutor(client) as pool:
            assert pool.submit(client_tasks.square, 2).result(timeout=WAIT_S) == 4
        deadline = time.monotonic() + 10
        while client.transport._all and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.transport._all, "the executor's threads closed their connections as they ended"
        assert client.call("cl.square", 3, timeout=WAIT_S) == 9, "and the client goes on"
