"""What a handler sees and what comes back from it (SPEC §4), without a process around it.

Proves that TaskContext carries the job's facts, a deadline and a working progress(); that
runtime.execute() turns a handler's value into {ok: True, value}, its exception into
{ok: False, error: {type, message, traceback}}, an unknown task into `unknown_task`, keeps a
session's state across jobs and starts it over on session_reset; and that encode_result()
turns a value that cannot travel into a ResultError frame that still decodes.
"""
from __future__ import annotations

import time
import uuid

import pytest

from gaia_worker import TaskContext
from gaia_worker.protocol import MAX_FRAME_BYTES, FrameReader
from gaia_worker.runtime import ColdShutdown, encode_result, execute


def job(task: str, payload=None, **overrides) -> dict:
    return {"id": "j1", "task": task, "attempt": 1, "timeout_ms": 60_000, "payload": payload,
            "session_id": None, "session_reset": False, **overrides}


def collect():
    """A progress sender that remembers its calls."""
    calls: list[tuple] = []
    return calls, lambda fraction, message: calls.append((fraction, message))


@pytest.fixture
def name():
    return f"test.ctx_{uuid.uuid4().hex[:12]}"


def test_the_context_carries_the_jobs_facts():
    session = {"kept": True}
    before = time.time()
    ctx = TaskContext(job("model.score", attempt=3, timeout_ms=5_000, id="j9"), session, True, collect()[1])
    assert (ctx.job_id, ctx.task, ctx.attempt) == ("j9", "model.score", 3)
    assert ctx.session is session and ctx.session_reset is True
    assert ctx.arrays == {}
    assert before + 5 <= ctx.deadline <= time.time() + 5
    assert 0 < ctx.time_left() <= 5


def test_time_left_is_never_negative():
    ctx = TaskContext(job("echo", timeout_ms=0), {}, False, collect()[1])
    assert ctx.time_left() == 0.0


def test_progress_sends_a_float_and_a_text_or_none():
    calls, sender = collect()
    ctx = TaskContext(job("echo"), {}, False, sender)
    ctx.progress(1)
    ctx.progress(0.5, "half way")
    ctx.progress(0.25, 7)
    assert calls == [(1.0, None), (0.5, "half way"), (0.25, "7")]
    assert all(type(fraction) is float for fraction, _ in calls)


def test_execute_returns_the_handlers_value(register, name):
    register(name, lambda payload, ctx: {"sum": payload["a"] + payload["b"], "job": ctx.job_id})
    assert execute(job(name, {"a": 2, "b": 3}), {}, collect()[1]) == {"ok": True, "value": {"sum": 5, "job": "j1"}}


def test_execute_passes_progress_through(register, name):
    def handler(_payload, ctx):
        ctx.progress(0.5, "half")
        return None

    register(name, handler)
    calls, sender = collect()
    assert execute(job(name), {}, sender) == {"ok": True, "value": None}
    assert calls == [(0.5, "half")]


def test_an_exception_fails_the_job_with_type_message_and_traceback(register, name):
    def handler(payload, _ctx):
        raise ValueError(f"bad input {payload!r}")

    register(name, handler)
    outcome = execute(job(name, 7), {}, collect()[1])
    assert outcome["ok"] is False and "value" not in outcome
    error = outcome["error"]
    assert (error["type"], error["message"]) == ("ValueError", "bad input 7")
    assert error["traceback"].startswith("Traceback") and "ValueError: bad input 7" in error["traceback"]
    assert "in handler" in error["traceback"]


def test_a_shutdown_is_not_swallowed_as_a_job_failure(register, name):
    def handler(_payload, _ctx):
        raise ColdShutdown()

    register(name, handler)
    with pytest.raises(ColdShutdown):
        execute(job(name), {}, collect()[1])


def test_an_unknown_task_fails_as_unknown_task():
    outcome = execute(job("test.no-such-task"), {}, collect()[1])
    assert outcome["ok"] is False
    assert outcome["error"]["type"] == "unknown_task"
    assert "test.no-such-task" in outcome["error"]["message"]


def counting_handler(_payload, ctx):
    ctx.session["n"] = ctx.session.get("n", 0) + 1
    return {"n": ctx.session["n"], "reset": ctx.session_reset}


def test_a_session_keeps_its_state_across_jobs(register, name):
    register(name, counting_handler)
    sessions: dict = {}
    first = execute(job(name, session_id="user-7"), sessions, collect()[1])
    second = execute(job(name, session_id="user-7", id="j2"), sessions, collect()[1])
    other = execute(job(name, session_id="user-8", id="j3"), sessions, collect()[1])
    assert [first["value"], second["value"], other["value"]] == [{"n": 1, "reset": False}, {"n": 2, "reset": False}, {"n": 1, "reset": False}]
    assert sessions == {"user-7": {"n": 2}, "user-8": {"n": 1}}


def test_session_reset_starts_the_session_over(register, name):
    register(name, counting_handler)
    sessions: dict = {}
    execute(job(name, session_id="user-7"), sessions, collect()[1])
    execute(job(name, session_id="user-7"), sessions, collect()[1])
    reset = execute(job(name, session_id="user-7", session_reset=True), sessions, collect()[1])
    after = execute(job(name, session_id="user-7"), sessions, collect()[1])
    assert reset["value"] == {"n": 1, "reset": True}
    assert after["value"] == {"n": 2, "reset": False}


def test_jobs_without_a_session_share_nothing(register, name):
    register(name, counting_handler)
    sessions: dict = {}
    assert execute(job(name), sessions, collect()[1])["value"]["n"] == 1
    assert execute(job(name), sessions, collect()[1])["value"]["n"] == 1
    assert sessions == {}


def result(value) -> dict:
    return {"t": "result", "id": "j1", "attempt": 1, "ok": True, "value": value, "execution_ms": 1.5,
            "usage": {"user_ms": 1.0, "sys_ms": 0.5, "max_rss_kb": 1000}}


# A set would encode (cbor2 writes tag 258) but cbor-x on the TypeScript side decodes it to
# a JS Set and the journal stores JSON, where JSON.stringify(new Set([1, 2])) is "{}": the job
# would succeed with its value lost. The same goes for bytes and for non-text dict keys.
UNSENDABLE = {"object": object(), "nested": {"k": object()}, "in-list": [1, object()],
              "set": {1, 2}, "bytes": b"\x00\x01", "int-key": {1: "one"}}


@pytest.mark.parametrize("value", UNSENDABLE.values(), ids=UNSENDABLE.keys())
def test_a_value_that_cannot_travel_becomes_a_result_error(value):
    (decoded,) = FrameReader().feed(encode_result(result(value)))
    assert decoded["ok"] is False and "value" not in decoded
    assert decoded["error"]["type"] == "ResultError"
    assert "cannot be sent back" in decoded["error"]["message"]
    assert (decoded["id"], decoded["execution_ms"], decoded["usage"]) == ("j1", 1.5, result(None)["usage"])


def test_a_value_over_the_frame_cap_becomes_a_result_error():
    (decoded,) = FrameReader().feed(encode_result(result("x" * MAX_FRAME_BYTES)))
    assert decoded["ok"] is False and decoded["error"]["type"] == "ResultError"
    assert "cap" in decoded["error"]["message"]


def test_an_encodable_value_is_sent_as_it_is():
    value = {"rmse": 0.125, "label": "été ☀", "n": 5_000_000_000, "flags": [True, False, None], "rows": [{}, []]}
    (decoded,) = FrameReader().feed(encode_result(result(value)))
    assert decoded == result(value)
