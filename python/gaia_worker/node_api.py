"""Writing a pipeline node in Python (SPEC §12): ``from gaia_worker import node``.

A node type is a class registered with ``@node("name")``. It declares its ports as class
attributes (a connection to a port it does not declare is refused before any process starts)
and has three parts:

- ``__init__(self, config, ctx)`` runs before the node reports ready: load the model there;
  the session is ``ready`` once every node's ``__init__`` has returned;
- ``process(self, port, value, ctx)`` is called once per input frame, in the order frames
  arrived, one at a time; ``ctx.emit(port, value)`` sends a frame on and blocks while that
  output's channel is full (backpressure: nothing is dropped, nothing grows without bound);
- ``close(self, ctx)`` (optional) runs when the session is terminated, after the last frame;
  what it emits still goes out.

Example::

    import numpy as np
    from gaia_worker import node

    @node("audio.gain")
    class Gain:
        inputs = ("audio",)
        outputs = ("audio",)

        def __init__(self, config, ctx):
            self.gain = config.get("gain", 2.0)

        def process(self, port, frame, ctx):
            ctx.emit("audio", (frame * self.gain).astype(np.float32))

Values are anything CBOR carries. numpy arrays keep their dtype and shape (TypedArrays and
``NDArray`` on the TypeScript side); arrays and bytes of 64 KiB or more travel through shared
memory. A received array is read-only; one from shared memory (and a large ``bytes``, which
arrives as a read-only ``memoryview``) is a view of the producer's memory that stays valid
until ``process`` returns: copy what you keep (``np.array(value)``).

This module is imported only by node processes and ``describe``: ``import gaia_worker`` in a
job worker does not load it.
"""
from __future__ import annotations

import re
from typing import Any, Callable

_PORT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_nodes: dict[str, type] = {}


def _ports(cls: type, key: str, where: str) -> list[str]:
    value = getattr(cls, key, ())
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(p, str) and _PORT.match(p) for p in value):
        raise TypeError(f"{where}: {key} must be a list or tuple of port names (letters, digits, '_', '-'), got {value!r}")
    if len(set(value)) != len(value):
        raise TypeError(f"{where}: {key} names a port twice: {value!r}")
    return list(value)


def node(name: str) -> Callable[[type], type]:
    """Registers the decorated class as node type ``name`` (see the module's doc)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"node() needs a non-empty node type name, got {name!r} ({type(name).__name__})")

    def register(cls: type) -> type:
        where = f"@node({name!r})"
        if not isinstance(cls, type):
            raise TypeError(f"{where} must decorate a class, got {cls!r} ({type(cls).__name__})")
        if not callable(getattr(cls, "process", None)):
            raise TypeError(f"{where}: class {cls.__name__} has no process(self, port, value, ctx) method")
        _ports(cls, "inputs", where)
        _ports(cls, "outputs", where)
        _nodes[name] = cls
        return cls

    return register


def nodes() -> dict[str, type]:
    """Every registered node type, by name."""
    return dict(_nodes)


def ports(cls: type) -> dict[str, list[str]]:
    """A node class's declared ports."""
    return {"inputs": _ports(cls, "inputs", cls.__name__), "outputs": _ports(cls, "outputs", cls.__name__)}


def describe(module: str) -> dict[str, Any]:
    """Loads ``module`` (a file or an importable name) and lists its node types and ports."""
    from .registry import load_modules

    load_modules([module])
    return {name: ports(cls) for name, cls in _nodes.items()}


class NodeContext:
    """What a node's methods receive as ``ctx``.

    ``ctx.emit(port, value)`` sends ``value`` on output ``port`` to every input it is
    connected to, blocking while one of those channels is full. ``ctx.session_id`` and
    ``ctx.node_id`` name where this node runs.
    """

    def __init__(self, session_id: str, node_id: str, emit: Callable[[str, Any], None]) -> None:
        self.session_id = session_id
        self.node_id = node_id
        # The node runtime's own function, so an emit costs no call through this class (the
        # method below documents it and is what a class-level lookup finds).
        self.emit = emit  # type: ignore[method-assign]

    def emit(self, port: str, value: Any) -> None:  # noqa: F811 - replaced per instance above
        """Sends ``value`` on output ``port``; blocks while a channel of that port is full."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"NodeContext(session_id={self.session_id!r}, node_id={self.node_id!r})"
