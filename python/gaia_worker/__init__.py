"""gaia_worker: the Python side of gaia's worker pools.

Not implemented yet: this package is a placeholder until the Python workers land (the
frame codec, the runtime loop, the task registry and `@task`). Until then gaia refuses a
pool with `runtime = "python"` at start, with a message saying so.
"""

__all__: list[str] = []
