"""What a Python worker prints, line by line (SPEC §1, §4).

stdout, stderr and Python's `logging` all become lines with a level. Each line goes to the
worker's own output, which the supervisor reads and logs, and, while a job runs, into that
job's log, which leaves for the IO engine as `log` frames (GET /v1/jobs/ID/logs). A job keeps
at most MAX_LINES lines and MAX_BYTES bytes per attempt; past that one line says how many
were left out (they still reach the worker's output).

Each line a job printed carries its job id: `{"time", "level", "job_id", "message"}` under
GAIA_LOG_FORMAT=json, `[job ID] message` otherwise (with the level for warnings, errors and
debug). `logging` keeps its level (a `logging.info` is an info line, not an error because it
went to stderr). So that a record of several lines stays one:

- one `write` that ends a line is one record: `print("a\\nb")` and `logging`'s message with its
  traceback each stay together;
- a traceback printed piece by piece (the default excepthook, `traceback.print_exc()`) is
  gathered from "Traceback (most recent call last):" through its indented lines to the
  exception line that ends it.
"""
from __future__ import annotations

import atexit
import datetime
import io
import json
import logging
import os
import sys
import threading
import time
from typing import Any, Callable, TextIO

TRACEBACK_START = "Traceback (most recent call last):"
MAX_LINES = 1000
MAX_BYTES = 256 * 1024
#: A running job's lines leave at most this often (checked as lines come).
FLUSH_S = 0.25
LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "error"}


def enabled() -> bool:
    return os.environ.get("GAIA_LOG_FORMAT") == "json"


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobLog:
    """The current job's lines, and how every line is written out."""

    def __init__(self, json_mode: bool, send: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.json = json_mode
        self.send = send
        self.lock = threading.Lock()
        self.job: dict[str, Any] | None = None

    def begin(self, job_id: str, attempt: int) -> None:
        self.end()
        with self.lock:
            self.job = {"id": job_id, "attempt": attempt, "lines": [], "kept": 0, "bytes": 0, "dropped": 0, "flushed": time.monotonic()}

    def end(self) -> None:
        """The job ended: what it printed and was not sent yet leaves now (before its result)."""
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, Lines):
                stream.flush()
        with self.lock:
            self._flush(final=True)
            self.job = None

    def emit(self, level: str, message: str, target: TextIO) -> None:
        with self.lock:
            job = self.job
            target.write(self.format(level, message, job["id"] if job else None) + "\n")
            target.flush()
            if job is None:
                return
            if job["kept"] >= MAX_LINES or job["bytes"] + len(message) > MAX_BYTES:
                job["dropped"] += 1
                return
            job["kept"] += 1
            job["bytes"] += len(message)
            job["lines"].append({"level": level, "line": message, "at": now_iso()})
            if time.monotonic() - job["flushed"] >= FLUSH_S:
                self._flush(final=False)

    def format(self, level: str, message: str, job_id: str | None) -> str:
        if self.json:
            record: dict[str, Any] = {"time": now_iso(), "level": level, "message": message}
            if job_id:
                record = {"time": record["time"], "level": level, "job_id": job_id, "message": message}
            return json.dumps(record)
        if job_id is None:
            return message
        return f"[job {job_id}] {'' if level == 'info' else level.upper() + ': '}{message}"

    def _flush(self, final: bool) -> None:
        job = self.job
        if job is None:
            return
        lines = job["lines"]
        if final and job["dropped"]:
            lines.append({"level": "warn", "line": f"… {job['dropped']} more line(s) not kept (a job keeps {MAX_LINES} lines, {MAX_BYTES} bytes)", "at": now_iso()})
            job["dropped"] = 0
        job["lines"], job["flushed"] = [], time.monotonic()
        if lines and self.send is not None:
            self.send({"t": "log", "id": job["id"], "attempt": job["attempt"], "lines": lines})


class Lines(io.TextIOBase):
    """A stdout or stderr that hands whole records to the job log."""

    def __init__(self, target: TextIO, level: str, log: JobLog) -> None:
        super().__init__()
        self._target = target
        self._level = level
        self._log = log
        self._partial = ""
        self._traceback: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += text
        if self._partial.endswith("\n"):
            record, self._partial = self._partial[:-1], ""
            self._record(record)
        return len(text)

    def _record(self, record: str) -> None:
        if self._traceback:
            self._traceback.append(record)
            # An indented line continues the traceback; the first one that is not ends it.
            if not record.startswith((" ", "\t")):
                self._log.emit(self._level, "\n".join(self._traceback), self._target)
                self._traceback = []
            return
        if record.startswith(TRACEBACK_START) and "\n" not in record:
            self._traceback = [record]
            return
        self._log.emit(self._level, record, self._target)

    def flush(self) -> None:
        if self._partial:
            record, self._partial = self._partial, ""
            self._record(record)
        if self._traceback:
            self._log.emit(self._level, "\n".join(self._traceback), self._target)
            self._traceback = []
        self._target.flush()

    def fileno(self) -> int:
        return self._target.fileno()


class LogHandler(logging.Handler):
    """`logging` records as lines of their own level."""

    def __init__(self, log: JobLog, target: TextIO) -> None:
        super().__init__()
        self._log = log
        self._target = target

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._log.emit(LEVELS.get(record.levelname, "info"), self.format(record), self._target)
        except Exception:  # noqa: BLE001 - logging's contract: a handler never raises
            self.handleError(record)


def install(send: Callable[[dict[str, Any]], None] | None = None) -> JobLog:
    """Wraps sys.stdout and sys.stderr, and gives the root logger a handler of its own level."""
    log = JobLog(enabled(), send)
    out, err = sys.stdout, sys.stderr
    sys.stdout = Lines(out, "info", log)
    sys.stderr = Lines(err, "error", log)
    atexit.register(sys.stdout.flush)
    atexit.register(sys.stderr.flush)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LogHandler(log, out))
        root.setLevel(logging.INFO)
    return log
