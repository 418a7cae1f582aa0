"""The peers of gaia's array benchmark, on the same computation: the sum of a float32 input
and an output of the same size (2 * input), timed from handing the input over to having both.
A server (bench/peer_server.py): each command is one sample, `{"s": seconds}`, so that
`npm run bench` interleaves them with gaia's jobs; the input, the pool and the input's
shared-memory segment stay up between samples.

    python bench/array_peers.py --mib 1024

  floor          in one process, the input already in memory: `fresh` allocates the output in
                 memory the process never touched (a forked child per sample, as a job that
                 makes a new array would), `warm` repeats in one process, where the allocator
                 hands back the pages of the previous output (first touches already paid)
  pool_pickle    multiprocessing.Pool.apply: the input pickled to a worker, the output back
  shared_memory  multiprocessing.shared_memory by hand: the input in a segment made before the
                 clock starts; each call makes an output segment, the worker attaches both

Commands: floor_fresh, floor_warm, pool_pickle, shared_memory.
"""
import argparse
import multiprocessing as mp
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

from peer_server import serve


def compute(x, out):
    s = float(x.sum(dtype=np.float64))
    np.multiply(x, 2, out=out)
    return s


def by_pickle(x):
    out = np.empty_like(x)
    return compute(x, out), out


def attach(name):
    """Attaches without the resource tracker's claim: before Python 3.13 attaching registers the
    segment as this process's, and the tracker warns of "leaked" segments the parent unlinked
    (https://github.com/python/cpython/issues/82300)."""
    segment = shared_memory.SharedMemory(name=name)
    resource_tracker.unregister(segment._name, "shared_memory")
    return segment


def by_shm(in_name, out_name, n):
    a = attach(in_name)
    b = attach(out_name)
    try:
        x = np.ndarray((n,), dtype=np.float32, buffer=a.buf)
        out = np.ndarray((n,), dtype=np.float32, buffer=b.buf)
        s = compute(x, out)
        del x, out
        return s
    finally:
        a.close()
        b.close()


def fresh_floor(ctx, x):
    """One sample in a forked child: the input is shared (already touched), the output is new memory."""
    parent, child = ctx.Pipe()

    def run():
        t0 = time.perf_counter()
        out = np.empty_like(x)
        compute(x, out)
        child.send(time.perf_counter() - t0)

    p = ctx.Process(target=run)
    p.start()
    seconds = parent.recv()
    p.join()
    return seconds


def timed(f):
    t0 = time.perf_counter()
    f()
    return {"s": time.perf_counter() - t0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=1024)
    args = ap.parse_args()
    n = args.mib * 1024 * 1024 // 4
    x = np.ones(n, dtype=np.float32)  # touched: the input is "already there" for every peer

    def floor():
        out = np.empty_like(x)
        compute(x, out)

    ctx = mp.get_context("fork")
    floor()  # the first call pays first touches; the warm figure is what repeats cost
    with ctx.Pool(1) as pool:
        pool.apply(time.sleep, (0,))  # the worker is up before the clock starts
        seg = shared_memory.SharedMemory(create=True, size=x.nbytes)
        try:
            np.ndarray((n,), dtype=np.float32, buffer=seg.buf)[:] = x

            def shm():
                out = shared_memory.SharedMemory(create=True, size=x.nbytes)
                try:
                    pool.apply(by_shm, (seg.name, out.name, n))
                finally:
                    out.close()
                    out.unlink()

            serve(
                {
                    "floor_fresh": lambda: {"s": fresh_floor(ctx, x)},
                    "floor_warm": lambda: timed(floor),
                    "pool_pickle": lambda: timed(lambda: pool.apply(by_pickle, (x,))),
                    "shared_memory": lambda: timed(shm),
                },
                {"mib": args.mib},
            )
        finally:
            seg.close()
            seg.unlink()


if __name__ == "__main__":
    main()
