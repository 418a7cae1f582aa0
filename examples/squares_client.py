"""gaia from your own Python code: run `gaia start --config examples/squares.toml` at the
repository root, then `python examples/squares_client.py` there (with gaia_worker importable:
`pip install ./python`, or PYTHONPATH=python)."""
import numpy as np

from gaia_worker import Client, GaiaExecutor, JobFailed
from squares import square

client = Client()  # GAIA_SOCKET, GAIA_URL + GAIA_TOKEN, else ./.gaia/run/gaia.sock

# One job: submit, then wait for its result.
job = client.submit("squares.one", 7, timeout_s=30)
print("7 squared:", job.result(timeout=30))

# A failure is an exception with the remote traceback.
try:
    client.call("squares.one", -1, timeout=30)
except JobFailed as e:
    print("failed:", e.type, "-", e.message)

# numpy in and out: zero-copy on this host (shared memory files), uploads over TCP.
x = np.arange(1_000_000, dtype=np.float32)
job = client.submit("squares.field", arrays={"x": x})
print("field:", job.result(timeout=60), job.result_arrays()["y"][:4])

# The concurrent.futures way: code written for ProcessPoolExecutor, one line changed.
with GaiaExecutor(client) as pool:
    print("map:", list(pool.map(square, range(10), timeout=60)))
    print("submit:", pool.submit(square, 12).result(timeout=30))
