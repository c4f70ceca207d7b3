import sys
import warnings

import autofit as af
import pytest

import autofit_csv
from autofit_csv import AggregatorCSV, ColumnFunctionError
from test_autofit_csv.conftest import ER, build, read_csv, sample_value


def test_import_registers_on_autofit():
    assert af.AggregatorCSV is autofit_csv.AggregatorCSV
    assert AggregatorCSV.__module__.startswith("autofit_csv")


def test_missing_directory():
    with pytest.raises(FileNotFoundError, match="No output folder"):
        AggregatorCSV.from_directory("no/such/folder")


def make():
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    return agg


def test_rows_are_dicts_of_values():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = list(make().rows())
    assert [row["row"] for row in rows][:2] == ["nir/lens_001", "vis/lens_001"]
    assert rows[1]["er"] == sample_value("vis/lens_001/source_lp[1]", ER)
    assert rows[1]["band"] == "vis"
    assert rows[-1]["er"] is None


def test_dataframe_matches_csv(tmp_path):
    pandas = pytest.importorskip("pandas")
    agg = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = agg.to_dataframe()
        agg.save(tmp_path / "t.csv")
    assert list(frame.columns) == ["row", "er", "band"]
    csv_rows = read_csv(tmp_path / "t.csv")
    assert list(frame["row"]) == [r["row"] for r in csv_rows]
    assert frame["er"].iloc[1] == float(csv_rows[1]["er"])
    assert pandas.isna(frame["er"].iloc[-1])


def test_dataframe_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        make().to_dataframe()


def test_failed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("previous\n")
    agg = build(strict=True)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")

    def explode(instance):
        if instance.galaxies.lens.mass.einstein_radius < 1.0:
            raise ValueError("no")
        return 1

    agg.add_column("f", latent_func=explode, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ColumnFunctionError):
            agg.save(path)
    assert path.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_same_table_twice_gives_same_bytes(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = make().save(tmp_path / "a.csv").read_bytes()
        second = make().save(tmp_path / "b.csv").read_bytes()
    assert first == second


def test_add_column_argument_errors():
    agg = build()
    with pytest.raises(ValueError, match="exactly one of model_path and latent_func"):
        agg.add_column("x", folder="source_lp[1]")
    with pytest.raises(ValueError, match="add_x3_columns_with_errors"):
        agg.add_column("x", latent_func=lambda i: 1, folder="source_lp[1]", error="values_at_sigma_3")
    with pytest.raises(ValueError, match="2 values for the aggregator.s 8 fits"):
        agg.add_label_column("x", [1, 2])


def test_close_releases_unzipped_fits(tmp_path):
    with build() as agg:
        (zipped,) = [h for h in agg._index.fits if h.label.endswith(".zip")]
        unzipped = zipped.autofit_fit.directory
        assert unzipped.exists()
    assert not unzipped.exists()


def test_close_releases_database_session(sqlite_file):
    with AggregatorCSV.from_database(sqlite_file) as agg:
        agg.add_column("er", model_path=ER, folder="source_lp[1]")
    # A closed table's file can be opened (and migrated) again at once.
    again = AggregatorCSV.from_database(sqlite_file)
    assert len(again._index.fits) == 8
    again.close()
