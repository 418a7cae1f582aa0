"""Tasks of bench/client_peers.py: each runs in a gaia Python pool and, called directly, in a
ProcessPoolExecutor or multiprocessing.Pool worker (so `ctx` defaults to None)."""
from gaia_worker import task


@task("bench.noop")
def noop(payload, ctx=None):
    return payload


@task("bench.double")
def double(payload, ctx=None):
    """y = 2x: through gaia the arrays are shared files; called directly, x is an argument
    (pickled to the worker) and y the return value (pickled back)."""
    if ctx is None:
        return payload * 2
    import numpy as np

    x = ctx.arrays["x"]
    np.multiply(x, 2, out=ctx.output("y", x.shape, "float32"))
    return None
