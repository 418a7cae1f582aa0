"""A Python pipeline node's command line (SPEC §12), spawned by gaia for a session:

    python -m gaia_worker.node_runtime --socket RUN/nodes.sock --session S --node ID --module M --type T
    python -m gaia_worker.node_runtime --describe M     one JSON line: M's node types and ports

The node itself is node_process.py. (This module is not ``gaia_worker.node``: ``from
gaia_worker import node`` is the decorator.) EOF on stdin means the supervisor is gone: the
process exits at once. SIGTERM keeps its default: the process ends.
"""
from __future__ import annotations

import json
import os
import sys
import threading

from . import output
from .node_api import describe


def exit_on_stdin_eof() -> None:
    """SPEC §1: the supervisor never writes our stdin; EOF means it is gone."""

    def watch() -> None:
        try:
            while os.read(0, 1 << 12):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-eof", daemon=True).start()


def parse_args(argv: list[str]) -> dict[str, str]:
    values = {}
    for flag in ("--socket", "--session", "--node", "--module", "--type"):
        if flag not in argv or argv.index(flag) + 1 >= len(argv):
            raise SystemExit(f"usage: python -m gaia_worker.node_runtime --socket P --session S --node ID --module M --type T (missing {flag})")
        values[flag[2:]] = argv[argv.index(flag) + 1]
    return values


def describe_command(module: str) -> int:
    """One JSON line on stdout: ``{"nodes": {type: {inputs, outputs}}}`` or ``{"error": ...}``."""
    try:
        answer, code = {"nodes": describe(module)}, 0
    except BaseException as err:  # noqa: BLE001 - any failure to load is the answer
        answer, code = {"error": f"cannot load node module {module}: {type(err).__name__}: {err}".split("\n")[0]}, 1
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return code


def main(argv: list[str]) -> int:
    if argv[:1] == ["--describe"] and len(argv) == 2:
        return describe_command(argv[1])
    output.install()
    args = parse_args(argv)
    exit_on_stdin_eof()
    from .node_process import Node

    code = Node(args, os.environ.pop("GAIA_SECRET", "")).run()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: a node's sockets and mappings go with the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
