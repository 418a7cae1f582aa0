"""The node authoring API (SPEC §12): ``@node`` registers a class with declared ports, refuses
what is not a node, ``describe`` lists a module's node types and ports, and ``import
gaia_worker`` in a job worker does not load any of it.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from gaia_worker import node
from gaia_worker import node_api


@pytest.fixture(autouse=True)
def clean_registry():
    before = dict(node_api._nodes)
    yield
    node_api._nodes.clear()
    node_api._nodes.update(before)


def test_a_class_with_ports_is_registered_under_its_name():
    @node("t.echo")
    class Echo:
        inputs = ("in",)
        outputs = ["out", "log"]

        def __init__(self, config, ctx):
            pass

        def process(self, port, value, ctx):
            ctx.emit("out", value)

    assert node_api.nodes()["t.echo"] is Echo
    assert node_api.ports(Echo) == {"inputs": ["in"], "outputs": ["out", "log"]}


def test_ports_default_to_none_and_a_sink_is_fine():
    @node("t.sink")
    class Sink:
        inputs = ("in",)

        def process(self, port, value, ctx):
            pass

    assert node_api.ports(Sink) == {"inputs": ["in"], "outputs": []}


@pytest.mark.parametrize("ports, message", [
    ("in", "inputs must be a list or tuple of port names"),
    (["a.b"], "inputs must be a list or tuple of port names"),
    (["x", "x"], "inputs names a port twice"),
])
def test_bad_port_lists_are_refused_at_registration(ports, message):
    with pytest.raises(TypeError, match=message):
        node("t.bad")(type("Bad", (), {"inputs": ports, "process": lambda self, p, v, c: None}))


def test_what_is_not_a_node_class_is_refused():
    with pytest.raises(TypeError, match="must decorate a class"):
        node("t.fn")(lambda: None)
    with pytest.raises(TypeError, match=r"has no process\(self, port, value, ctx\) method"):
        node("t.empty")(type("Empty", (), {}))
    with pytest.raises(TypeError, match="non-empty node type name"):
        node("")


def test_describe_loads_a_module_file_and_lists_its_node_types(tmp_path):
    module = tmp_path / "my_nodes.py"
    module.write_text(
        "from gaia_worker import node\n"
        "@node('m.a')\n"
        "class A:\n"
        "    inputs = ('x',)\n"
        "    outputs = ('y', 'z')\n"
        "    def process(self, port, value, ctx): pass\n"
    )
    assert node_api.describe(str(module))["m.a"] == {"inputs": ["x"], "outputs": ["y", "z"]}


def test_the_describe_command_prints_one_json_line_or_the_error(tmp_path):
    import json
    module = tmp_path / "broken_nodes.py"
    module.write_text("raise ImportError('no torch here')\n")
    out = subprocess.run([sys.executable, "-m", "gaia_worker.node_runtime", "--describe", str(module)], capture_output=True, text=True, timeout=30,
                         env={"PYTHONPATH": str(node_api.__file__).rsplit("/gaia_worker/", 1)[0]})
    assert out.returncode == 1
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"error": f"cannot load node module {module}: ImportError: no torch here"}


def test_importing_gaia_worker_does_not_load_the_node_code():
    code = (
        "import sys, gaia_worker\n"
        "assert not any(m.startswith('gaia_worker.node') for m in sys.modules), sorted(sys.modules)\n"
        "from gaia_worker import node, NodeContext\n"
        "assert 'gaia_worker.node_api' in sys.modules and 'gaia_worker.node_channels' not in sys.modules\n"
        "assert callable(node)\n"
    )
    path = str(node_api.__file__).rsplit("/gaia_worker/", 1)[0]
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30, env={"PYTHONPATH": path})
