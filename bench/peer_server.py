"""The Python end of bench/peer-server.ts: a loop that reads `COMMAND ARG...` lines on stdin
and answers each with one JSON line on stdout, so that a peer's pools stay up between the
rounds of an interleaved measure. stdout carries only those lines (notes go to stderr); EOF
on stdin (the benchmark closed it, or died) ends the loop.
"""
from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Callable


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def serve(commands: dict[str, Callable[..., Any]], ready: dict[str, Any] | None = None) -> None:
    """Answers commands until stdin closes; a command that raises answers {"error": ...}."""
    out = sys.stdout
    out.write(json.dumps({"ready": True, **(ready or {})}) + "\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command = commands.get(words[0])
        try:
            if command is None:
                raise KeyError(f"unknown command {words[0]!r}; known: {', '.join(sorted(commands))}")
            answer = command(*words[1:])
        except Exception as error:  # noqa: BLE001 - the benchmark shows it and stops
            traceback.print_exc(file=sys.stderr)
            answer = {"error": f"{type(error).__name__}: {error}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()
