"""`GAIA_LOG_FORMAT=json`: the worker's output as one JSON object per record.

The supervisor reads a worker's stdout and stderr line by line; a line that is a JSON object
with time, level and message is passed on whole (with the process name added), so a record
of several lines stays one object. Here stdout and stderr are wrapped so that:

- one `write` that ends a line is one record: `print("a\\nb")` and `logging`'s message with its
  traceback each stay together;
- a traceback printed piece by piece (the default excepthook, `traceback.print_exc()`) is
  gathered from "Traceback (most recent call last):" through its indented lines to the
  exception line that ends it, and leaves as one record.
"""
from __future__ import annotations

import atexit
import datetime
import io
import json
import os
import sys
from typing import TextIO

TRACEBACK_START = "Traceback (most recent call last):"


def enabled() -> bool:
    return os.environ.get("GAIA_LOG_FORMAT") == "json"


class JsonLines(io.TextIOBase):
    def __init__(self, target: TextIO, level: str) -> None:
        super().__init__()
        self._target = target
        self._level = level
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
                self._emit("\n".join(self._traceback))
                self._traceback = []
            return
        if record.startswith(TRACEBACK_START) and "\n" not in record:
            self._traceback = [record]
            return
        self._emit(record)

    def _emit(self, message: str) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._target.write(json.dumps({"time": now, "level": self._level, "message": message}) + "\n")
        self._target.flush()

    def flush(self) -> None:
        if self._partial:
            record, self._partial = self._partial, ""
            self._record(record)
        if self._traceback:
            self._emit("\n".join(self._traceback))
            self._traceback = []
        self._target.flush()

    def fileno(self) -> int:
        return self._target.fileno()


def install() -> None:
    """Wraps sys.stdout and sys.stderr when GAIA_LOG_FORMAT=json; otherwise does nothing."""
    if not enabled():
        return
    sys.stdout = JsonLines(sys.stdout, "info")
    sys.stderr = JsonLines(sys.stderr, "error")
    atexit.register(sys.stdout.flush)
    atexit.register(sys.stderr.flush)
