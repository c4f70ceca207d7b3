import warnings
from pathlib import Path

import pytest

from autofit_csv.errors import AutofitCSVWarning
from autofit_csv.formats.images import files_folder, safe_name, staged_images


def _images(tmp_path, count=3) -> list:
    sources = []
    for number in range(count):
        source = tmp_path / "source" / f"{number}.png"
        source.parent.mkdir(exist_ok=True)
        source.write_bytes(f"image {number}".encode())
        sources.append(source)
    return sources


def _save(output, headers, rows, image_headers, fail=False, on_missing=None):
    with staged_images(output, headers, image_headers, on_missing) as images:
        written = list(images.rows(rows))
        if fail:
            raise RuntimeError("the table file could not be written")
    return written


def test_files_folder_is_beside_the_output():
    assert files_folder("out/catalogue.fits") == Path("out/catalogue_files")


def test_each_row_gets_its_own_file_even_when_keys_differ_only_in_slashes_or_case(tmp_path):
    sources = _images(tmp_path, 4)
    rows = [[key, str(source)] for key, source in zip(["a/b", "a_b", "A_B", "x/../y"], sources)]
    written = _save(tmp_path / "t.csv", ["row", "fit"], rows, ["fit"])
    cells = [row[1] for row in written]
    assert cells == [
        "t_files/fit/a_b.png",
        "t_files/fit/a_b-2.png",
        "t_files/fit/A_B-3.png",
        "t_files/fit/x_.._y.png",
    ]
    for cell, source in zip(cells, sources):
        assert (tmp_path / cell).read_bytes() == source.read_bytes()
    # Nothing escapes the folder, whatever the key.
    assert all((tmp_path / cell).resolve().is_relative_to(tmp_path / "t_files") for cell in cells)


def test_the_rows_are_not_changed_in_place(tmp_path):
    (source,) = _images(tmp_path, 1)
    rows = [["a", str(source)]]
    _save(tmp_path / "t.csv", ["row", "fit"], rows, ["fit"])
    assert rows == [["a", str(source)]]


def test_a_new_save_replaces_the_folder_whole(tmp_path):
    sources = _images(tmp_path, 2)
    _save(tmp_path / "t.html", ["row", "fit"], [["old", str(sources[0])]], ["fit"])
    assert (tmp_path / "t_files/fit/old.png").exists()
    _save(tmp_path / "t.html", ["row", "fit"], [["new", str(sources[1])]], ["fit"])
    assert [p.name for p in (tmp_path / "t_files").rglob("*.png")] == ["new.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source", "t_files"]


def test_a_failed_save_keeps_the_previous_folder_and_leaves_no_staging(tmp_path):
    sources = _images(tmp_path, 2)
    _save(tmp_path / "t.csv", ["row", "fit"], [["old", str(sources[0])]], ["fit"])
    with pytest.raises(RuntimeError):
        _save(tmp_path / "t.csv", ["row", "fit"], [["new", str(sources[1])]], ["fit"], fail=True)
    assert (tmp_path / "t_files/fit/old.png").read_bytes() == b"image 0"
    assert not (tmp_path / "t_files/fit/new.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source", "t_files"]


def test_an_image_that_cannot_be_copied_is_a_blank_cell_said_once(tmp_path):
    (source,) = _images(tmp_path, 1)
    rows = [["a", str(tmp_path / "gone.png")], ["b", str(source)], ["c", None]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = _save(tmp_path / "t.csv", ["row", "fit"], rows, ["fit"])
    assert [row[1] for row in written] == [None, "t_files/fit/b.png", None]
    (warning,) = [w for w in caught if issubclass(w.category, AutofitCSVWarning)]
    assert "'fit'" in str(warning.message) and "'a'" in str(warning.message)
    assert "gone.png" in str(warning.message)

    reported = []
    _save(
        tmp_path / "t.csv", ["row", "fit"], rows, ["fit"], on_missing=lambda *a: reported.append(a)
    )
    assert [(header, key) for header, key, _ in reported] == [("fit", "a")]


def test_an_unknown_image_header_is_refused(tmp_path):
    with pytest.raises(ValueError, match="nope"):
        _save(tmp_path / "t.csv", ["row"], [], ["nope"])
    assert list(tmp_path.iterdir()) == []


def test_safe_name():
    assert safe_name("vis/lens_001") == "vis_lens_001"
    assert safe_name("source_lp[1]") == "source_lp_1"
    assert safe_name("..") == "_"
    assert len(safe_name("x" * 500)) == 100
