"""A real gaia for the client tests: the built binary (../gaia from python/), started on a temp
dir with a JSON config, stopped by pid.

`GaiaServer.start(config)` runs `gaia start --config F` in a fresh folder and waits (bounded)
for `GET /ready` 200; `stop()` sends SIGTERM to the supervisor, SIGKILL after STOP_S, then
SIGKILL to any child its registry listed that still lives, and removes the folder and the
`/dev/shm/gaia-<pid>p*` array files of that run. The `gaia` fixture (module scope) gives a
server with a Bun pool and a Python pool that runs tests/fixtures/client_tasks.py on this
interpreter.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
BINARY = PYTHON_DIR.parent / "gaia"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
READY_S = 40.0
STOP_S = 15.0


def http_get(sock_path: str, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """A bare GET on a Unix socket (independent of the client under test)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: gaia\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


class GaiaServer:
    def __init__(self, dir: Path, proc: subprocess.Popen, log_path: Path) -> None:
        self.dir = dir
        self.proc = proc
        self.log_path = log_path

    @property
    def socket(self) -> str:
        return str(self.dir / ".gaia" / "run" / "gaia.sock")

    @property
    def run_dir(self) -> Path:
        return self.dir / ".gaia" / "run"

    def log(self, tail: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    @classmethod
    def start(cls, config: dict[str, Any], wait_ready: bool = True) -> "GaiaServer":
        if not BINARY.exists():
            pytest.fail(f"{BINARY} is missing: build it with `node_modules/.bin/bun build.ts` at the repository root")
        folder = Path(tempfile.mkdtemp(prefix="gaia-pytest-"))
        (folder / "gaia.json").write_text(json.dumps(config))
        log_path = folder / "gaia.log"
        env = {k: v for k, v in os.environ.items() if k not in ("GAIA_CONFIG", "GAIA_RUN_DIR", "GAIA_DATA_DIR", "GAIA_SOCKET", "GAIA_URL", "GAIA_TOKEN")}
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([str(BINARY), "start", "--config", str(folder / "gaia.json")], cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        server = cls(folder, proc, log_path)
        if wait_ready:
            try:
                server.wait_ready()
            except BaseException:
                server.stop()
                raise
        return server

    def wait_ready(self, timeout: float = READY_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gaia exited with {self.proc.returncode} before it was ready:\n{self.log()}")
            try:
                if http_get(self.socket, "/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gaia was not ready within {timeout:g} s:\n{self.log()}")

    def registry_pids(self) -> list[int]:
        try:
            registry = json.loads((self.run_dir / "registry.json").read_text())
            return [registry["supervisor"]["pid"], *(c["pid"] for c in registry["children"])]
        except (OSError, ValueError, KeyError):
            return [self.proc.pid]

    def stop(self) -> None:
        pids = self.registry_pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_S)
        for pid in pids:
            if pid != self.proc.pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)
        prefix = f"gaia-{self.proc.pid}p"
        for name in os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else []:
            if name.startswith(prefix):
                try:
                    os.unlink(os.path.join("/dev/shm", name))
                except OSError:
                    pass


def pools_config(python_size: int = 2, **extra: Any) -> dict[str, Any]:
    """A Bun pool of one and a Python pool running the fixture tasks on this interpreter."""
    return {
        "pools": [
            {"name": "default", "size": 1},
            {"name": "py", "runtime": "python", "python": sys.executable, "size": python_size, "modules": [str(FIXTURES / "client_tasks.py")]},
        ],
        **extra,
    }


@pytest.fixture(scope="module")
def gaia():
    server = GaiaServer.start(pools_config())
    yield server
    server.stop()
