"""Peer baselines for gaia's core benchmark: Python's standard-library process pools, kept
running as a server (bench/peer_server.py) so that `npm run bench` can interleave their
blocks with gaia's.

What is measured
----------------
The same tiny "echo" job that gaia runs (a function that returns its payload, the payload
being the small dict ``{"i": i}``):

    roundtrip pool_apply N          ``multiprocessing.Pool.apply``, N sequential calls
    roundtrip ppe N                 ``ProcessPoolExecutor.submit(...).result()``, the same
        -> {"p50": us, "p99": us, "n": N}
    throughput pool_apply_async N   N jobs submitted with ``apply_async``, then each ``.get()``
    throughput ppe_submit N         N jobs submitted with ``ProcessPoolExecutor.submit``,
                                    then each ``.result()``
        -> {"per_s": jobs/s, "seconds": s, "jobs": N}

These pools are what a Python user would reach for instead of gaia; the job does no work, so
the figures measure only the runtime's overhead: serialisation, transport and scheduling.
Both pools use the "fork" start method, have ``--workers`` processes, and are warmed up with
a few hundred calls before the first command; they stay up until stdin closes.

    python bench/peers.py [--workers 2]
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from peer_server import note, serve

WARMUP_CALLS = 200
Payload = dict[str, int]


def echo(payload: Payload) -> Payload:
    """The benchmark job: return the payload unchanged."""
    return payload


def percentile(sorted_samples: list[float], pct: float) -> float:
    """Nearest rank: the sample at rank ceil(pct/100 * n), as bench/interleave.ts computes it."""
    n = len(sorted_samples)
    return sorted_samples[max(1, min(n, math.ceil(pct / 100.0 * n))) - 1]


def time_roundtrips(call: Callable[[Payload], Payload], count: int) -> dict[str, float]:
    samples = []
    for i in range(count):
        payload = {"i": i}
        start = time.perf_counter_ns()
        result = call(payload)
        samples.append((time.perf_counter_ns() - start) / 1000)
        if result != payload:
            raise RuntimeError(f"echo mismatch: sent {payload}, got {result}")
    samples.sort()
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "n": count}


def time_batch(submit: Callable[[Payload], object], collect: Callable[[object], Payload], jobs: int) -> dict[str, float]:
    start = time.perf_counter_ns()
    handles = [submit({"i": i}) for i in range(jobs)]
    results = [collect(h) for h in handles]
    seconds = (time.perf_counter_ns() - start) / 1e9
    for i, result in enumerate(results):
        if result != {"i": i}:
            raise RuntimeError(f"echo mismatch at job {i}: got {result}")
    return {"per_s": jobs / seconds, "seconds": seconds, "jobs": jobs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes=args.workers) as pool, ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as ppe:
        apply = lambda p: pool.apply(echo, (p,))  # noqa: E731
        ppe_call = lambda p: ppe.submit(echo, p).result()  # noqa: E731
        time_roundtrips(apply, WARMUP_CALLS)
        time_roundtrips(ppe_call, WARMUP_CALLS)
        roundtrips = {"pool_apply": apply, "ppe": ppe_call}
        batches = {
            "pool_apply_async": (lambda p: pool.apply_async(echo, (p,)), lambda h: h.get()),
            "ppe_submit": (lambda p: ppe.submit(echo, p), lambda f: f.result()),
        }
        note(f"[peers] Pool and ProcessPoolExecutor up, {args.workers} workers each")
        serve(
            {
                "roundtrip": lambda kind, n: time_roundtrips(roundtrips[kind], int(n)),
                "throughput": lambda kind, n: time_batch(*batches[kind], int(n)),
            },
            {"python": platform.python_version(), "start_method": "fork", "workers": args.workers},
        )
        # Pool.__exit__ alone would terminate the workers; let them exit normally.
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
