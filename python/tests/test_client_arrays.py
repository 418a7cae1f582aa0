"""numpy arrays through the client and a real gaia: zero-copy on the same host (no array byte
in any request or answer), upload and download otherwise; the client's inputs go with the job."""
from __future__ import annotations

import os

import pytest

np = pytest.importorskip("numpy")

from gaia_server import gaia  # noqa: E402,F401 - the fixture
from gaia_worker import Client, GaiaError  # noqa: E402

WAIT_S = 30.0


class Traffic:
    """Records each request the client makes and the bytes it carried each way."""

    def __init__(self, client: Client) -> None:
        self.calls: list[tuple[str, str, int, int]] = []
        inner = client.transport.request

        def request(method, path, body=None, *args, **kwargs):
            answer = inner(method, path, body, *args, **kwargs)
            sent = memoryview(body).nbytes if isinstance(body, (bytes, bytearray, memoryview)) else len(str(body or ""))
            into = kwargs.get("into")
            got = len(answer.body) if into is None else int(answer.headers.get("content-length") or 0)
            self.calls.append((method, path.split("?")[0], sent, got))
            return answer

        client.transport.request = request

    def largest(self) -> int:
        return max((max(s, g) for _, _, s, g in self.calls), default=0)

    def paths(self, method: str) -> list[str]:
        return [p for m, p, _, _ in self.calls if m == method]


def input_names(client: Client) -> set[str]:
    return {a["name"] for a in client.arrays.list()["arrays"] if a["job"] is None}


def test_same_host_inputs_and_outputs_never_travel_through_the_socket(gaia):  # noqa: F811
    with Client(gaia.socket) as client:
        before = input_names(client)
        traffic = Traffic(client)
        x = np.arange(256 * 1024, dtype=np.float32).reshape(512, 512)  # 1 MiB
        job = client.submit("cl.scale", {"k": 2}, arrays={"x": x})
        assert job.result(timeout=WAIT_S) == {"sum": float(x.sum()), "dtype": "float32", "shape": [512, 512], "writable": False}
        y = job.result_arrays()["y"]
        assert np.array_equal(y, x * 2) and y.dtype == np.float32
        assert not y.flags.writeable, "a result mapped in place is read-only"
        assert traffic.largest() < 4096, f"an array went through the socket: {traffic.calls}"
        assert not any(p.startswith("/v1/arrays/") for p in traffic.paths("GET")), "nothing was downloaded"
        path = os.path.join(client.status()["arrays"]["dir"], job.view["result_arrays"]["y"])
        assert os.path.exists(path)
        assert input_names(client) == before, "the client deleted the input it stored once the job ended"


def test_remote_path_uploads_and_downloads(gaia):  # noqa: F811
    with Client(gaia.socket, same_host=False) as client:
        traffic = Traffic(client)
        x = np.arange(1000, dtype=np.int64)
        job = client.submit("cl.scale", {"k": 3}, arrays={"x": x})
        assert job.result(timeout=WAIT_S)["sum"] == float(x.sum())
        y = job.result_arrays()["y"]
        assert np.array_equal(y, x * 3) and y.dtype == np.int64
        posts = [(p, s) for m, p, s, _ in traffic.calls if m == "POST" and p == "/v1/arrays"]
        assert posts == [("/v1/arrays", x.nbytes)], "the input was uploaded as raw bytes"
        downloads = [g for m, p, _, g in traffic.calls if m == "GET" and p.startswith("/v1/arrays/")]
        assert downloads == [x.nbytes]


@pytest.mark.parametrize("same_host", [True, False])
def test_arrays_that_are_not_gaia_shaped_are_converted(gaia, same_host):  # noqa: F811
    with Client(gaia.socket, same_host=same_host) as client:
        big_endian = np.arange(12, dtype=">i4").reshape(3, 4)
        fortran = np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))
        strided = np.arange(20, dtype=np.uint8)[::2]
        for x in (big_endian, fortran, strided, np.zeros((0, 3), dtype=np.int16), np.array(True)):
            job = client.submit("cl.scale", {"k": 1}, arrays={"x": x})
            assert job.result(timeout=WAIT_S)["shape"] == list(x.shape)
            assert np.array_equal(job.result_arrays()["y"], x)


def test_a_dtype_gaia_lacks_is_refused_before_anything_is_sent(gaia):  # noqa: F811
    with Client(gaia.socket) as client:
        with pytest.raises(TypeError, match="float32"):
            client.submit("cl.scale", {"k": 1}, arrays={"x": np.zeros(3, dtype=np.complex64)})


def test_float16_when_gaia_stores_it(gaia):  # noqa: F811
    with Client(gaia.socket, same_host=False) as client:
        x = np.linspace(0, 1, 8, dtype=np.float16)
        try:
            name = client.arrays.put(x)
        except GaiaError as err:
            if err.status == 400 and "float16" not in err.message.split("got")[0]:
                pytest.skip(f"this gaia has no float16 yet: {err.message}")
            raise
        try:
            assert np.array_equal(client.arrays.get(name), x)
        finally:
            client.arrays.delete(name)


def test_an_array_put_once_feeds_many_jobs_and_stays(gaia):  # noqa: F811
    with Client(gaia.socket) as client:
        name = client.arrays.put(np.ones(10, dtype=np.float32))
        try:
            jobs = [client.submit("cl.scale", {"k": k}, arrays={"x": name}) for k in range(3)]
            assert [j.result(timeout=WAIT_S)["sum"] for j in jobs] == [10.0, 10.0, 10.0]
            assert name in input_names(client), "an array named by the caller is the caller's to delete"
        finally:
            assert client.arrays.delete(name) is True
        assert client.arrays.delete(name) is False
