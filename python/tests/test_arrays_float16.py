"""float16 in a Python worker (SPEC §6): inputs and outputs are numpy float16 views on the files,
little-endian IEEE 754 binary16, the same bits a Bun worker's Float16Array reads. Real files in
a temp dir stand in for arrays.dir."""
import os

import numpy as np

from gaia_worker.arrays import DTYPES, Outputs, map_input

JOB = "01a2031d-7100-722d-9983-57d66007f049"
VALUES = [1.5, -2.0, 65504.0, 2.0**-24, -0.0]
BITS = [0x3E00, 0xC000, 0x7BFF, 0x0001, 0x8000]


def test_float16_is_one_of_the_dtypes():
    assert "float16" in DTYPES


def test_an_input_is_a_float16_view_of_the_file(tmp_path):
    path = tmp_path / "gaia-1p1-h"
    np.array(BITS, dtype="<u2").tofile(path)
    view = map_input({"name": path.name, "path": str(path), "dtype": "float16", "shape": [5]}, writable=False)
    assert view.dtype == np.float16 and view.shape == (5,)
    assert view.tolist() == VALUES


def test_an_output_of_dtype_float16_holds_the_bits_numpy_and_bun_read(tmp_path):
    outputs = Outputs({"dir": str(tmp_path), "instance": "7p8"}, JOB, 1)
    out = outputs.create("h", (5,), "float16")
    assert out.dtype == np.float16 and out.tolist() == [0.0] * 5
    out[:] = VALUES
    made = outputs.made["h"]
    assert made["dtype"] == "float16" and made["shape"] == [5]
    assert np.fromfile(os.path.join(tmp_path, made["name"]), dtype="<u2").tolist() == BITS
