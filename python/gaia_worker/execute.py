"""Running one job inside a Python worker: the handler called with its `ctx` (arrays mapped,
outputs made, the session found), its value checked, and the result frame encoded; a value
that cannot travel fails the job instead. The loop around it is in runtime.py.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable

from .arrays import InputCache, OutputCache, Outputs
from .context import TaskContext
from .protocol import Message, encode_frame
from .registry import tasks, writes_arrays

#: Sessions a worker keeps at most (least recently used first out).
MAX_SESSIONS = 10_000


def execute(
    job: Message,
    sessions: dict[str, dict[str, Any]],
    send_progress,
    place: dict[str, str] | None = None,
    inputs: InputCache | None = None,
    output_cache: OutputCache | None = None,
) -> dict[str, Any]:
    """Runs one job's handler; an exception fails the job, the worker lives on."""
    handler = tasks().get(job["task"])
    if handler is None:
        return {"ok": False, "error": {"type": "unknown_task", "message": f"this worker has no task {job['task']!r}"}}
    session_id = job.get("session_id")
    reset = bool(job.get("session_reset"))
    session: dict[str, Any] = {}
    if session_id is not None:
        session = {} if reset or session_id not in sessions else sessions.pop(session_id)
        sessions[session_id] = session  # re-inserted last: least recently used first out
        if len(sessions) > MAX_SESSIONS:
            del sessions[next(iter(sessions))]
    outputs = Outputs(place, job["id"], job["attempt"], output_cache)
    try:
        views = (inputs or InputCache()).map(job.get("arrays") or {}, writes_arrays(job["task"]))
        ctx = TaskContext(job, session, reset, send_progress, views, outputs)
        outcome: dict[str, Any] = {"ok": True, "value": handler(job.get("payload"), ctx)}
        if outputs.made:
            outcome["arrays"] = outputs.made
        if output_cache:
            output_cache.job_done(True)
        return outcome
    except Exception as err:  # the handler's failure is the job's, not the worker's
        outputs.discard()
        if output_cache:
            output_cache.job_done(False)
        return {"ok": False, "error": {"type": type(err).__name__, "message": str(err), "traceback": traceback.format_exc()}}


def check_json_like(value: Any) -> None:
    """Raises TypeError unless `value` is what gaia's JSON API can carry back unchanged.

    cbor2 would encode more (a set as tag 258, bytes, datetimes), but the job's result is
    served as JSON, where a set would turn into {} without a word.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, (str, int, float)):
            continue
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"a dict key {key!r} ({type(key).__name__}): result keys must be str")
                stack.append(inner)
        else:
            raise TypeError(f"{type(item).__name__} is not JSON-like (use dict, list, str, int, float, bool or None)")


def encode_result(result: Message, on_refused: Callable[[], None] | None = None) -> bytes:
    """The result's frame; a value that cannot travel fails the job instead (`on_refused`)."""
    try:
        if result.get("ok"):
            check_json_like(result.get("value"))
        return encode_frame(result)
    except Exception as err:
        if on_refused is not None:
            on_refused()
        failed = {k: v for k, v in result.items() if k not in ("value", "arrays")}
        failed.update(ok=False, error={"type": "ResultError", "message": f"the task's return value cannot be sent back: {err}"})
        return encode_frame(failed)
