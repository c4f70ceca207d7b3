import csv
import json
import os
import socket
import stat
import subprocess
import sys
import warnings

import numpy as np
import pytest

from autofit_csv import AutofitCSVWarning
from autofit_csv.output import cell_text, write_csv_atomically
from test_autofit_csv.conftest import (
    ER,
    OUTPUT,
    build,
    fit_folder,
    read_json,
    read_zipped_json,
    rename_dataset,
    sample_value,
)


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


# ---------------------------------------------------------------------- output safety (issue 8)

LP, PIX = "source_lp[1]", "source_pix[2]"
CENTRE = "galaxies.source.bulge.centre.centre_0"


def set_info(root, location: str, value: str):
    path = fit_folder(location, root) / "files" / "info.json"
    info = json.loads(path.read_text())
    info["id_str"] = value
    path.write_text(json.dumps(info))


def three_columns(root):
    agg = build(root)
    agg.add_column("er", model_path=ER, folder=LP)
    agg.add_column("pix", model_path=ER, folder=PIX)
    agg.add_info_column("id", key="id_str", folder=LP)
    return agg


def expected_cells(renamed: str, id_003: str) -> dict:
    """
    {row key: [er, pix, id]} of the fixture (json module), with vis/lens_002 under the key
    ``renamed`` and lens_003's id set to ``id_003``; None for a blank cell.
    """
    zipped = read_zipped_json(f"vis/lens_002/{PIX}", "samples_summary")
    pix_002 = zipped["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER]
    rows = {"vis/lens_004": [None, None, None]}
    for key in ("nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003"):
        location = f"{key}/{LP}"
        pix = pix_002 if key == "vis/lens_002" else None
        if key in ("vis/lens_001", "vis/lens_003"):
            pix = sample_value(f"{key}/{PIX}", ER)
        identifier = id_003 if key == "vis/lens_003" else read_json(location, "info")["id_str"]
        rows[renamed if key == "vis/lens_002" else key] = [
            sample_value(location, ER),
            pix,
            identifier,
        ]
    return rows


def read_both_ways(path):
    """
    The file as lists of cells, through Python's csv module and through pandas.
    """
    import pandas

    with open(path, newline="", encoding="utf-8") as file:
        by_csv = list(csv.reader(file))
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
    by_pandas = [list(frame.columns)] + frame.values.tolist()
    return by_csv, by_pandas


AWKWARD = {
    "carriage-return": "\r",
    "line-feed": "\n",
    "quote": '"',
    "comma": ",",
    "line-separator": "\u2028",
    "next-line": "\x85",
}


@pytest.mark.parametrize("character", AWKWARD.values(), ids=AWKWARD.keys())
def test_awkward_characters_in_a_value_and_a_row_key_read_back_identical(
    output_copy, tmp_path, character
):
    renamed = f"vis/lens{character}002"
    rename_dataset(output_copy, "vis/lens_002", renamed)
    set_info(output_copy, f"vis/lens_003/{LP}", f"id{character}003")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = three_columns(output_copy).save(tmp_path / "table.csv")
    by_csv, by_pandas = read_both_ways(path)
    assert by_csv == by_pandas
    assert by_csv[0] == ["row", "er", "pix", "id"]
    expected = expected_cells(renamed, f"id{character}003")
    assert len(by_csv) == 1 + len(expected)
    for key, *cells in by_csv[1:]:
        for text, value in zip(cells, expected.pop(key)):
            if value is None:
                assert text == ""
            elif isinstance(value, str):
                assert text == value
            else:
                assert float(text) == value
    assert expected == {}


def test_nul_in_a_value_is_removed_said_and_reported(output_copy, tmp_path):
    set_info(output_copy, f"vis/lens_003/{LP}", "id\x00003")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = three_columns(output_copy)
        path = agg.save(tmp_path / "table.csv")
    by_csv, by_pandas = read_both_ways(path)
    assert by_csv == by_pandas
    rows = {cells[0]: cells for cells in by_csv[1:]}
    assert rows["vis/lens_003"][3] == "id003"
    assert rows["vis/lens_001"][3] == read_json(f"vis/lens_001/{LP}", "info")["id_str"]
    said = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    assert any("NUL" in m and "id" in m for m in said)
    assert any("NUL" in p and "id" in p for p in agg.report.problems)


@pytest.mark.parametrize("escape", [True, False])
def test_formula_escape_touches_text_only(output_copy, tmp_path, escape):
    texts = {"vis/lens_001": "=1+2", "vis/lens_003": "@x", "nir/lens_001": "-2.5"}
    for key, text in texts.items():
        set_info(output_copy, f"{key}/{LP}", text)
    centres = {
        key: sample_value(f"{key}/{LP}", CENTRE)
        for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001")
    }
    assert any(value < 0 for value in centres.values()), "the fixture needs a negative number"
    agg = build(output_copy)
    agg.add_column("centre", model_path=CENTRE, folder=LP)
    agg.add_info_column("id", key="id_str", folder=LP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = agg.save(tmp_path / "table.csv", escape_formulas=escape)
    by_csv, _ = read_both_ways(path)
    rows = {cells[0]: cells for cells in by_csv[1:]}
    assert rows["vis/lens_001"][2] == ("'=1+2" if escape else "=1+2")
    assert rows["vis/lens_003"][2] == ("'@x" if escape else "@x")
    assert rows["nir/lens_001"][2] == "-2.5"  # a number, even as text
    assert rows["vis/lens_002"][2] == read_json(f"vis/lens_002/{LP}", "info")["id_str"]
    for key, value in centres.items():
        assert rows[key][1] == repr(value)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temporaries_of_killed_saves_are_removed_others_kept(tmp_path):
    target = tmp_path / "out" / "table.csv"
    target.parent.mkdir()
    host = socket.gethostname().replace(".", "_")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = f".table.csv.{host}.{dead_pid()}.abc123.tmp"
        live = f".table.csv.{host}.{sleeper.pid}.def456.tmp"
        elsewhere = f".table.csv.otherhost.{dead_pid()}.ghi789.tmp"
        other_file = f".other.csv.{host}.{dead_pid()}.jkl012.tmp"
        for name in (dead, live, elsewhere, other_file):
            (target.parent / name).write_text("half a table")
        agg = build()
        agg.add_column("er", model_path=ER, folder=LP)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            agg.save(target)
        assert sorted(os.listdir(target.parent)) == sorted(["table.csv", live, elsewhere, other_file])
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize("where", ["a-folder", "below-a-file"])
def test_impossible_target_refused_before_any_row_is_built(tmp_path, where):
    calls = []

    def counting(instance):
        calls.append(1)
        return 1.0

    agg = build()
    agg.add_column("f", latent_func=counting, folder=LP)
    calls.clear()  # the function ran at add time, to learn its shape
    if where == "a-folder":
        target, error = tmp_path / "folder", IsADirectoryError
        target.mkdir()
    else:
        (tmp_path / "file.txt").write_text("x")
        target, error = tmp_path / "file.txt" / "table.csv", NotADirectoryError
    with pytest.raises(error, match="file"):
        agg.save(target)
    assert calls == []
    assert agg.report is None


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_image_folders_of_a_killed_save_are_removed_by_the_next_save(tmp_path, suffix):
    # A save killed while copying images left its staged image folder beside the output for
    # good (the next save removed only the temporary table file).
    target = tmp_path / f"table{suffix}"
    script = f"""
import os, warnings
warnings.simplefilter("ignore")
from autofit_csv import AggregatorCSV
calls = []
def dies(instance):
    calls.append(1)
    if len(calls) == 3:  # once at add time, then the second row
        os._exit(9)
    return 1.0
agg = AggregatorCSV.from_directory({str(OUTPUT)!r})
agg.add_image_column("fit", folder="source_lp[1]")
agg.add_column("x", latent_func=dies, folder="source_lp[1]")
agg.save({str(target)!r})
"""
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode == 9, killed.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".table_files.")]
    agg = build()
    agg.add_image_column("fit", folder=LP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"table{suffix}", "table_files"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".html"])
def test_text_that_is_not_unicode_blanks_its_cell_not_the_table(output_copy, tmp_path, suffix):
    # JSON may escape a lone surrogate ("\ud800"; Python's json writes one for a file name it
    # could not decode). No UTF-8 file can hold it: writing it failed the whole save.
    odd_fit = fit_folder(f"vis/lens_003/{LP}", output_copy)
    info = json.loads((odd_fit / "files" / "info.json").read_text())
    info["band"] = "vis\udcff"
    (odd_fit / "files" / "info.json").write_text(json.dumps(info))
    odd_radius = sample_value(f"vis/lens_003/{LP}", ER)

    def label(instance):
        radius = instance.galaxies.lens.mass.einstein_radius
        return "odd\ud800" if radius == odd_radius else "plain"

    agg = build(output_copy)
    agg.add_info_column("band", key="band", folder=LP)
    agg.add_column("label", latent_func=label, folder=LP)
    path = tmp_path / f"t{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(path)
    for header in ("band", "label"):
        named = [who for reasons in agg.report.blank[header].values() for who in reasons]
        assert str(odd_fit) in named
    if suffix == ".csv":
        by_csv, _ = read_both_ways(path)
        rows = {cells[0]: cells for cells in by_csv[1:]}
        assert rows["vis/lens_003"][1:] == ["", ""]
        assert rows["vis/lens_001"][1:] == [read_json(f"vis/lens_001/{LP}", "info")["band"], "plain"]
