"""The task gaia runs in the array benchmark: the same computation as bench/array_peers.py."""
import numpy as np

from gaia_worker import task


@task("bench.sum_double")
def sum_double(payload, ctx):
    x = ctx.arrays["x"]
    out = ctx.output("y", x.shape, "float32")
    s = float(x.sum(dtype=np.float64))
    np.multiply(x, 2, out=out)
    return {"sum": s}
