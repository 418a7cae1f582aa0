"""gaia_worker: the Python side of gaia's worker pools.

A task module imports `task` and registers handlers; gaia runs the module in a pool with
`runtime = "python"` (`python -m gaia_worker`, spawned by gaia's supervisor)::

    from gaia_worker import task

    @task("math.add")
    def add(payload, ctx):
        return payload["a"] + payload["b"]

A handler gets the job's payload and a `TaskContext`; its return value becomes the job's
result and must be what JSON can carry (dicts with str keys, lists or tuples, str, int,
float, bool, None; anything else fails the job with a ResultError naming the type). An
exception fails the job with its type, message and traceback while the worker lives on.
"""
from .context import TaskContext
from .registry import task

__version__ = "0.1.0"
__all__ = ["task", "TaskContext", "__version__"]
