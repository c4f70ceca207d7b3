import os
import stat

import numpy as np
import pytest

from autofit_csv.output import cell_text, write_csv_atomically


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (0.1, "0.1"),
        (np.float64(0.1), "0.1"),
        (np.float32(0.5), "0.5"),
        (1e-300, "1e-300"),
        (3, "3"),
        (np.int64(7), "7"),
        (True, "True"),
        ("lens_001", "lens_001"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_float_text_reads_back_equal():
    for value in np.random.default_rng(0).normal(size=200):
        assert float(cell_text(value)) == value


def test_failure_midway_keeps_previous_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("previous\n")

    def rows():
        yield [1.0]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv_atomically(path, ["x"], rows())
    assert path.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_written_file_has_ordinary_permissions(tmp_path):
    path = write_csv_atomically(tmp_path / "sub" / "out.csv", ["x"], [[1.5]])
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~_umask()
    assert path.read_text() == "x\n1.5\n"


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
