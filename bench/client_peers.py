"""The Python client against Python's own process pools, as a server (bench/peer_server.py)
that `npm run bench` drives, interleaving gaia's blocks with the peers' (bench/sections/client.ts).

Commands (each one block; latencies in us per call, p50 and p99 of the block):

    gaia_roundtrip N    sequential ``Client.submit("bench.noop", i).result()``
    gaia_call N         sequential ``Client.call`` (submit and wait in one request)
    pool_apply N        sequential ``multiprocessing.Pool.apply``
    ppe_roundtrip N     sequential ``ProcessPoolExecutor.submit(...).result()``
    gaia_map N          ``GaiaExecutor.map`` over N no-op payloads -> {"per_s"}
    ppe_map N           ``ProcessPoolExecutor.map`` over the same   -> {"per_s"}
    gaia_array          a float32 input of ``--array-mib`` MiB and its double as output, on
                        the same host: gaia maps both (a local allocation, a result mapped in
                        place), seconds from submit to the output in hand -> {"s"}
    ppe_array           the same through ProcessPoolExecutor, pickling x to its worker and y back

The peers get 2 worker processes, as gaia's pool does. gaia is a running one whose Python
pool serves bench/client_tasks.py (``--socket``); the pools are warmed before the first command.

    python bench/client_peers.py --socket .gaia/run/gaia.sock [--array-mib 256]
"""
from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "bench")]

import client_tasks  # noqa: E402
from gaia_worker import Client, GaiaExecutor  # noqa: E402
from peer_server import serve  # noqa: E402
from peers import percentile  # noqa: E402

WORKERS = 2


def latencies(call, n: int) -> dict:
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        if call(i) != i:
            raise AssertionError(f"call {i} returned something else")
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "n": n}


def rate(run_map, n: int) -> dict:
    payloads = list(range(n))
    start = time.perf_counter()
    got = list(run_map(payloads))
    seconds = time.perf_counter() - start
    if got != payloads:
        raise AssertionError("results out of order or missing")
    return {"per_s": n / seconds, "seconds": seconds, "jobs": n}


def gaia_array(client: Client, x) -> dict:
    start = time.perf_counter()
    job = client.submit("bench.double", arrays={"x": x})
    job.result(timeout=600)
    y = job.result_arrays()["y"]
    seconds = time.perf_counter() - start
    assert y.shape == x.shape and y[-1] == x[-1] * 2
    return {"s": seconds}


def ppe_array(pool: ProcessPoolExecutor, x) -> dict:
    start = time.perf_counter()
    y = pool.submit(client_tasks.double, x).result()
    seconds = time.perf_counter() - start
    assert y.shape == x.shape and y[-1] == x[-1] * 2
    return {"s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True, help="a running gaia that serves bench/client_tasks.py")
    parser.add_argument("--array-mib", type=int, default=256)
    args = parser.parse_args()
    import numpy as np

    context = multiprocessing.get_context("fork")
    with Client(args.socket) as client, GaiaExecutor(client) as executor, context.Pool(WORKERS) as mp_pool, ProcessPoolExecutor(WORKERS, mp_context=context) as ppe:
        for _ in range(50):  # warm: connections, imports, every worker
            client.submit("bench.noop", 0).result(timeout=60)
            mp_pool.apply(client_tasks.noop, (0,))
            ppe.submit(client_tasks.noop, 0).result()
        list(executor.map(client_tasks.noop, range(200), timeout=60))
        x = np.arange(args.array_mib * 1024 * 1024 // 4, dtype=np.float32)
        serve(
            {
                "gaia_roundtrip": lambda n: latencies(lambda i: client.submit("bench.noop", i).result(timeout=60), int(n)),
                "gaia_call": lambda n: latencies(lambda i: client.call("bench.noop", i, timeout=60), int(n)),
                "pool_apply": lambda n: latencies(lambda i: mp_pool.apply(client_tasks.noop, (i,)), int(n)),
                "ppe_roundtrip": lambda n: latencies(lambda i: ppe.submit(client_tasks.noop, i).result(), int(n)),
                "gaia_map": lambda n: rate(lambda ps: executor.map(client_tasks.noop, ps, timeout=600), int(n)),
                "ppe_map": lambda n: rate(lambda ps: ppe.map(client_tasks.noop, ps), int(n)),
                "gaia_array": lambda: gaia_array(client, x),
                "ppe_array": lambda: ppe_array(ppe, x),
            },
            {"python": platform.python_version(), "workers": WORKERS, "array_mib": args.array_mib},
        )


if __name__ == "__main__":
    main()
