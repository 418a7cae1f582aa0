"""Peer baselines for gaia's pipeline benchmark (bench/sections/pipelines.ts): the same chains
built the way users build them today, with multiprocessing, kept running as a server
(bench/peer_server.py) so that their blocks interleave with gaia's sessions.

What is measured
----------------
A chain of three pass-through processes between a producer and a consumer in the main
process (the producer in the main thread, the consumer in a second thread), the frames being
the small dict ``{"i": i}``:

    queue_chain N   ``multiprocessing.Queue(maxsize=100)`` between every two stages (bounded
                    like a gaia channel of capacity 100): frames per second for N frames,
                    producer start to last frame out -> {"per_s"}
    pipe_chain N    ``multiprocessing.Pipe(duplex=False)`` between every two stages (bounded by
                    the OS pipe buffer): the same

And for the latency figures' context (p50 and p99 in microseconds):

    pipe_rtt N      the round trip of one small frame through one pass-through process over
                    two Pipes
    pipe_1mib N     a 1 MiB float32 numpy array through the three-stage Pipe chain (pickled:
                    its bytes cross every pipe)

Every process uses the "fork" start method; the chains are made and warmed up once, before
the first command, and stopped when stdin closes.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import threading
import time

from peer_server import serve
from peers import percentile

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


def queue_chain(ctx):
    qs = [ctx.Queue(maxsize=100) for _ in range(4)]
    procs = [ctx.Process(target=stage_queue, args=(qs[i], qs[i + 1]), daemon=True) for i in range(3)]
    for p in procs:
        p.start()
    return qs[0].put, qs[3].get, procs


def pipe_chain(ctx, stages: int):
    ends = [ctx.Pipe(duplex=False) for _ in range(stages + 1)]  # (rx, tx)
    procs = [ctx.Process(target=stage_pipe, args=(ends[i][0], ends[i + 1][1]), daemon=True) for i in range(stages)]
    for p in procs:
        p.start()
    return ends[0][1].send, ends[stages][0].recv, procs


def frames_per_s(chain, n: int) -> dict:
    send, recv, _ = chain
    got = []
    consumer = threading.Thread(target=lambda: got.extend(recv() for _ in range(n)))
    started = time.perf_counter()
    consumer.start()
    for i in range(n):
        send({"i": i})
    consumer.join()
    elapsed = time.perf_counter() - started
    assert [g["i"] for g in got] == list(range(n))
    return {"per_s": n / elapsed, "seconds": elapsed, "frames": n}


def round_trips(chain, value, samples: int) -> dict:
    send, recv, _ = chain
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        send(value)
        recv()
        times.append((time.perf_counter() - t) * 1e6)
    times.sort()
    return {"p50": percentile(times, 50), "p99": percentile(times, 99), "n": samples}


def main() -> None:
    argparse.ArgumentParser(description="multiprocessing chains, for bench/sections/pipelines.ts").parse_args()
    import numpy as np

    ctx = mp.get_context("fork")
    chains = {"queue": queue_chain(ctx), "pipe3": pipe_chain(ctx, 3), "pipe1": pipe_chain(ctx, 1)}
    big = np.zeros(1 << 18, np.float32)
    try:
        for chain in chains.values():  # warm-up
            round_trips(chain, {"i": 0}, 200)
        round_trips(chains["pipe3"], big, 20)
        print("peers: Queue and Pipe chains up", file=sys.stderr, flush=True)
        serve({
            "queue_chain": lambda n: frames_per_s(chains["queue"], int(n)),
            "pipe_chain": lambda n: frames_per_s(chains["pipe3"], int(n)),
            "pipe_rtt": lambda n: round_trips(chains["pipe1"], {"i": 1}, int(n)),
            "pipe_1mib": lambda n: round_trips(chains["pipe3"], big, int(n)),
        })
    finally:
        for send, recv, procs in chains.values():
            send(STOP)
            recv()
            for p in procs:
                p.join()


if __name__ == "__main__":
    main()
