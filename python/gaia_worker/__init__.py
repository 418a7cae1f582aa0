"""gaia_worker: gaia's Python package, for tasks and for clients.

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

Your own code talks to a running gaia with `Client` (and `gaia_worker.aio.AsyncClient`), or
runs `@task` functions through `GaiaExecutor`, a `concurrent.futures.Executor`::

    from gaia_worker import Client, GaiaExecutor

    print(Client().submit("math.add", {"a": 1, "b": 2}).result(timeout=10))   # 3
    with GaiaExecutor() as pool:
        print(list(pool.map(add, [{"a": i, "b": i} for i in range(3)])))      # [0, 2, 4]

Pipeline nodes (SPEC §12) register with ``@node("name")`` on a class; see
``gaia_worker.node_api``.

The client and node modules are imported on first use, so a worker that imports this
package for `task` loads none of them.
"""
from .context import TaskContext
from .registry import task

__version__ = "0.1.0"

# name → the module that defines it, imported when the name is first asked for (PEP 562).
_LAZY = {
    "Client": "client",
    "Job": "job",
    "EventStream": "stream",
    "Event": "events",
    "GaiaExecutor": "executor",
    "GaiaFuture": "executor",
    "GaiaError": "errors",
    "GaiaUnreachable": "errors",
    "JobFailed": "errors",
    "JobTimedOut": "errors",
    "JobCancelled": "errors",
    "WorkerLost": "errors",
    "node": "node_api",
    "NodeContext": "node_api",
}
__all__ = ["task", "TaskContext", "__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gaia_worker' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
