"""The client's pure parts, without gaia: where the API is, the SSE parser, errors, bodies."""
from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from gaia_server import PYTHON_DIR
from gaia_worker import JobFailed, JobTimedOut, WorkerLost
from gaia_worker._http import DEFAULT_SOCKET, resolve
from gaia_worker._requests import fmt_seconds, submit_body
from gaia_worker.errors import failure
from gaia_worker.events import SSEParser


def test_the_endpoint_comes_from_the_argument_then_the_environment(monkeypatch, tmp_path):
    for name in ("GAIA_SOCKET", "GAIA_URL", "GAIA_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve().path == str(tmp_path / DEFAULT_SOCKET)
    monkeypatch.setenv("GAIA_URL", "https://gaia.example:8470")
    monkeypatch.setenv("GAIA_TOKEN", "t0k")
    assert (resolve().url, resolve().token) == ("https://gaia.example:8470", "t0k")
    monkeypatch.setenv("GAIA_SOCKET", "/run/gaia.sock")
    assert resolve().path == "/run/gaia.sock", "GAIA_SOCKET comes before GAIA_URL"
    assert resolve("http://127.0.0.1:9/").url == "http://127.0.0.1:9"
    assert resolve("http://127.0.0.1:9", token="x").token == "x"
    assert resolve(socket_path="rel.sock").path == str(tmp_path / "rel.sock")
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        resolve(url="ftp://nowhere")


def test_sse_events_split_anywhere_and_keep_the_last_id():
    stream = (
        b"retry: 1000\n: subscribed\n\n"
        b'id: 7\nevent: job.finished\ndata: {"id":7,"kind":"job.finished","at":"2026-01-01T00:00:00Z","data":{"job_id":"j1","state":"succeeded"}}\n\n'
        b"event: note\r\ndata: line one\r\ndata: line two\r\n\r\n"
    )
    parser = SSEParser()
    events = [e for i in range(len(stream)) for e in parser.feed(stream[i : i + 1])]
    assert [(e.id, e.kind) for e in events] == [(7, "job.finished"), (None, "note")]
    assert events[0].data == {"job_id": "j1", "state": "succeeded"} and events[0].at.startswith("2026")
    assert events[1].data == {"text": "line one\nline two"}
    assert parser.last_id == "7" and parser.retry_s == 1.0


def test_failures_keep_their_kind_and_survive_pickling():
    lost = failure({"type": "worker_lost", "message": "exited with code 3"}, "failed")
    assert isinstance(lost, WorkerLost) and lost.type == "worker_lost"
    assert isinstance(failure({"type": "timeout", "message": "ran 5 s"}, "timed_out"), JobTimedOut)
    mixed = failure({"type": "KeyError", "message": "'x'", "traceback": "Traceback ...\nKeyError: 'x'"}, "failed", view={"id": "j"})
    assert isinstance(mixed, KeyError) and isinstance(mixed, JobFailed)
    assert str(mixed).startswith("job j failed: KeyError: 'x'") and "remote traceback" in str(mixed)
    again = pickle.loads(pickle.dumps(mixed))
    assert isinstance(again, KeyError) and again.traceback == mixed.traceback
    odd = failure({"type": "TimeoutError", "message": "socket"}, "failed")
    assert not isinstance(odd, TimeoutError), "TimeoutError means the wait ran out, never that the job failed"
    assert failure({"type": "MyError", "message": "m"}, "failed").type == "MyError"


def test_submit_bodies_leave_out_what_was_not_given():
    assert submit_body("t") == {"task": "t"}
    assert submit_body("t", 0, {"x": "gaia-1p1-a"}, priority=0, delay_s=None) == {"task": "t", "payload": 0, "arrays": {"x": "gaia-1p1-a"}, "priority": 0}
    with pytest.raises(TypeError, match="paylod"):
        submit_body("t", paylod=1)
    assert [fmt_seconds(s) for s in (0, 0.25, 30, 1e-9)] == ["0", "0.25", "30", "0.001"]


def test_importing_the_package_loads_neither_the_client_nor_numpy():
    code = "import sys, gaia_worker; print(sorted(m for m in sys.modules if m.startswith('gaia_worker') or m == 'numpy'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR, capture_output=True, text=True, timeout=30, check=True).stdout
    assert out.strip() == "['gaia_worker', 'gaia_worker.context', 'gaia_worker.registry']"


def test_wire_form_has_every_gaia_dtype():
    np = pytest.importorskip("numpy")
    from gaia_worker._arrays_io import DTYPES, wire_form

    for name in DTYPES:
        wire = wire_form(np.zeros((2, 2), dtype=np.dtype(name).newbyteorder(">")))
        assert wire.dtype.name == name and wire.dtype.byteorder in ("<", "|", "=") and wire.flags.c_contiguous
    assert "float16" in DTYPES
