"""
One table definition, three backends: the fixture folder, a SQLite file and a PostgreSQL
database scraped from it by autofit. The CSV bytes must be identical.
"""
import contextlib
import io
import warnings

import numpy as np
import pytest

from autofit_csv import AggregatorCSV
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT, read_csv, samples_column


def quantiles(samples):
    values = samples.values_for_path(tuple(ER.split(".")))
    return tuple(np.quantile(values, [0.5, 0.00135, 0.99865]))


def define(agg):
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])
    agg.add_column("er_max_lh", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True)
    agg.add_column("centre", model_path="galaxies.source.bulge.centre.centre_0", folder="source_pix[2]",
                   error="values_at_sigma_3")
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]", error="values_at_sigma_1")
    agg.add_column("x2", latent_func=lambda i: 2 * i.galaxies.lens.mass.einstein_radius,
                   folder="source_lp[1]", use_max_lh_instance=True)
    agg.add_x3_columns_with_errors("er_q", samples_func=quantiles, folder="source_pix[2]")
    agg.add_info_column("id_str", key="id_str", folder="source_lp[1]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    return agg


def saved_bytes(agg, path) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return define(agg).save(path).read_bytes()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_database_csv_is_byte_identical_to_folder_csv(database, request, tmp_path):
    source = request.getfixturevalue("sqlite_file" if database == "sqlite" else "postgres_url")
    from_folder = saved_bytes(AggregatorCSV.from_directory(OUTPUT), tmp_path / "folder.csv")
    from_database = saved_bytes(AggregatorCSV.from_database(source), tmp_path / "database.csv")
    assert from_database == from_folder
    rows = read_csv(tmp_path / "database.csv")
    assert [row["row"] for row in rows] == [
        "nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"
    ]
    assert all(row["er"] for row in rows[:4])


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_queried_aggregator_gives_only_matching_rows(database, request, tmp_path):
    from autofit.database.aggregator.aggregator import Aggregator

    source = request.getfixturevalue("sqlite_file" if database == "sqlite" else "postgres_url")
    with contextlib.redirect_stdout(io.StringIO()):
        everything = Aggregator.from_database(str(source))
    by_name = everything.query(everything.search.name == "source_pix[2]")
    agg = AggregatorCSV(by_name)
    agg.add_column("er", model_path=ER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [row["row"] for row in agg.rows()]
    assert rows == ["vis/lens_001/source_pix[2]", "vis/lens_002/source_pix[2]", "vis/lens_003/source_pix[2]"]

    by_tag = everything.query(everything.search.unique_tag == "lens_001")
    agg = AggregatorCSV(by_tag)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    rows = [row["row"] for row in agg.rows()]
    assert rows == ["nir/lens_001", "vis/lens_001"]


def test_missing_database_file_is_an_error_not_a_new_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=f"No database file at {tmp_path}/results.sqlite"):
        AggregatorCSV.from_database("results.sqlite")
    with pytest.raises(FileNotFoundError):
        AggregatorCSV.from_database(f"sqlite:///{tmp_path}/other.db")
    assert list(tmp_path.iterdir()) == []


def test_relative_database_file_is_read_from_working_directory(sqlite_file, monkeypatch):
    monkeypatch.chdir(sqlite_file.parent)
    agg = AggregatorCSV.from_database(sqlite_file.name)
    assert len(agg._index.fits) == 8


def test_path_prefix_keeps_only_fits_below_it(make, tmp_path):
    agg = make(path_prefix="nir")
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    assert [row["row"] for row in agg.rows()] == ["nir/lens_001"]
    agg = make(path_prefix="vis/lens_003")
    agg.add_column("er", model_path=ER)
    assert [row["row"] for row in agg.rows()] == ["vis/lens_003/source_lp[1]", "vis/lens_003/source_pix[2]"]
    agg = make(path_prefix="vi")  # whole folders only
    assert list(agg._index.fits) == []


def test_database_fits_without_unique_tag_are_warned_about(tmp_path):
    import json
    import shutil

    from test_autofit_csv.conftest import scrape_into

    # Two datasets whose searches were run without a unique_tag (hand-edited search.json).
    for dataset in ("lens_001", "lens_002"):
        source = OUTPUT / "vis" / dataset / "source_lp[1]"
        target = tmp_path / "output" / dataset / "source_lp[1]"
        shutil.copytree(source, target)
        for search_json in target.glob("*/files/search.json"):
            raw = json.loads(search_json.read_text())
            raw["arguments"]["unique_tag"] = None
            raw["arguments"]["paths"]["arguments"]["unique_tag"] = None
            raw["arguments"]["paths"]["arguments"]["path_prefix"]["path"] = dataset
            search_json.write_text(json.dumps(raw))
    scrape_into(str(tmp_path / "untagged.sqlite"), tmp_path / "output")
    with pytest.warns(Warning, match=r"2 database fits of search 'source_lp\[1\]' have no unique_tag"):
        agg = AggregatorCSV.from_database(tmp_path / "untagged.sqlite")
    agg.close()


def _plain_mean_and_types(samples):
    # Python's sum() adds floats with compensated summation but numpy scalars naively, so the
    # last digit of a plain-Python samples function depends on the type it is handed.
    values = [sample[4] for sample in samples.parameter_lists]
    plain = all(type(v) is float for sample in samples.parameter_lists for v in sample)
    plain_weights = all(type(s.weight) is float for s in samples.sample_list)
    # 1.0 when every value (every weight) handed over is a Python float.
    return sum(values) / len(values), float(plain), float(plain_weights)


def test_samples_functions_get_python_floats_from_every_backend(make, tmp_path):
    agg = make()
    agg.add_x3_columns_with_errors("er_mean", samples_func=_plain_mean_and_types, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = {row["row"]: row for row in read_csv(agg.save(tmp_path / "t.csv"))}
    values = samples_column("vis/lens_001/source_lp[1]", ER).tolist()  # Python floats
    row = rows["vis/lens_001"]
    assert row["er_mean"] == repr(sum(values) / len(values))
    assert (row["er_mean_lower"], row["er_mean_upper"]) == ("1.0", "1.0")
