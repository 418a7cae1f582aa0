"""What the client raises: `GaiaError` for an API error, `JobFailed` for a job that ended
without succeeding (SPEC §5, §7, §14).

`JobFailed` carries the job's `error {type, message, traceback}` and its final state. gaia's
own error types have subclasses, so they can be caught apart::

    try:
        value = client.submit("score", {"x": 1}).result(timeout=60)
    except JobTimedOut:        # error.type "timeout", state "timed_out"
        ...
    except JobCancelled:       # "cancelled"
        ...
    except WorkerLost:         # "worker_lost": the worker died (exit code or signal in .message)
        ...
    except JobFailed as e:     # anything else, e.g. the task's own exception
        if e.type == "ZeroDivisionError":
            print(e.traceback)

When the task raised one of Python's common built-in exceptions, the `JobFailed` raised is
also an instance of that exception (a subclass of both), so code written for
`ProcessPoolExecutor` keeps its ``except ValueError:`` when it moves to gaia.
"""
from __future__ import annotations

import builtins
from typing import Any


class GaiaError(Exception):
    """An error answer of the control API: `{"error": {"code", "message"}}` with its status.

    Example::

        try:
            client.submit("no.such.task")
        except GaiaError as e:
            assert (e.status, e.code) == (400, "unknown_task")
    """

    def __init__(self, status: int, code: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        #: Seconds the server asked to wait before trying again (429, 503), if it said.
        self.retry_after_s = retry_after_s


class GaiaUnreachable(GaiaError):
    """gaia's control API could not be reached at all (no socket, refused, reset)."""

    def __init__(self, where: str, reason: BaseException) -> None:
        super().__init__(0, "unreachable", f"cannot reach gaia at {where}: {reason} (is `gaia start` running there?)")


class JobFailed(Exception):
    """The job ended `failed`, `timed_out` or `cancelled`; `str(e)` shows the remote traceback.

    Attributes: `type` (the error's type: the task's exception class name, or one of gaia's:
    ``timeout``, ``worker_lost``, ``cancelled``, ``memory_limit_exceeded``, ``unknown_task``,
    ``array_lost``, ...), `message`, `traceback` (the worker's, or None), `state`, and `job`
    (the client's `Job`, or None) and `view` (the job as the API showed it).
    """

    def __init__(self, error: dict[str, Any] | None, state: str, job: Any = None, view: dict[str, Any] | None = None) -> None:
        error = error or {}
        self.type: str = str(error.get("type") or state)
        self.message: str = str(error.get("message") or f"the job ended {state}")
        self.traceback: str | None = error.get("traceback")
        self.state = state
        self.job = job
        self.view = view
        Exception.__init__(self, self.message)

    @property
    def job_id(self) -> str | None:
        return (self.view or {}).get("id") or getattr(self.job, "id", None)

    def __str__(self) -> str:
        head = f"job {self.job_id} {self.state}: {self.type}: {self.message}"
        if self.traceback:
            return f"{head}\n\nremote traceback:\n{self.traceback.rstrip()}"
        return head

    def __reduce__(self):  # picklable, e.g. across a process boundary of the user's own
        return (failure, ({"type": self.type, "message": self.message, "traceback": self.traceback}, self.state, None, self.view))


class JobTimedOut(JobFailed):
    """The job ran past its `timeout_s` (error type ``timeout``, state ``timed_out``)."""


class JobCancelled(JobFailed):
    """The job was cancelled (error type ``cancelled``)."""


class WorkerLost(JobFailed):
    """The worker running the job died and no retry was left (error type ``worker_lost``)."""


_GAIA_TYPES: dict[str, type[JobFailed]] = {"timeout": JobTimedOut, "cancelled": JobCancelled, "worker_lost": WorkerLost}

# Built-in exceptions whose construction from one message is plain, so a class deriving from
# both JobFailed and one of them behaves. Left out on purpose: TimeoutError (it is
# concurrent.futures.TimeoutError, which means "the wait ran out", not "the job failed"),
# StopIteration (it changes generator semantics) and exceptions with mandatory fields
# (UnicodeDecodeError, SyntaxError, ...).
_MIXABLE = (
    "ArithmeticError AssertionError AttributeError BufferError EOFError FileExistsError "
    "FileNotFoundError FloatingPointError ImportError IndexError IsADirectoryError KeyError "
    "LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplementedError "
    "OSError OverflowError PermissionError RecursionError ReferenceError RuntimeError TypeError "
    "ValueError ZeroDivisionError"
).split()
_mixed: dict[str, type[JobFailed]] = {}


def _mixed_class(name: str) -> type[JobFailed] | None:
    if name not in _MIXABLE:
        return None
    cls = _mixed.get(name)
    if cls is None:
        base = getattr(builtins, name)
        cls = type(f"JobFailed[{name}]", (JobFailed, base), {"__module__": __name__, "__str__": JobFailed.__str__})
        _mixed[name] = cls
    return cls


def failure(error: dict[str, Any] | None, state: str, job: Any = None, view: dict[str, Any] | None = None) -> JobFailed:
    """The `JobFailed` (or subclass) that describes a job that ended in `state` with `error`."""
    kind = str((error or {}).get("type") or state)
    cls = _GAIA_TYPES.get(kind) or _mixed_class(kind) or JobFailed
    return cls(error, state, job, view)
