"""Tasks for the Python client example (docs/python-client.md): a plain function that
ProcessPoolExecutor could run too, and one with arrays. Run with examples/squares.toml."""
from gaia_worker import task


@task("squares.one")
def square(n, ctx=None):  # ctx=None: the same function runs in a ProcessPoolExecutor
    if n < 0:
        raise ValueError(f"no negative numbers, got {n}")
    return n * n


@task("squares.field")
def square_field(payload, ctx):
    x = ctx.arrays["x"]                                  # a read-only view, no copy
    y = ctx.output("y", x.shape, x.dtype.name)           # a result array, no copy
    y[...] = x * x
    return {"max": float(y.max()) if y.size else None}
