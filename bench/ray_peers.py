"""Ray core as a peer of gaia's core benchmark, kept running as a server (bench/peer_server.py).

    roundtrip N     N sequential ``ray.get(echo.remote(payload))``       -> {"p50", "p99", "n"} (us)
    throughput N    N ``echo.remote`` submitted, then one ``ray.get`` of all -> {"per_s", "seconds", "jobs"}

The job is gaia's ``echo`` of the small dict ``{"i": i}``. Ray runs locally with ``--cpus``
CPUs (one worker process per CPU, as gaia's pool of 2), no dashboard, and is warmed up
before the first command. Runs in its own venv (bench/.peers/ray-venv, made by
bench/sections/ray.ts), which has ray and nothing of gaia's.

    python bench/ray_peers.py [--cpus 2] [--temp-dir DIR]
"""
from __future__ import annotations

import argparse
import os
import time

from peer_server import note, serve
from peers import percentile

import ray


@ray.remote
def echo(payload):
    return payload


def roundtrip(n: int) -> dict:
    samples = []
    for i in range(n):
        payload = {"i": i}
        start = time.perf_counter_ns()
        result = ray.get(echo.remote(payload))
        samples.append((time.perf_counter_ns() - start) / 1000)
        if result != payload:
            raise RuntimeError(f"echo mismatch: sent {payload}, got {result}")
    samples.sort()
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "n": n}


def throughput(n: int) -> dict:
    start = time.perf_counter_ns()
    results = ray.get([echo.remote({"i": i}) for i in range(n)])
    seconds = (time.perf_counter_ns() - start) / 1e9
    if results != [{"i": i} for i in range(n)]:
        raise RuntimeError("results out of order or missing")
    return {"per_s": n / seconds, "seconds": seconds, "jobs": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--temp-dir", help="Ray's session files (default /tmp/ray, which it leaves behind)")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report home (and no network here)
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False, _temp_dir=args.temp_dir)
    try:
        roundtrip(200)
        throughput(1000)
        note(f"[ray] up: ray {ray.__version__}, {args.cpus} CPUs")
        serve({"roundtrip": lambda n: roundtrip(int(n)), "throughput": lambda n: throughput(int(n))}, {"ray": ray.__version__, "cpus": args.cpus})
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
