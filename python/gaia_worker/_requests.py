"""What the sync and asyncio clients send and how they read the answers, without any IO:
request bodies and queries, terminal states, and a job's outcome as a value or an exception.
"""
from __future__ import annotations

import math
import urllib.parse
from typing import Any, Iterable, Mapping

from .errors import failure

TERMINAL = ("succeeded", "failed", "timed_out", "cancelled")
#: Jobs per `POST /v1/jobs/batch` (the API's cap, SPEC §7).
MAX_BATCH = 10_000
#: The longest single `?wait=` a client asks for: short enough that a lost answer is noticed.
POLL_S = 60.0
#: The keys `submit` takes besides task, payload and arrays; sent only when given.
OPTIONS = ("timeout_s", "retries", "priority", "delay_s", "session_id", "idempotency_key")


def submit_body(task: str, payload: Any = None, arrays: Mapping[str, str] | None = None, **options: Any) -> dict[str, Any]:
    """The JSON body of one submission; options that are None are left out, so a server
    that does not know a key yet (`priority`, `delay_s`) refuses only when it is used.

    Example::

        submit_body("score", {"x": 1}, priority=5)  # {'task': 'score', 'payload': {'x': 1}, 'priority': 5}
    """
    if not isinstance(task, str) or not task:
        raise TypeError(f"task must be a non-empty str; got {task!r} ({type(task).__name__})")
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise TypeError(f"unknown submit option(s) {', '.join(sorted(unknown))}; the options are {', '.join(OPTIONS)}")
    body: dict[str, Any] = {"task": task}
    if payload is not None:
        body["payload"] = payload
    if arrays:
        body["arrays"] = dict(arrays)
    for key in OPTIONS:
        value = options.get(key)
        if value is not None:
            body[key] = value
    return body


def batch_item(item: Any) -> tuple[str, Any, Mapping[str, Any] | None, dict[str, Any]]:
    """One entry of `submit_many`: a dict of submit's arguments, or a `(task, payload)` pair."""
    if isinstance(item, Mapping):
        rest = dict(item)
        try:
            task = rest.pop("task")
        except KeyError:
            raise TypeError(f"a job for submit_many needs a 'task'; got {item!r}") from None
        return task, rest.pop("payload", None), rest.pop("arrays", None), rest
    if isinstance(item, tuple) and len(item) == 2:
        return item[0], item[1], None, {}
    raise TypeError(f"submit_many takes dicts of submit's arguments or (task, payload) pairs; got {item!r}")


def chunks(items: list[Any], size: int = MAX_BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def wait_query(timeout: float | None) -> float:
    """The `?wait=` for the next long poll given what is left of the caller's timeout."""
    if timeout is None:
        return POLL_S
    return max(0.0, min(POLL_S, timeout))


def fmt_seconds(seconds: float) -> str:
    """Seconds for a query: at most millisecond precision, no exponent (the API wants digits)."""
    return f"{math.ceil(seconds * 1000) / 1000:.3f}".rstrip("0").rstrip(".") or "0"


def jobs_query(state: str | None, task: str | None, limit: int | None) -> str:
    query = {k: v for k, v in (("state", state), ("task", task), ("limit", limit)) if v is not None}
    return "/v1/jobs" + (f"?{urllib.parse.urlencode(query)}" if query else "")


def events_query(job: str | None) -> str:
    return "/v1/events" + (f"?{urllib.parse.urlencode({'job': job})}" if job else "")


def job_path(job_id: str, suffix: str = "") -> str:
    if not isinstance(job_id, str) or not job_id:
        raise TypeError(f"a job id must be a non-empty str; got {job_id!r}")
    return f"/v1/jobs/{urllib.parse.quote(job_id, safe='')}{suffix}"


def outcome(view: dict[str, Any], job: Any = None) -> Any:
    """A terminal job's result value, or the `JobFailed` it ended with, raised."""
    state = view.get("state")
    if state == "succeeded":
        return view.get("result")
    raise failure(view.get("error"), str(state), job, view)
