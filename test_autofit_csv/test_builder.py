import ctypes
import os
import time
import warnings

import pytest

from autofit_csv import AutofitCSVWarning, ColumnFunctionError, WorkerDiedError
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, build, fit_folder, sample_value


def define(agg):
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error="values_at_sigma_3")
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]")
    agg.add_column("x2", latent_func=lambda i: 2 * i.galaxies.lens.mass.einstein_radius, folder="source_lp[1]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    return agg


def saved(tmp_path, name, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = define(build(**kwargs)).save(tmp_path / name)
    ours = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    return path.read_bytes(), ours


def test_two_processes_write_the_same_bytes_and_warnings(tmp_path):
    serial, serial_warnings = saved(tmp_path, "one.csv", processes=1)
    parallel, parallel_warnings = saved(tmp_path, "two.csv", processes=2)
    assert parallel == serial
    assert parallel_warnings == serial_warnings
    assert any("lens_004" in m for m in parallel_warnings)


def test_strict_error_crosses_the_process_boundary(tmp_path):
    agg = build(strict=True, processes=2)

    def fail(instance):
        raise RuntimeError("bad fit")

    agg.add_column("f", latent_func=fail, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ColumnFunctionError, match="column 'f'.*bad fit"):
            agg.save(tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists()


def test_progress_bar_on_request(tmp_path, capsys):
    agg = build(progress=True)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "t.csv")
    assert "AggregatorCSV" in capsys.readouterr().err


def test_no_progress_bar_off_a_terminal(tmp_path, capsys):
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "t.csv")
    assert capsys.readouterr().err == ""


def test_processes_must_be_positive():
    with pytest.raises(ValueError, match="processes=0"):
        build(processes=0)


# ---------------------------------------------------------------------- dead workers (issue 8)

FINISHED = ("nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003")


def die(how: str):
    if how == "exit":
        os._exit(3)
    ctypes.string_at(0)  # reads address 0: a segmentation fault


@pytest.mark.parametrize("how", ["exit", "segfault"])
def test_dead_worker_fails_the_build_fast_naming_its_fits(tmp_path, how):
    parent = os.getpid()
    seen = tmp_path / "seen_by_workers"
    seen.mkdir()

    def deadly(instance):
        radius = instance.galaxies.lens.mass.einstein_radius
        if os.getpid() != parent:
            # Say which fit killed the worker, before dying with it.
            (seen / repr(radius)).write_text("")
            die(how)
        return radius

    agg = build(processes=2)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_column("f", latent_func=deadly, folder="source_lp[1]")
    target = tmp_path / "out" / "table.csv"
    target.parent.mkdir()
    target.write_bytes(b"row,er\nprevious,1.0\n")
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(WorkerDiedError) as info:
            agg.save(target)
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"{elapsed:.1f} s"
    radii = {repr(sample_value(f"{key}/source_lp[1]", ER)): key for key in FINISHED}
    (killer,) = [radii[name] for name in os.listdir(seen)]
    assert str(fit_folder(f"{killer}/source_lp[1]")) in str(info.value)
    # Rows this process built itself are not blamed.
    assert str(fit_folder("nir/lens_001/source_lp[1]")) not in str(info.value)
    assert target.read_bytes() == b"row,er\nprevious,1.0\n"
    assert os.listdir(target.parent) == ["table.csv"]
