"""
The autofit AggregateCSV drop-in methods, side by side with autofit's own class.
"""
import contextlib
import csv
import io
import json
import warnings
from pathlib import Path

from autofit.aggregator.aggregator import Aggregator
from autofit.aggregator.summary.aggregate_csv import AggregateCSV
from autofit.aggregator.summary.aggregate_csv.column import ValueType

from autofit_csv import AggregatorCSV
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, read_csv

ALL_TYPES = [
    ValueType.Median,
    ValueType.MaxLogLikelihood,
    ValueType.ValuesAt1Sigma,
    ValueType.ValuesAt3Sigma,
]


def define(table, n):
    table.add_variable(ER, value_types=ALL_TYPES)
    table.add_variable("galaxies.source.bulge.centre.centre_0", name="centre", value_types=ALL_TYPES)
    table.add_variable(EINSTEIN_MASS, name="mass", value_types=[ValueType.Median, ValueType.ValuesAt3Sigma])
    table.add_computed_column("log_l", lambda fit: fit.samples_summary.max_log_likelihood_sample.log_likelihood)
    table.add_label_column("label", [f"fit_{i}" for i in range(n)])


def test_same_headers_and_cells_as_autofit(output_copy, tmp_path):
    with contextlib.redirect_stdout(io.StringIO()):
        aggregator = Aggregator.from_directory(output_copy, completed_only=True)
    n = len(aggregator)
    assert n == 7

    theirs = AggregateCSV(aggregator)
    define(theirs, n)
    theirs.save(tmp_path / "theirs.csv")

    ours = AggregatorCSV(aggregator)
    define(ours, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.save(tmp_path / "ours.csv")

    with open(tmp_path / "theirs.csv") as file:
        their_headers = next(csv.reader(file))
    assert their_headers[0] == "id"
    assert ours.headers[1:] == their_headers[1:]

    their_rows = {row["id"]: row for row in read_csv(tmp_path / "theirs.csv")}
    our_rows = {row["row"]: row for row in read_csv(tmp_path / "ours.csv")}
    assert len(our_rows) == n
    for search_output in aggregator:
        location = str(Path(search_output.directory).relative_to(output_copy).parent)
        theirs_row, ours_row = their_rows[search_output.id], our_rows[location]
        for header in their_headers[1:]:
            if header == "label":
                assert ours_row[header] == theirs_row[header]
            else:
                assert float(ours_row[header]) == float(theirs_row[header]), (location, header)


def both_tables(aggregator, define, tmp_path):
    """
    autofit's AggregateCSV and ours over the same aggregator, defined the same way, as lists of
    rows (dicts of text) read back with the csv module.
    """
    theirs = AggregateCSV(aggregator)
    define(theirs)
    theirs.save(tmp_path / "theirs.csv")
    ours = AggregatorCSV(aggregator)
    define(ours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.save(tmp_path / "ours.csv")
    return read_csv(tmp_path / "theirs.csv"), read_csv(tmp_path / "ours.csv")


def completed_aggregator(root):
    # autofit unzips beside the zip: only ever give it a private copy of the fixtures.
    with contextlib.redirect_stdout(io.StringIO()):
        return Aggregator.from_directory(root, completed_only=True)


def test_no_columns_is_one_row_per_fit(output_copy, tmp_path):
    aggregator = completed_aggregator(output_copy)
    theirs, ours = both_tables(aggregator, lambda table: None, tmp_path)
    assert len(ours) == len(theirs) == len(aggregator) == 7
    assert len({row["row"] for row in ours}) == 7


def test_fits_without_a_readable_location_keep_their_own_rows(output_copy, tmp_path):
    # search.json without paths: where each fit sits cannot be read from it.
    for path in output_copy.rglob("files/search.json"):
        raw = json.loads(path.read_text())
        raw["arguments"].pop("paths", None)
        for key in ("path_prefix", "unique_tag", "name"):
            raw["arguments"].pop(key, None)
        path.write_text(json.dumps(raw))
    aggregator = completed_aggregator(output_copy)

    def define(table):
        table.add_variable(ER)

    theirs, ours = both_tables(aggregator, define, tmp_path)
    assert len(ours) == len(theirs) == len(aggregator)
    assert len({row["row"] for row in ours}) == len(ours)
    assert sorted(float(r[ER.replace(".", "_")]) for r in ours) == sorted(
        float(r[ER.replace(".", "_")]) for r in theirs
    )


def test_dict_computed_column_as_autofit(output_copy, tmp_path):
    aggregator = completed_aggregator(output_copy)

    def define(table):
        table.add_computed_column(
            "computed",
            lambda fit: {"a": 1, "b": fit.samples_summary.max_log_likelihood_sample.log_likelihood},
        )

    theirs, ours = both_tables(aggregator, define, tmp_path)
    assert list(ours[0]) == ["row", "computed_a", "computed_b"]
    assert list(theirs[0])[1:] == ["computed_a", "computed_b"]
    assert sorted((r["computed_a"], float(r["computed_b"])) for r in ours) == sorted(
        (r["computed_a"], float(r["computed_b"])) for r in theirs
    )
    assert all(r["computed_a"] == "1" for r in ours)
