"""The task registry: `@task("name")` registers a handler; modules are imported by name or path."""
from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable

Handler = Callable[[Any, Any], Any]

_tasks: dict[str, Handler] = {}
_writable: set[str] = set()


def task(name: str, *, writable_arrays: bool = False) -> Callable[[Handler], Handler]:
    """Registers the decorated function as the handler of task `name`.

    ``writable_arrays=True`` maps the job's input arrays writable and shared: what the task
    writes into them changes the stored arrays (by default they are read-only views).

    Example::

        from gaia_worker import task

        @task("math.add")
        def add(payload, ctx):
            return payload["a"] + payload["b"]
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"task() needs a non-empty task name, got {name!r} ({type(name).__name__})")

    def register(handler: Handler) -> Handler:
        if not callable(handler):
            raise TypeError(f"@task({name!r}) must decorate a function, got {handler!r} ({type(handler).__name__})")
        _tasks[name] = handler
        try:  # the task's name on the function, for GaiaExecutor.submit(fn, payload)
            handler.__gaia_task__ = name  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            pass  # a builtin or a bound method takes no attributes; it still serves the task
        if writable_arrays:
            _writable.add(name)
        else:
            _writable.discard(name)
        return handler

    return register


def writes_arrays(name: str) -> bool:
    """Whether task `name` asked for writable input arrays."""
    return name in _writable


def tasks() -> dict[str, Handler]:
    """Every registered task, by name."""
    return dict(_tasks)


def load_modules(modules: list[str]) -> None:
    """Imports each module: a file path (ending in .py) or an importable module name."""
    for spec in modules:
        if spec.endswith(".py") or "/" in spec:
            path = Path(spec).resolve()
            name = f"gaia_task_{path.stem}_{abs(hash(str(path))):x}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"cannot load task module {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            sys.path.insert(0, str(path.parent))
            module_spec.loader.exec_module(module)
        else:
            importlib.import_module(spec)


def _builtin_echo(payload: Any, _ctx: Any) -> Any:
    return payload


def _builtin_sleep(payload: Any, _ctx: Any) -> dict[str, float]:
    import time

    ms = payload.get("ms", 0) if isinstance(payload, dict) else (0 if payload is None else None)
    if not isinstance(ms, (int, float)) or ms < 0:
        raise TypeError(f"sleep expects {{ms: a number >= 0}}, got {payload!r}")
    time.sleep(ms / 1000)
    return {"slept_ms": ms}


# The built-in tasks every worker serves, as the Bun workers do.
task("echo")(_builtin_echo)
task("sleep")(_builtin_sleep)
