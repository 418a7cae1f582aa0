"""The task registry (SPEC §4): how a user's module makes its handlers known.

Proves that @task registers and returns the very function; that bad names and non-callables
raise TypeError naming what was wrong; that the built-in echo and sleep are there and work;
that load_modules imports a task module by file path (with its siblings importable) and by
module name; and that a module's import error reaches the caller unchanged.
"""
from __future__ import annotations

import sys
import uuid

import pytest

from gaia_worker import registry, task


@pytest.fixture
def unique():
    """A fresh name per call, so nothing collides with another test's tasks or modules."""
    return lambda prefix: f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def forget_imports(monkeypatch):
    """Undoes load_modules' side effects: the task names, sys.modules entries, sys.path."""
    tasks_before, modules_before, path_before = registry.tasks(), set(sys.modules), list(sys.path)
    yield
    for name in set(registry.tasks()) - set(tasks_before):
        registry._tasks.pop(name, None)
    for name in set(sys.modules) - modules_before:
        sys.modules.pop(name, None)
    sys.path[:] = path_before


def test_task_registers_and_returns_the_function(register, unique):
    name = unique("test.add")

    def add(payload, _ctx):
        return payload["a"] + payload["b"]

    assert register(name, add) is add
    assert registry.tasks()[name] is add


def test_task_used_as_a_decorator(unique):
    name = unique("test.decorated")
    try:

        @task(name)
        def handler(payload, _ctx):
            return payload

        assert registry.tasks()[name] is handler
        assert handler(3, None) == 3
    finally:
        registry._tasks.pop(name, None)


def test_tasks_returns_a_copy():
    snapshot = registry.tasks()
    snapshot["test.not-registered"] = lambda p, c: p
    assert "test.not-registered" not in registry.tasks()


@pytest.mark.parametrize("bad", ["", None, 42, b"echo", ["echo"]], ids=repr)
def test_a_bad_task_name_raises_type_error_naming_it(bad):
    with pytest.raises(TypeError) as raised:
        task(bad)
    assert repr(bad) in str(raised.value)
    assert type(bad).__name__ in str(raised.value)


def test_task_without_a_name_says_so():
    # The common slip `@task` instead of `@task("name")` hands task() the function itself.
    def handler(payload, _ctx):
        return payload

    with pytest.raises(TypeError, match="needs a non-empty task name.*function"):
        task(handler)


@pytest.mark.parametrize("bad", [42, "not a function", None], ids=repr)
def test_decorating_a_non_callable_raises_type_error(bad, unique):
    name = unique("test.bad")
    with pytest.raises(TypeError) as raised:
        task(name)(bad)
    assert name in str(raised.value) and type(bad).__name__ in str(raised.value)
    assert name not in registry.tasks()


def test_the_built_in_tasks_exist_and_work():
    builtins = registry.tasks()
    assert builtins["echo"]({"x": [1, 2]}, None) == {"x": [1, 2]}
    assert builtins["sleep"]({"ms": 1}, None) == {"slept_ms": 1}
    assert builtins["sleep"]({}, None) == {"slept_ms": 0}
    with pytest.raises(TypeError, match="sleep expects"):
        builtins["sleep"]({"ms": -1}, None)
    with pytest.raises(TypeError, match="sleep expects"):
        builtins["sleep"]("soon", None)


def test_sleep_without_a_payload_sleeps_zero_as_the_bun_built_in_does():
    # workers/builtin.ts: `payload?.ms ?? 0`, so a null payload sleeps 0 ms; a job submitted
    # without a payload must not fail on a Python pool and succeed on a Bun one.
    assert registry.tasks()["sleep"](None, None) == {"slept_ms": 0}


def test_load_modules_by_file_path(tmp_path, unique, forget_imports):
    name, helper = unique("test.from_file"), unique("gw_helper")
    (tmp_path / f"{helper}.py").write_text("FACTOR = 3\n")
    path = tmp_path / "file_tasks.py"
    path.write_text(
        f"from gaia_worker import task\nimport {helper}\n\n"
        f"@task({name!r})\ndef triple(payload, ctx):\n    return payload * {helper}.FACTOR\n"
    )
    registry.load_modules([str(path)])
    assert registry.tasks()[name](2, None) == 6


def test_load_modules_by_module_name(tmp_path, unique, forget_imports):
    name, module = unique("test.from_module"), unique("gw_tasks")
    (tmp_path / f"{module}.py").write_text(
        f"from gaia_worker import task\n\n@task({name!r})\ndef hello(payload, ctx):\n    return 'hi ' + payload\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.load_modules([module])
    assert registry.tasks()[name]("there", None) == "hi there"
    assert module in sys.modules


def test_load_modules_of_a_package_module(tmp_path, unique, forget_imports):
    name, package = unique("test.from_package"), unique("gw_pkg")
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "jobs.py").write_text(
        f"from gaia_worker import task\n\n@task({name!r})\ndef neg(payload, ctx):\n    return -payload\n"
    )
    sys.path.insert(0, str(tmp_path))
    registry.load_modules([f"{package}.jobs"])
    assert registry.tasks()[name](5, None) == -5


def test_an_import_error_propagates_from_a_file(tmp_path, forget_imports):
    path = tmp_path / "broken_tasks.py"
    path.write_text("raise ValueError('broken at import')\n")
    with pytest.raises(ValueError, match="broken at import"):
        registry.load_modules([str(path)])


def test_an_import_error_propagates_from_a_module_name(tmp_path, unique, forget_imports):
    missing = unique("gw_missing")
    with pytest.raises(ModuleNotFoundError, match=missing):
        registry.load_modules([missing])
    module = unique("gw_syntax")
    (tmp_path / f"{module}.py").write_text("def broken(:\n")
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(SyntaxError):
        registry.load_modules([module])


def test_a_missing_file_raises(tmp_path, forget_imports):
    with pytest.raises(OSError):
        registry.load_modules([str(tmp_path / "nowhere.py")])
