"""The worker process: `python -m gaia_worker --socket P --pool NAME --id ID --modules JSON`.

Reads top to bottom: load the task modules (a failure sends `fatal` and exits 1) → signal
handlers → connect and say hello → loop {receive a job, run it, send its result} → exit.
Signals only change state: the first SIGTERM or SIGINT is warm (the running job finishes and
its result is sent, then exit 0), the second is cold (ColdShutdown, a BaseException that a
task's `except Exception` cannot swallow, ends the job at once). EOF on stdin means the
supervisor is gone: exit at once. If the IO engine goes away, the worker reconnects (50 ms
doubling to 1 s). A result is kept until the engine acknowledges it (`ack`, sent after the
job's end is committed): the hello names every result still unacknowledged, and they are
sent again. A spare (`--spare`) takes no job until `promote` names the worker whose place it
takes. Running one job is execute.py.
"""
from __future__ import annotations

import collections
import json
import os
import resource
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any

from . import output
from .arrays import InputCache, OutputCache
from .execute import encode_result, execute
from .protocol import PROTOCOL_VERSION, FrameError, FrameReader, Message, encode_frame
from .context import GPUS
from .registry import load_modules, tasks

RECONNECT_FIRST_S = 0.05
RECONNECT_MAX_S = 1.0


class WarmShutdown(BaseException):
    """Raised while idle on the first signal: leave the loop and exit 0."""


class ColdShutdown(BaseException):
    """Raised on the second signal: end whatever runs, now."""


class Worker:
    def __init__(self, socket_path: str, pool: str, worker_id: str, secret: str, spare: bool, log: output.JobLog | None = None) -> None:
        self.socket_path = socket_path
        self.pool = pool
        self.worker_id = worker_id
        self.secret = secret
        self.spare = spare
        #: What a task prints: tagged with its job, kept as the job's log (output.py).
        self.log = log or output.JobLog(output.enabled())
        self.log.send = self.send_log
        self.sock: socket.socket | None = None
        self.reader = FrameReader(checked=True)
        self.backlog: collections.deque[Message] = collections.deque()
        self.sessions: dict[str, dict[str, Any]] = {}
        #: The job running now ({id, attempt}), else None.
        self.running: dict[str, Any] | None = None
        #: Where outputs go ({dir, instance}), from the engine's welcome.
        self.place: dict[str, str] | None = None
        self.inputs = InputCache()
        self.outputs = OutputCache()
        #: Results not acknowledged yet, by job id: (attempt, frame), oldest first.
        self.unacked: dict[str, tuple[int, bytes]] = {}
        self.signals = 0
        self.last_usage = resource.getrusage(resource.RUSAGE_SELF)

    # -- signals -----------------------------------------------------------------------
    def on_signal(self, _signum: int, _frame: Any) -> None:
        self.signals += 1
        if self.signals > 1:
            raise ColdShutdown()
        if self.running is None:
            raise WarmShutdown()

    # -- connection --------------------------------------------------------------------
    def connect(self) -> None:
        delay = RECONNECT_FIRST_S
        while True:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(self.socket_path)
                break
            except OSError:
                sock.close()
                time.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
        self.sock, self.reader, self.backlog = sock, FrameReader(checked=True), collections.deque()
        self.send({
            "t": "hello", "v": PROTOCOL_VERSION, "role": "worker", "secret": self.secret, "pool": self.pool,
            "worker_id": self.worker_id, "pid": os.getpid(), "runtime": "python",
            "tasks": sorted(tasks()), "spare": self.spare, "gpus": [gpu._asdict() for gpu in GPUS], "running": self.running,
            "unacked": [{"id": job_id, "attempt": attempt} for job_id, (attempt, _) in self.unacked.items()],
        })
        for _, frame in list(self.unacked.values()):
            self.send_bytes(frame)

    def send(self, message: Message) -> None:
        self.send_bytes(encode_frame(message))

    def send_bytes(self, frame: bytes) -> None:
        if self.sock is None:
            raise ConnectionError("not connected")
        self.sock.sendall(frame)

    def receive(self) -> list[Message]:
        """Blocks for the next messages; reconnects when the engine goes away."""
        while True:
            assert self.sock is not None
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionError:
                chunk = b""
            if chunk:
                try:
                    return self.reader.feed(chunk)
                except FrameError as err:
                    print(f"dropping connection: {err}", file=sys.stderr, flush=True)
            self.sock.close()
            self.connect()

    # -- the loop ----------------------------------------------------------------------
    def serve(self) -> None:
        self.connect()
        while True:
            for message in self.receive():
                self.handle(message)
            while self.backlog:
                self.run(self.backlog.popleft())
                if self.signals:
                    return
                self.poll()  # a cancel or drain sent while that job ran applies to the rest

    def poll(self) -> None:
        """Handles whatever has arrived, without waiting for more."""
        assert self.sock is not None
        try:
            chunk = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            # Closed: the engine takes back the jobs sent ahead; receive() reconnects.
            self.backlog.clear()
            return
        try:
            messages = self.reader.feed(chunk)
        except FrameError as err:
            print(f"dropping connection: {err}", file=sys.stderr, flush=True)
            self.sock.close()
            self.connect()
            return
        for message in messages:
            self.handle(message)

    def handle(self, message: Message) -> None:
        kind = message["t"]
        if kind == "job":
            # Highest priority first, then in the order they came, as the engine expects.
            priority = message.get("priority", 0)
            at = len(self.backlog)
            while at > 0 and self.backlog[at - 1].get("priority", 0) < priority:
                at -= 1
            self.backlog.insert(at, message)
        elif kind == "welcome":
            self.place = message.get("arrays")
        elif kind == "cancel":
            self.backlog = collections.deque(j for j in self.backlog if j["id"] != message["id"])
        elif kind == "drain":
            self.backlog.clear()
        elif kind == "ack":
            for job_id in message["ids"]:
                self.unacked.pop(job_id, None)
        elif kind == "promote":
            self.worker_id, self.spare = message["worker_id"], False
        elif kind == "fatal":
            # Refused (a wrong secret or protocol version): nothing here can change that.
            print(f"the IO engine refused this worker: {message['message']}", file=sys.stderr, flush=True)
            os._exit(1)
        elif kind == "ping":
            self.send({"t": "pong", "n": message["n"]})

    def run(self, job: Message) -> None:
        self.running = {"id": job["id"], "attempt": job["attempt"]}
        started = time.perf_counter()
        self.log.begin(job["id"], job["attempt"])
        try:
            outcome = execute(job, self.sessions, self.progress_sender(job["id"]), self.place, self.inputs, self.outputs)
        finally:
            self.log.end()  # its lines leave before its result
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result = {
            "t": "result", "id": job["id"], "attempt": job["attempt"], **outcome,
            "execution_ms": round((time.perf_counter() - started) * 1000, 3),
            "usage": {
                "user_ms": round((usage.ru_utime - self.last_usage.ru_utime) * 1000, 3),
                "sys_ms": round((usage.ru_stime - self.last_usage.ru_stime) * 1000, 3),
                "max_rss_kb": usage.ru_maxrss,
            },
        }
        self.last_usage = usage
        frame = encode_result(result, on_refused=lambda: self.drop_outputs(outcome))
        self.unacked[job["id"]] = (job["attempt"], frame)  # until the engine says it is committed
        try:
            self.send_bytes(frame)
        except OSError:
            self.backlog.clear()  # sent after the reconnect's hello; the engine takes back the jobs sent ahead
        # Cleared only now: a warm signal until here lets the result go out first.
        self.running = None

    def drop_outputs(self, outcome: dict[str, Any]) -> None:
        """A result that cannot be sent fails its job: the outputs it made are not results."""
        self.outputs.job_done(False)
        for made in (outcome.get("arrays") or {}).values():
            if self.place:
                try:
                    os.unlink(os.path.join(self.place["dir"], made["name"]))
                except FileNotFoundError:
                    pass

    def send_log(self, frame: Message) -> None:
        try:
            self.send(frame)
        except OSError:
            pass  # the lines are in the worker's output all the same

    def progress_sender(self, job_id: str):
        def send_progress(fraction: float, message: str | None) -> None:
            try:
                self.send({"t": "progress", "id": job_id, "fraction": fraction, "message": message})
            except OSError:
                pass  # progress is best effort; the result is what must arrive

        return send_progress


def exit_on_stdin_eof() -> None:
    """SPEC §1: the supervisor never writes our stdin; EOF means it is gone."""

    def watch() -> None:
        # The raw fd, not sys.stdin: a daemon thread blocked inside a buffered reader makes
        # interpreter shutdown abort ("could not acquire lock ... at interpreter shutdown").
        try:
            while os.read(0, 1 << 12):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-eof", daemon=True).start()


def report_fatal(socket_path: str, pool: str, worker_id: str, message: str, tb: str) -> None:
    """A worker that cannot start says why on stderr and, if the engine answers, as `fatal`."""
    print(tb, file=sys.stderr, flush=True)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(socket_path)
            sock.sendall(encode_frame({"t": "fatal", "message": message, "traceback": tb, "worker_id": worker_id, "pool": pool}))
    except OSError:
        pass  # the supervisor has our stderr too


def main(argv: list[str]) -> int:
    log = output.install()
    args = parse_args(argv)
    exit_on_stdin_eof()
    try:
        load_modules(args["modules"])
    except BaseException as err:  # noqa: BLE001 - any failure to import is fatal, SystemExit included
        report_fatal(args["socket"], args["pool"], args["id"], f"cannot load task modules: {type(err).__name__}: {err}", traceback.format_exc())
        return 1
    # The run's secret, for the hello; out of the environment before any task runs, so the
    # processes a task spawns do not inherit it.
    secret = os.environ.pop("GAIA_SECRET", "")
    worker = Worker(args["socket"], args["pool"], args["id"], secret, args["spare"], log)
    signal.signal(signal.SIGTERM, worker.on_signal)
    signal.signal(signal.SIGINT, worker.on_signal)
    try:
        worker.serve()
    except (WarmShutdown, ColdShutdown):
        pass
    return 0


def parse_args(argv: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for flag in ("--socket", "--pool", "--id", "--modules"):
        if flag not in argv or argv.index(flag) + 1 >= len(argv):
            raise SystemExit(f"usage: python -m gaia_worker --socket P --pool NAME --id ID --modules JSON (missing {flag})")
        values[flag[2:]] = argv[argv.index(flag) + 1]
    values["modules"] = json.loads(values["modules"])
    values["spare"] = "--spare" in argv
    return values
