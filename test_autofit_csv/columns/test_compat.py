"""
The autofit AggregateCSV drop-in methods, side by side with autofit's own class.
"""
import contextlib
import csv
import io
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
