"""Peer baselines for the gaia job-runtime benchmark.

What is measured
----------------
The same tiny "echo" job that the gaia benchmark runs (a function that returns
its payload, the payload being the small dict ``{"i": i}``) is dispatched
through the two process pools in Python's standard library:

1. ``multiprocessing.Pool.apply`` -- sequential round trips, one job in flight
   at a time; per-call latency p50/p99 in microseconds.
2. ``concurrent.futures.ProcessPoolExecutor.submit(...).result()`` --
   sequential round trips; per-call latency p50/p99 in microseconds.
3. ``multiprocessing.Pool.apply_async`` -- N jobs submitted, then every result
   collected with ``.get()``; throughput in jobs per second.
4. ``ProcessPoolExecutor.submit`` -- N jobs submitted, then every result
   collected with ``.result()``; throughput in jobs per second.

Why
---
These pools are what a Python user would reach for instead of gaia, so their
numbers are the reference point for gaia's dispatch latency and throughput on
the same machine, with the same number of worker processes and the same job.
The job does no work, so the figures measure only the runtime's overhead:
serialisation, inter-process transport and scheduling.

Every pool uses the "fork" start method and is warmed up with a few hundred
calls before timing, so process start-up is not part of any figure.

Output
------
Exactly one JSON object is written to stdout; progress notes go to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import platform
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Callable

START_METHOD = "fork"
WARMUP_CALLS = 200
DEFAULT_WORKERS = 2
DEFAULT_ROUNDTRIPS = 2000
DEFAULT_THROUGHPUT_JOBS = 100_000
NS_PER_US = 1_000
NS_PER_S = 1_000_000_000
SECTION_ROUNDTRIP = "roundtrip"
SECTION_THROUGHPUT = "throughput"

Payload = dict[str, int]


def echo(payload: Payload) -> Payload:
    """The benchmark job: return the payload unchanged."""
    return payload


def make_payload(i: int) -> Payload:
    """Build the small payload sent with job number ``i``."""
    return {"i": i}


def log(message: str) -> None:
    """Write a progress note to stderr (stdout is reserved for the JSON)."""
    print(f"[peers] {message}", file=sys.stderr, flush=True)


def percentile_nearest_rank(sorted_samples: list[int], pct: float) -> int:
    """Nearest-rank percentile of already sorted samples.

    The result is the sample at rank ``ceil(pct / 100 * n)`` (1-based),
    clamped to the range ``[1, n]``.
    """
    if not sorted_samples:
        raise ValueError("no samples")
    n = len(sorted_samples)
    rank = max(1, min(n, math.ceil(pct / 100.0 * n)))
    return sorted_samples[rank - 1]


def latency_summary(samples_ns: list[int]) -> dict[str, float | int]:
    """Summarise per-call latencies (nanoseconds) as p50/p99 in microseconds."""
    ordered = sorted(samples_ns)
    return {
        "p50": round(percentile_nearest_rank(ordered, 50) / NS_PER_US, 3),
        "p99": round(percentile_nearest_rank(ordered, 99) / NS_PER_US, 3),
        "n": len(ordered),
    }


def throughput_summary(jobs: int, elapsed_ns: int) -> dict[str, float | int]:
    """Summarise a batch of ``jobs`` finished in ``elapsed_ns`` nanoseconds."""
    seconds = elapsed_ns / NS_PER_S
    return {
        "jobs": jobs,
        "seconds": round(seconds, 6),
        "per_s": round(jobs / seconds, 1) if seconds > 0 else float("inf"),
    }


def time_roundtrips(call: Callable[[Payload], Payload], count: int) -> list[int]:
    """Time ``count`` sequential calls, returning each duration in ns."""
    samples: list[int] = []
    for i in range(count):
        payload = make_payload(i)
        start = time.perf_counter_ns()
        result = call(payload)
        samples.append(time.perf_counter_ns() - start)
        if result != payload:
            raise RuntimeError(f"echo mismatch: sent {payload}, got {result}")
    return samples


def warm_up(call: Callable[[Payload], Payload]) -> None:
    """Run untimed calls so workers are started and caches are hot."""
    time_roundtrips(call, WARMUP_CALLS)


def drain_pool(pool: Pool) -> None:
    """Let workers exit normally (``Pool.__exit__`` alone would terminate them)."""
    pool.close()
    pool.join()


def pool_apply_call(pool: Pool) -> Callable[[Payload], Payload]:
    """One blocking round trip through ``Pool.apply``."""
    return lambda payload: pool.apply(echo, (payload,))


def ppe_submit_result_call(executor: ProcessPoolExecutor) -> Callable[[Payload], Payload]:
    """One blocking round trip through ``ProcessPoolExecutor.submit().result()``."""
    return lambda payload: executor.submit(echo, payload).result()


def check_results(results: list[Payload]) -> None:
    """Verify that every job echoed back its own payload, in order."""
    for i, result in enumerate(results):
        if result != make_payload(i):
            raise RuntimeError(f"echo mismatch at job {i}: got {result}")


def run_pool_apply_async(pool: Pool, jobs: int) -> int:
    """Submit ``jobs`` with ``apply_async``, then ``get()`` each; elapsed ns."""
    start = time.perf_counter_ns()
    handles: list[AsyncResult] = [
        pool.apply_async(echo, (make_payload(i),)) for i in range(jobs)
    ]
    results = [handle.get() for handle in handles]
    elapsed = time.perf_counter_ns() - start
    check_results(results)
    return elapsed


def run_ppe_submit(executor: ProcessPoolExecutor, jobs: int) -> int:
    """Submit ``jobs`` with ``submit``, then ``result()`` each; elapsed ns."""
    start = time.perf_counter_ns()
    futures: list[Future[Payload]] = [
        executor.submit(echo, make_payload(i)) for i in range(jobs)
    ]
    results = [future.result() for future in futures]
    elapsed = time.perf_counter_ns() - start
    check_results(results)
    return elapsed


def measure_roundtrips(ctx: BaseContext, workers: int, count: int) -> dict[str, Any]:
    """Sequential round-trip latency for both pools."""
    section: dict[str, Any] = {}
    with ctx.Pool(processes=workers) as pool:
        call = pool_apply_call(pool)
        warm_up(call)
        log(f"pool_apply: {count} round trips")
        section["pool_apply"] = latency_summary(time_roundtrips(call, count))
        drain_pool(pool)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
        call = ppe_submit_result_call(executor)
        warm_up(call)
        log(f"ppe_submit_result: {count} round trips")
        section["ppe_submit_result"] = latency_summary(time_roundtrips(call, count))
    return section


def measure_throughput(ctx: BaseContext, workers: int, jobs: int) -> dict[str, Any]:
    """Batch throughput for both pools."""
    section: dict[str, Any] = {}
    with ctx.Pool(processes=workers) as pool:
        warm_up(pool_apply_call(pool))
        log(f"pool_apply_async: {jobs} jobs")
        section["pool_apply_async"] = throughput_summary(
            jobs, run_pool_apply_async(pool, jobs)
        )
        drain_pool(pool)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as executor:
        warm_up(ppe_submit_result_call(executor))
        log(f"ppe_submit: {jobs} jobs")
        section["ppe_submit"] = throughput_summary(jobs, run_ppe_submit(executor, jobs))
    return section


def positive_int(text: str) -> int:
    """argparse type: an integer greater than zero."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Standard-library process-pool baselines for the gaia benchmark."
    )
    parser.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS)
    parser.add_argument("--roundtrips", type=positive_int, default=DEFAULT_ROUNDTRIPS)
    parser.add_argument(
        "--throughput-jobs", type=positive_int, default=DEFAULT_THROUGHPUT_JOBS
    )
    parser.add_argument(
        "--only", choices=[SECTION_ROUNDTRIP, SECTION_THROUGHPUT], default=None
    )
    return parser.parse_args(argv)


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run the selected measurements and assemble the report."""
    ctx = multiprocessing.get_context(START_METHOD)
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "start_method": START_METHOD,
        "workers": args.workers,
    }
    if args.only in (None, SECTION_ROUNDTRIP):
        report["roundtrip_us"] = measure_roundtrips(ctx, args.workers, args.roundtrips)
    if args.only in (None, SECTION_THROUGHPUT):
        report["throughput_jobs_per_s"] = measure_throughput(
            ctx, args.workers, args.throughput_jobs
        )
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point: print exactly one JSON object on stdout."""
    report = run_benchmark(parse_args(argv))
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
