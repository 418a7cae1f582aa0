"""The Python side of arrays, without gaia: views on real files in a temp dir standing in for
arrays.dir (the same code maps /dev/shm files when gaia runs it)."""
import os

import numpy as np
import pytest

from gaia_worker.arrays import InputCache, OutputCache, Outputs, map_input, take_spare

JOB = "01a2031d-7100-722d-9983-57d66007f049"


def write_array(path, values):
    values.tofile(path)
    return {"name": os.path.basename(path), "path": str(path), "dtype": values.dtype.name, "shape": list(values.shape)}


def test_inputs_are_read_only_views_unless_writable(tmp_path):
    info = write_array(tmp_path / "gaia-1p1-a", np.arange(6, dtype=np.float32).reshape(2, 3))
    view = map_input(info, writable=False)
    assert view.shape == (2, 3) and view.dtype == np.float32 and view[1, 2] == 5
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0] = 1
    writable = map_input(info, writable=True)
    writable[0, 0] = 42
    assert np.fromfile(tmp_path / "gaia-1p1-a", dtype=np.float32)[0] == 42


def test_empty_arrays_need_no_file(tmp_path):
    view = map_input({"name": "x", "path": str(tmp_path / "missing"), "dtype": "int64", "shape": [0, 3]}, writable=False)
    assert view.shape == (0, 3) and view.dtype == np.int64


def test_the_cache_keeps_the_last_jobs_inputs_only(tmp_path):
    a = write_array(tmp_path / "gaia-1p1-a", np.ones(4, dtype=np.uint8))
    b = write_array(tmp_path / "gaia-1p1-b", np.zeros(4, dtype=np.uint8))
    cache = InputCache()
    first = cache.map({"x": a, "y": b}, writable=False)
    second = cache.map({"z": a}, writable=False)
    assert second["z"] is first["x"]
    assert cache.map({"y": b}, writable=False)["y"] is not first["y"]  # dropped by the job between
    assert cache.map({"y": b}, writable=True)["y"].flags.writeable


def test_outputs_are_named_for_their_job_and_discarded_on_failure(tmp_path):
    outputs = Outputs({"dir": str(tmp_path), "instance": "7p8"}, JOB, 2)
    out = outputs.create("err", (3, 2), "float64")
    out[:] = 1.5
    made = outputs.made["err"]
    assert made == {"name": f"gaia-7p8-{JOB.replace('-', '')}a2w{os.getpid()}o0", "dtype": "float64", "shape": [3, 2]}
    assert np.fromfile(tmp_path / made["name"], dtype=np.float64).tolist() == [1.5] * 6
    with pytest.raises(TypeError, match="new, non-empty"):
        outputs.create("err", (1,), "float64")
    with pytest.raises(TypeError, match="dtype must be one of"):
        outputs.create("bad", (1,), "complex64")
    outputs.discard()
    assert os.listdir(tmp_path) == []


def test_a_spare_of_the_same_size_is_taken_once_and_comes_back_zeroed(tmp_path):
    size = 1024 * 1024
    spare = tmp_path / f"gaia-7p8-z{size}nabc"
    np.full(size, 9, dtype=np.uint8).tofile(spare)
    outputs = Outputs({"dir": str(tmp_path), "instance": "7p8"}, JOB, 1)
    out = outputs.create("y", (size // 4,), "float32")
    assert outputs.made["y"]["spare"] == spare.name and not out.any()
    assert not spare.exists()
    assert take_spare(str(tmp_path), "7p8", size, str(tmp_path / "other")) is None
    fresh = Outputs({"dir": str(tmp_path), "instance": "7p8"}, JOB, 2)
    fresh.create("z", (size // 4,), "float32")  # no spare left: a new file
    assert "spare" not in fresh.made["z"]


def test_a_spare_this_worker_mapped_before_is_reused_without_mapping_it_again(tmp_path):
    size = 1024 * 1024
    place = {"dir": str(tmp_path), "instance": "7p8"}
    cache = OutputCache()
    first = Outputs(place, JOB, 1, cache)
    out = first.create("y", (size,), "uint8")
    out[:] = 3
    cache.job_done(True)
    # The array is deleted: gaia renames its file into a spare.
    os.rename(tmp_path / first.made["y"]["name"], tmp_path / f"gaia-7p8-z{size}nabc")
    second = Outputs(place, JOB, 2, cache)
    again = second.create("y", (size,), "uint8")
    assert second.made["y"]["spare"] == f"gaia-7p8-z{size}nabc"
    assert again.base is not None and not again.any()  # zeroed
    assert cache.pending and not cache.maps  # taken from the cache, kept for the next job
    again[:] = 4
    assert np.fromfile(tmp_path / second.made["y"]["name"], dtype=np.uint8)[0] == 4
    cache.job_done(False)
    assert not cache.maps
