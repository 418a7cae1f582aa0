"""The Python client against Python's own process pools, side by side on this machine.

What is measured (gaia and its peer interleaved, A B A B, `--rounds` pairs each; each pair
gives a ratio, gaia's speed over the peer's, > 1 when gaia is faster; the median is shown):

1. roundtrip: sequential `Client.submit("bench.noop", i).result()` against
   `multiprocessing.Pool.apply` and `ProcessPoolExecutor.submit(...).result()`, and
   `Client.call` (submit and wait in one request) against the latter; µs per call.
2. map: `GaiaExecutor.map` over 20,000 no-op payloads against `ProcessPoolExecutor.map`;
   jobs per second (target: gaia at least 2x).
3. array: a 256 MiB float32 input and its double as output, on the same host: gaia maps
   both (a local allocation, a result mapped in place) against ProcessPoolExecutor pickling
   the input to its worker and the output back; seconds from submit to the output in hand.

Both sides get 2 worker processes. gaia is started on a temp dir with a Python pool running
bench/client_tasks.py on this interpreter (or `--socket` names a running one that serves
it). Exactly one JSON object goes to stdout; progress notes go to stderr.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "bench")]

import client_tasks  # noqa: E402
from gaia_worker import Client, GaiaExecutor  # noqa: E402

WORKERS = 2


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def start_gaia() -> tuple[subprocess.Popen, Path]:
    folder = Path(tempfile.mkdtemp(prefix="gaia-bench-client-"))
    config = {"pools": [{"name": "default", "size": 1}, {"name": "py", "runtime": "python", "python": sys.executable, "size": WORKERS, "modules": [str(ROOT / "bench" / "client_tasks.py")]}]}
    (folder / "gaia.json").write_text(json.dumps(config))
    log = open(folder / "gaia.log", "wb")
    proc = subprocess.Popen([str(ROOT / "gaia"), "start", "--config", str(folder / "gaia.json")], cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    sock = folder / ".gaia" / "run" / "gaia.sock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gaia exited with {proc.returncode}: {(folder / 'gaia.log').read_text()[-2000:]}")
        try:
            if sock.exists() and Client(str(sock)).transport.request("GET", "/ready").status == 200:
                return proc, folder
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.05)
    stop_gaia(proc, folder)
    raise SystemExit("gaia was not ready within 60 s")


def stop_gaia(proc: subprocess.Popen, folder: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(folder, ignore_errors=True)
    for name in os.listdir("/dev/shm"):
        if name.startswith(f"gaia-{proc.pid}p"):
            os.unlink(os.path.join("/dev/shm", name))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def gaia_roundtrip(client: Client, n: int) -> float:
    return timed(lambda: [client.submit("bench.noop", i).result(timeout=60) for i in range(n)]) / n * 1e6


def gaia_call(client: Client, n: int) -> float:
    return timed(lambda: [client.call("bench.noop", i, timeout=60) for i in range(n)]) / n * 1e6


def pool_apply(pool, n: int) -> float:
    return timed(lambda: [pool.apply(client_tasks.noop, (i,)) for i in range(n)]) / n * 1e6


def ppe_roundtrip(pool: ProcessPoolExecutor, n: int) -> float:
    return timed(lambda: [pool.submit(client_tasks.noop, i).result() for i in range(n)]) / n * 1e6


def gaia_map(executor: GaiaExecutor, n: int) -> float:
    payloads = list(range(n))
    seconds = timed(lambda: _check(list(executor.map(client_tasks.noop, payloads, timeout=600)), payloads))
    return n / seconds


def ppe_map(pool: ProcessPoolExecutor, n: int) -> float:
    payloads = list(range(n))
    return n / timed(lambda: _check(list(pool.map(client_tasks.noop, payloads)), payloads))


def gaia_array(client: Client, x) -> float:
    def run() -> None:
        job = client.submit("bench.double", arrays={"x": x})
        job.result(timeout=600)
        y = job.result_arrays()["y"]
        assert y.shape == x.shape and y[-1] == x[-1] * 2

    return timed(run)


def ppe_array(pool: ProcessPoolExecutor, x) -> float:
    def run() -> None:
        y = pool.submit(client_tasks.double, x).result()
        assert y.shape == x.shape and y[-1] == x[-1] * 2

    return timed(run)


def _check(got, want) -> None:
    if got != want:
        raise AssertionError("results out of order or missing")


def pairs(name: str, unit: str, higher_is_better: bool, rounds: int, gaia_run, peer_run) -> dict:
    """Runs gaia, then the peer, `rounds` times (A B A B); the ratio of each pair, gaia over peer."""
    gaia_values, peer_values, ratios = [], [], []
    for r in range(rounds):
        a, b = gaia_run(), peer_run()
        gaia_values.append(round(a, 3))
        peer_values.append(round(b, 3))
        ratios.append(round(a / b if higher_is_better else b / a, 3))
        note(f"{name} round {r + 1}: gaia {a:.1f} {unit}, peer {b:.1f} {unit}")
    return {"unit": unit, "gaia": gaia_values, "peer": peer_values, "ratios": ratios, "median_ratio": statistics.median(ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", help="a running gaia that serves bench/client_tasks.py (default: start one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--roundtrips", type=int, default=500)
    parser.add_argument("--map-jobs", type=int, default=20_000)
    parser.add_argument("--array-mib", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 round, small sizes")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.roundtrips, args.map_jobs, args.array_mib = 1, 50, 2000, 16
    import numpy as np

    started = None if args.socket else start_gaia()
    sock = args.socket or str(started[1] / ".gaia" / "run" / "gaia.sock")
    context = multiprocessing.get_context("fork")
    try:
        with Client(sock) as client, GaiaExecutor(client) as executor, context.Pool(WORKERS) as mp_pool, ProcessPoolExecutor(WORKERS, mp_context=context) as ppe:
            for _ in range(50):  # warm: connections, imports, every worker
                client.submit("bench.noop", 0).result(timeout=60)
                mp_pool.apply(client_tasks.noop, (0,))
                ppe.submit(client_tasks.noop, 0).result()
            list(executor.map(client_tasks.noop, range(200), timeout=60))
            x = np.arange(args.array_mib * 1024 * 1024 // 4, dtype=np.float32)
            results = {
                "roundtrip_vs_pool_apply": pairs("roundtrip vs Pool.apply", "us/call", False, args.rounds, lambda: gaia_roundtrip(client, args.roundtrips), lambda: pool_apply(mp_pool, args.roundtrips)),
                "roundtrip_vs_ppe_submit": pairs("roundtrip vs ProcessPoolExecutor", "us/call", False, args.rounds, lambda: gaia_roundtrip(client, args.roundtrips), lambda: ppe_roundtrip(ppe, args.roundtrips)),
                "roundtrip_call_vs_ppe_submit": pairs("Client.call vs ProcessPoolExecutor", "us/call", False, args.rounds, lambda: gaia_call(client, args.roundtrips), lambda: ppe_roundtrip(ppe, args.roundtrips)),
                "map_20k_vs_ppe_map": pairs("map vs ProcessPoolExecutor.map", "jobs/s", True, args.rounds, lambda: gaia_map(executor, args.map_jobs), lambda: ppe_map(ppe, args.map_jobs)),
                "array_256mib_vs_ppe_pickle": pairs("array vs ProcessPoolExecutor", "s", False, args.rounds, lambda: gaia_array(client, x), lambda: ppe_array(ppe, x)),
            }
    finally:
        if started:
            stop_gaia(*started)
    results["map_20k_vs_ppe_map"]["target"] = ">= 2"
    print(json.dumps({"bench": "client_peers", "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()}, "workers": WORKERS, "sizes": {"roundtrips": args.roundtrips, "map_jobs": args.map_jobs, "array_mib": args.array_mib}, "results": results}, indent=2))


if __name__ == "__main__":
    main()
