"""The client over TCP with a bearer token (`control.listen`, `control.token_file`, SPEC §7).

The tests against gaia's own listener are skipped, saying why, while this gaia's config has
no `control.listen` yet. Until then the client's TCP path is checked through a forwarder: a
real TCP socket whose connections are relayed, byte for byte, to gaia's Unix socket.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest

from gaia_server import GaiaServer, gaia, pools_config  # noqa: F401 - the fixture
from gaia_worker import Client, GaiaError

WAIT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tcp_gaia():
    port = free_port()
    server = GaiaServer.start(pools_config(control={"listen": f"127.0.0.1:{port}"}), wait_ready=False)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and server.proc.poll() is None and not (server.run_dir / "gaia.sock").exists():
            time.sleep(0.05)
        if server.proc.poll() == 2 and "listen" in server.log():
            pytest.skip(f"this gaia has no control.listen yet: {server.log().strip().splitlines()[-1]}")
        server.wait_ready()
        token_file = server.run_dir / "token"
        deadline = time.monotonic() + 5
        while not token_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield server, f"http://127.0.0.1:{port}", token_file.read_text().strip()
    finally:
        server.stop()


def test_jobs_and_arrays_over_tcp(tcp_gaia):
    np = pytest.importorskip("numpy")
    _, url, token = tcp_gaia
    with Client(url, token=token) as client:
        assert client.same_host is False, "over TCP arrays are uploaded and downloaded"
        assert client.submit("cl.square", 5).result(timeout=WAIT_S) == 25
        x = np.arange(100, dtype=np.float32)
        job = client.submit("cl.scale", {"k": 2}, arrays={"x": x})
        job.result(timeout=WAIT_S)
        assert np.array_equal(job.result_arrays()["y"], x * 2)


def test_the_token_is_required(tcp_gaia):
    _, url, _ = tcp_gaia
    with pytest.raises(GaiaError) as caught:
        Client(url, token="wrong").status()
    assert caught.value.status == 401


def test_the_environment_finds_it(tcp_gaia, monkeypatch):
    _, url, token = tcp_gaia
    monkeypatch.delenv("GAIA_SOCKET", raising=False)
    monkeypatch.setenv("GAIA_URL", url)
    monkeypatch.setenv("GAIA_TOKEN", token)
    with Client() as client:
        assert client.status()["version"]


class Forwarder:
    """127.0.0.1:PORT → a Unix socket, one pair of threads per connection; keeps what it saw."""

    def __init__(self, unix_path: str) -> None:
        self.unix_path = unix_path
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.seen = b""
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                tcp, _ = self.listener.accept()
            except OSError:
                return
            unix = socket.socket(socket.AF_UNIX)
            unix.connect(self.unix_path)
            self.open += [tcp, unix]
            threading.Thread(target=self._pipe, args=(tcp, unix, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(unix, tcp, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while chunk := src.recv(1 << 16):
                if record and len(self.seen) < 1 << 16:
                    self.seen += chunk
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        for s in self.open:
            s.close()


def test_the_tcp_path_through_a_forwarder(gaia):  # noqa: F811
    np = pytest.importorskip("numpy")
    forwarder = Forwarder(gaia.socket)
    try:
        with Client(f"http://127.0.0.1:{forwarder.port}", token="s3cret") as client:
            assert not client.same_host
            events = client.events()
            job = client.submit("cl.square", 6)
            assert job.result(timeout=WAIT_S) == 36
            assert any(e.kind == "job.finished" and e.data.get("job_id") == job.id for e in _until_finished(events, job.id))
            events.close()
            x = np.arange(10, dtype=np.uint16)
            scaled = client.submit("cl.scale", {"k": 2}, arrays={"x": x})
            scaled.result(timeout=WAIT_S)
            assert np.array_equal(scaled.result_arrays()["y"], x * 2)
        assert b"Authorization: Bearer s3cret" in forwarder.seen
    finally:
        forwarder.close()


def _until_finished(events, job_id):
    deadline = time.monotonic() + WAIT_S
    for event in events:
        yield event
        if (event.kind == "job.finished" and event.data.get("job_id") == job_id) or time.monotonic() > deadline:
            return
