"""Peer baselines for gaia's pipeline benchmark (bench/pipelines.ts): the same chains built the
way users build them today, with multiprocessing.

What is measured
----------------
A chain of three pass-through processes between a producer and a consumer in the main
process (the producer in the main thread, the consumer in a second thread), the frames being
the small dict ``{"i": i}``:

1. ``multiprocessing.Queue(maxsize=100)`` between every two stages (bounded like a gaia
   channel of capacity 100): frames per second for N frames, producer start to last frame out.
2. ``multiprocessing.Pipe(duplex=False)`` between every two stages (bounded by the OS pipe
   buffer): the same.

And for the latency figures' context: the round trip of one small frame through one
pass-through process over two Pipes, and a 1 MiB float32 numpy array through the three-stage
Pipe chain (pickled: its bytes cross every pipe), p50 and p99 in microseconds.

Every process uses the "fork" start method and is warmed up before timing. Exactly one JSON
object goes to stdout; notes go to stderr.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import threading
import time

STOP = None


def stage_queue(qin, qout):
    while True:
        x = qin.get()
        qout.put(x)
        if x is STOP:
            return


def stage_pipe(rx, tx):
    while True:
        x = rx.recv()
        tx.send(x)
        if x is STOP:
            return


def percentile(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def chain_queue(ctx, n: int) -> float:
    qs = [ctx.Queue(maxsize=100) for _ in range(4)]
    procs = [ctx.Process(target=stage_queue, args=(qs[i], qs[i + 1]), daemon=True) for i in range(3)]
    for p in procs:
        p.start()
    for i in range(200):  # warm-up
        qs[0].put({"i": i})
        qs[3].get()
    got = []
    consumer = threading.Thread(target=lambda: got.extend(qs[3].get() for _ in range(n)))
    started = time.perf_counter()
    consumer.start()
    for i in range(n):
        qs[0].put({"i": i})
    consumer.join()
    elapsed = time.perf_counter() - started
    assert [g["i"] for g in got] == list(range(n))
    qs[0].put(STOP)
    qs[3].get()
    for p in procs:
        p.join()
    return n / elapsed


def pipes(ctx, stages: int):
    ends = [ctx.Pipe(duplex=False) for _ in range(stages + 1)]  # (rx, tx)
    procs = [ctx.Process(target=stage_pipe, args=(ends[i][0], ends[i + 1][1]), daemon=True) for i in range(stages)]
    for p in procs:
        p.start()
    return ends[0][1], ends[stages][0], procs


def chain_pipe(ctx, n: int) -> float:
    tx, rx, procs = pipes(ctx, 3)
    for i in range(200):
        tx.send({"i": i})
        rx.recv()
    got = []
    consumer = threading.Thread(target=lambda: got.extend(rx.recv() for _ in range(n)))
    started = time.perf_counter()
    consumer.start()
    for i in range(n):
        tx.send({"i": i})
    consumer.join()
    elapsed = time.perf_counter() - started
    assert [g["i"] for g in got] == list(range(n))
    tx.send(STOP)
    rx.recv()
    for p in procs:
        p.join()
    return n / elapsed


def round_trips(ctx, stages: int, value, samples: int) -> dict:
    tx, rx, procs = pipes(ctx, stages)
    times = []
    for k in range(samples + 100):
        t = time.perf_counter()
        tx.send(value)
        rx.recv()
        if k >= 100:
            times.append((time.perf_counter() - t) * 1e6)
    tx.send(STOP)
    rx.recv()
    for p in procs:
        p.join()
    return {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99), "n": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description="multiprocessing chains, for bench/pipelines.ts")
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    ctx = mp.get_context("fork")
    print("peers: Queue chain...", file=sys.stderr, flush=True)
    queue_fps = chain_queue(ctx, args.frames)
    print("peers: Pipe chain...", file=sys.stderr, flush=True)
    pipe_fps = chain_pipe(ctx, args.frames)
    print("peers: latencies...", file=sys.stderr, flush=True)
    small_rtt = round_trips(ctx, 1, {"i": 1}, args.samples)
    import numpy as np

    mib = round_trips(ctx, 3, np.zeros(1 << 18, np.float32), max(100, args.samples // 4))
    json.dump({"frames": args.frames, "queue_chain_fps": queue_fps, "pipe_chain_fps": pipe_fps,
               "pipe_one_stage_small_rtt_us": small_rtt, "pipe_chain_1mib_us": mib}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
