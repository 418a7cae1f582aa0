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

Pipeline nodes (SPEC §12) register with ``@node("name")`` on a class; see
``gaia_worker.node_api``, which is imported only when ``node`` is first used, so job workers
do not load it.
"""
from .context import TaskContext
from .registry import task

__version__ = "0.1.0"
__all__ = ["task", "TaskContext", "node", "NodeContext", "__version__"]


def __getattr__(name: str):
    # PEP 562: `from gaia_worker import node` loads the node API on first use only.
    if name in ("node", "NodeContext"):
        from . import node_api

        return getattr(node_api, name)
    raise AttributeError(f"module 'gaia_worker' has no attribute {name!r}")
