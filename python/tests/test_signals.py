"""The worker process as gaia's supervisor and IO engine see it: real processes, sockets, signals.

Each test listens on a Unix socket, starts `python -m gaia_worker` against it with stdin an
open pipe, and plays the IO engine. Proves the hello; the signal ladder (a first SIGTERM
lets the running job finish and send its result, a second ends it at once, an idle worker
exits at once, always with code 0); that EOF on stdin ends the worker; that a module that
fails to import sends `fatal` and exits 1; that a job sent while busy waits in the backlog;
and that a cancel or drain sent while a job runs drops the jobs still in the backlog, even
those that arrived in the same read as the running one (the IO engine's prefetch).
"""
from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

SLOW_TASKS = '''
import time
from gaia_worker import task

@task("test.slow")
def slow(payload, ctx):
    """Reports that it started, then sleeps in short steps for payload seconds (1.5 by default)."""
    ctx.progress(0.0, "started")
    end = time.monotonic() + (payload or {}).get("seconds", 1.5)
    while time.monotonic() < end:
        time.sleep(0.02)
    return "done"
'''

# Room for the worker to run its Python-level signal handler before the next signal comes:
# signals that arrive before the handler runs are seen once (CPython keeps one flag each).
BETWEEN_SIGNALS_S = 0.3


def job(job_id: str, task: str = "test.slow", payload=None) -> dict:
    return {"t": "job", "id": job_id, "task": task, "payload": payload, "attempt": 1,
            "timeout_ms": 60000, "session_id": None, "session_reset": False}


@pytest.fixture
def worker(spawn_worker, tmp_path: Path):
    """A worker serving SLOW_TASKS, past its hello."""
    module = tmp_path / "slow_tasks.py"
    module.write_text(SLOW_TASKS)
    peer = spawn_worker([str(module)])
    peer.hello()
    return peer


def start(peer, job_id: str = "j1", payload=None) -> None:
    """Sends a slow job and waits until its handler runs (its first progress)."""
    peer.send(job(job_id, payload=payload))
    progress = peer.receive_kind("progress")
    assert (progress["id"], progress["message"]) == (job_id, "started")


def test_the_hello_names_the_worker_and_its_tasks(worker):
    hello = worker.hello_message
    assert (hello["v"], hello["role"], hello["pool"], hello["worker_id"]) == (2, "worker", "py", "py-0")
    assert (hello["pid"], hello["runtime"], hello["running"]) == (worker.proc.pid, "python", None)
    assert {"test.slow", "echo", "sleep"} <= set(hello["tasks"])


def test_a_ping_gets_its_pong(worker):
    worker.send({"t": "ping", "n": 41})
    assert worker.receive_kind("pong") == {"t": "pong", "n": 41}


def test_warm_sigterm_lets_the_running_job_finish_and_send_its_result(worker):
    start(worker)
    worker.proc.send_signal(signal.SIGTERM)
    result = worker.receive_kind("result")
    assert (result["id"], result["ok"], result["value"]) == ("j1", True, "done")
    assert set(result["usage"]) == {"user_ms", "sys_ms", "max_rss_kb"}
    assert worker.receive_until_closed() == []
    assert worker.wait_exit() == 0


def test_warm_sigterm_finishes_the_running_job_only(worker):
    worker.send(job("j1", payload={"seconds": 0.5}), job("j2", "echo", "never started"))
    assert worker.receive_kind("progress")["id"] == "j1"
    worker.proc.send_signal(signal.SIGTERM)
    results = [m for m in worker.receive_until_closed() if m["t"] == "result"]
    assert [(r["id"], r["value"]) for r in results] == [("j1", "done")]
    assert worker.wait_exit() == 0


def test_a_second_sigterm_ends_the_job_at_once_without_a_result(worker):
    start(worker, payload={"seconds": 30})
    worker.proc.send_signal(signal.SIGTERM)
    time.sleep(BETWEEN_SIGNALS_S)
    worker.proc.send_signal(signal.SIGTERM)
    # The job had 30 s to go; the connection closes first, with no result for it.
    assert [m for m in worker.receive_until_closed() if m["t"] == "result"] == []
    assert worker.wait_exit() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_idle_worker_exits_0_on_the_first_signal(worker, signum):
    worker.proc.send_signal(signum)
    assert worker.receive_until_closed() == []
    assert worker.wait_exit() == 0


def test_eof_on_stdin_ends_the_worker(worker):
    worker.proc.stdin.close()
    assert worker.wait_exit() == 0
    assert worker.receive_until_closed() == []


def test_eof_on_stdin_ends_the_worker_during_a_job(worker):
    start(worker, payload={"seconds": 30})
    worker.proc.stdin.close()
    assert worker.wait_exit() == 0


def test_a_module_that_fails_to_import_sends_fatal_and_exits_1(spawn_worker, tmp_path: Path):
    module = tmp_path / "broken_tasks.py"
    module.write_text("raise RuntimeError('no database at import time')\n")
    peer = spawn_worker([str(module)])
    peer.accept()
    (fatal,) = peer.receive_until_closed()
    assert (fatal["t"], fatal["worker_id"], fatal["pool"]) == ("fatal", "py-0", "py")
    assert "RuntimeError" in fatal["message"] and "no database at import time" in fatal["message"]
    assert "broken_tasks.py" in fatal["traceback"]
    assert peer.wait_exit() == 1


def test_a_missing_module_sends_fatal_and_exits_1(spawn_worker):
    peer = spawn_worker(["gw_no_such_module_anywhere"])
    peer.accept()
    (fatal,) = peer.receive_until_closed()
    assert fatal["t"] == "fatal"
    assert "ModuleNotFoundError" in fatal["message"] and "gw_no_such_module_anywhere" in fatal["message"]
    assert peer.wait_exit() == 1


def test_a_job_sent_while_busy_runs_after_the_first(worker):
    worker.send(job("j1", payload={"seconds": 0.3}), job("j2", "echo", {"n": 2}))
    first, second = worker.receive_kind("result"), worker.receive_kind("result")
    assert (first["id"], first["value"]) == ("j1", "done")
    assert (second["id"], second["value"]) == ("j2", {"n": 2})


def test_a_job_sent_once_the_first_runs_waits_for_it(worker):
    start(worker, payload={"seconds": 0.3})
    worker.send(job("j2", "echo", "second"))
    assert [worker.receive_kind("result")["id"] for _ in range(2)] == ["j1", "j2"]


def test_a_cancel_drops_a_job_still_in_the_backlog(worker):
    start(worker, payload={"seconds": 0.5})
    worker.send(job("j2", "echo", "cancelled"), {"t": "cancel", "id": "j2"})
    worker.send(job("j3", "echo", "still serving"))
    results = [worker.receive_kind("result") for _ in range(2)]
    assert [(r["id"], r["value"]) for r in results] == [("j1", "done"), ("j3", "still serving")]


@pytest.mark.parametrize("control", [{"t": "cancel", "id": "j2"}, {"t": "drain"}], ids=["cancel", "drain"])
def test_a_control_message_reaches_a_job_that_arrived_with_the_running_one(worker, control):
    # The IO engine prefetches jobs to a busy worker in bursts (src/io/pool-queue.ts), so j1
    # and j2 arrive in one read and both sit in the backlog. A cancel (or a drain) sent while
    # j1 runs takes j2 back on the engine's side: the worker must not run it.
    worker.send(job("j1", payload={"seconds": 0.5}), job("j2", "echo", "taken back"))
    assert worker.receive_kind("progress")["id"] == "j1"
    worker.send(control)
    worker.send(job("j3", "echo", "still serving"))
    results = [worker.receive_kind("result") for _ in range(2)]
    assert [r["id"] for r in results] == ["j1", "j3"]
