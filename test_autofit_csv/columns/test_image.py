"""
``ImageColumn``: the path of a file below each fit's ``image/`` folder.
"""
import warnings
from pathlib import Path

import pytest

from autofit_csv import AggregatorCSV
from autofit_csv.columns.image import ImageColumn
from autofit_csv.errors import AutofitCSVWarning
from test_autofit_csv.conftest import OUTPUT, fit_folder


def _cells(agg, header) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cells = {row["row"]: row[header] for row in agg.rows()}
    return cells, [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]


def test_cells_are_the_absolute_paths_of_the_fits_images():
    agg = AggregatorCSV.from_directory(OUTPUT)
    agg.add_image_column("fit", folder="source_lp[1]")
    cells, warned = _cells(agg, "fit")
    assert cells["vis/lens_001"] == str(
        fit_folder("vis/lens_001/source_lp[1]") / "image" / "subplot_fit.png"
    )
    assert Path(cells["nir/lens_001"]).is_absolute()
    # The fit that never finished drew nothing: a blank cell, said.
    assert cells["vis/lens_004"] is None
    assert any("image/subplot_fit.png" in w and "lens_004" in w for w in warned)
    agg.close()


def test_a_zipped_fit_gives_its_unzipped_image():
    agg = AggregatorCSV.from_directory(OUTPUT)
    agg.add_image_column("fit", folder="source_pix[2]")
    cells, _ = _cells(agg, "fit")
    path = Path(cells["vis/lens_002"])
    assert path.name == "subplot_fit.png" and path.is_file()
    assert not path.is_relative_to(OUTPUT.resolve())  # unzipped elsewhere, never beside the zip
    agg.close()


def test_a_file_the_fits_lack_is_blank_for_every_row():
    agg = AggregatorCSV.from_directory(OUTPUT)
    agg.add_image_column("corner", file="search/corner.png", folder="source_lp[1]")
    cells, warned = _cells(agg, "corner")
    assert set(cells.values()) == {None}
    assert any("image/search/corner.png is missing" in w for w in warned)
    agg.close()


def test_database_fits_have_no_images(sqlite_file):
    agg = AggregatorCSV.from_database(sqlite_file)
    agg.add_image_column("fit", folder="source_lp[1]")
    cells, warned = _cells(agg, "fit")
    assert set(cells.values()) == {None}
    assert any("not stored in the database" in w for w in warned)
    agg.close()


@pytest.mark.parametrize(
    "file", ["", "../files/model.json", "/etc/passwd", "C:/x.png", "a/../../b"]
)
def test_a_file_outside_image_is_refused(file):
    with pytest.raises(ValueError, match="below the fit's image/ folder"):
        ImageColumn("fit", file)


def test_headers_and_file():
    column = ImageColumn("fit", "sub\\fit.png", folder="source_lp[1]")
    assert column.headers() == ["fit"]
    assert column.file == "sub/fit.png"
