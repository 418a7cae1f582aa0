"""The peers of gaia's array benchmark, on the same computation: the sum of a float32 input
and an output of the same size (2 * input), timed from handing the input over to having both.

    python bench/array_peers.py --mib 1024 [--repeat 3]

  floor          in one process, the input already in memory: `fresh` allocates the output in
                 memory the process never touched (a forked child per sample, as a job that
                 makes a new array would), `warm` repeats in one process, where the allocator
                 hands back the pages of the previous output (first touches already paid)
  pool_pickle    multiprocessing.Pool.apply: the input pickled to a worker, the output back
  shared_memory  multiprocessing.shared_memory by hand: the input in a segment made before the
                 clock starts; each call makes an output segment, the worker attaches both

Prints JSON: seconds per call, every repeat, for each.
"""
import argparse
import json
import multiprocessing as mp
import time
from multiprocessing import shared_memory

import numpy as np


def compute(x, out):
    s = float(x.sum(dtype=np.float64))
    np.multiply(x, 2, out=out)
    return s


def by_pickle(x):
    out = np.empty_like(x)
    return compute(x, out), out


def by_shm(in_name, out_name, n):
    a = shared_memory.SharedMemory(name=in_name)
    b = shared_memory.SharedMemory(name=out_name)
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


def timed(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pickle-repeat", type=int, default=1)
    args = ap.parse_args()
    n = args.mib * 1024 * 1024 // 4
    x = np.ones(n, dtype=np.float32)  # touched: the input is "already there" for every peer
    results = {}

    def floor():
        out = np.empty_like(x)
        compute(x, out)

    ctx = mp.get_context("fork")
    results["floor_fresh"] = [fresh_floor(ctx, x) for _ in range(args.repeat)]
    floor()  # the first call pays first touches; the warm figure is what repeats cost
    results["floor_warm"] = timed(floor, args.repeat)

    with ctx.Pool(1) as pool:
        pool.apply(time.sleep, (0,))  # the worker is up before the clock starts
        results["pool_pickle"] = timed(lambda: pool.apply(by_pickle, (x,)), args.pickle_repeat)

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

            results["shared_memory"] = timed(shm, args.repeat)
        finally:
            seg.close()
            seg.unlink()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
