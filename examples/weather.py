"""Scores a forecast field against the truth: RMSE, bias and an error field as a result array.

Both inputs arrive as read-only numpy views on shared memory (no copy, whatever their size);
the error field is written straight into a new shared file that becomes the job's result
array `error`. Run it with examples/weather.toml (see the README's "Arrays" section).
"""
import numpy as np

from gaia_worker import task


@task("weather.score")
def score(payload, ctx):
    fc, truth = ctx.arrays["forecast"], ctx.arrays["truth"]  # numpy views, no copy
    if fc.shape != truth.shape:
        raise ValueError(f"forecast {fc.shape} and truth {truth.shape} differ in shape")
    err = ctx.output("error", fc.shape, "float32")  # result array, no copy
    np.subtract(fc, truth, out=err, dtype=np.float32)
    ctx.progress(0.5, "error field written")
    rmse = float(np.sqrt(np.mean(np.square(err, dtype=np.float64))))
    return {"rmse": rmse, "bias": float(err.mean(dtype=np.float64)), "max_abs_error": float(np.abs(err).max()) if err.size else 0.0}
