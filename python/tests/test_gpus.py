"""ctx.gpus (SPEC §4, §11): the GPUs a worker holds, from GAIA_GPUS, which gaia's supervisor sets
beside CUDA_VISIBLE_DEVICES. No GPU is needed: the variable is what the worker reads."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR
from gaia_worker import TaskContext
from gaia_worker.context import Gpu, parse_gpus

H200 = {"index": 0, "uuid": "GPU-11111111-2222-3333-4444-555555555555", "name": "NVIDIA H200"}


def test_no_variable_no_gpus():
    assert parse_gpus(None) == () and parse_gpus("") == ()
    ctx = TaskContext({"id": "j", "task": "t", "attempt": 1, "timeout_ms": 1000}, {}, False, lambda f, m: None)
    assert ctx.gpus == ()  # this test process has no GAIA_GPUS


def test_each_gpu_is_a_small_object_with_index_uuid_and_name():
    gpus = parse_gpus(json.dumps([H200, {"index": 3, "uuid": "GPU-abc", "name": "NVIDIA A100"}]))
    assert gpus == (Gpu(0, H200["uuid"], "NVIDIA H200"), Gpu(3, "GPU-abc", "NVIDIA A100"))
    assert (gpus[1].index, gpus[1].uuid, gpus[1].name) == (3, "GPU-abc", "NVIDIA A100")


@pytest.mark.parametrize("text", ["not json", "{}", '[{"index": 0}]', "[1]"])
def test_a_value_that_is_not_gaias_says_so(text):
    with pytest.raises(RuntimeError, match="GAIA_GPUS is not a JSON list of {index, uuid, name}"):
        parse_gpus(text)


def test_a_worker_process_reads_it_once_at_start():
    env = dict(os.environ, GAIA_GPUS=json.dumps([H200]), PYTHONPATH=str(PYTHON_DIR))
    code = "from gaia_worker.context import GPUS; print(GPUS[0].uuid, GPUS[0].index, len(GPUS))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [H200["uuid"], "0", "1"]
