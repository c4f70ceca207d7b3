"""
compare(): a table saved from the real fixture fits, and copies of it edited by hand.

Expected numbers (sigma, relative change) are computed here from the CSV texts with the csv
module, never by the code under test.
"""
import contextlib
import csv
import math
import os
import warnings
from pathlib import Path

import pytest

from autofit_csv.comparison import CatalogueError, compare
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT

LP = "source_lp[1]"
R = "einstein_radius"
ERRORS_1 = (f"{R}_lower_error_1_sigma", f"{R}_upper_error_1_sigma")
VALUES_3 = (f"{R}_lower_3_sigma", f"{R}_upper_3_sigma")


def radius_via_samples(samples):
    lower, upper = samples.values_at_sigma(sigma=1.0).galaxies.lens.mass.einstein_radius
    return samples.median_pdf().galaxies.lens.mass.einstein_radius, lower, upper


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """
    One table of the fixture fits: a value with 3 sigma bounds and 1 sigma errors, a value with
    no interval, a latent value with 3 sigma bounds, x3 columns of a samples function, and text.
    """
    from autofit_csv import AggregatorCSV

    folder = tmp_path_factory.mktemp("compare")
    with contextlib.chdir(folder), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # vis/lens_004 never finished: its cells are blank
        agg = AggregatorCSV.from_directory(OUTPUT)
        agg.add_column(
            R, model_path=ER, folder=LP, error=["values_at_sigma_3", "errors_at_sigma_1"]
        )
        agg.add_column(f"{R}_max_lh", model_path=ER, folder=LP, use_max_lh_instance=True)
        agg.add_column(
            "einstein_mass", model_path=EINSTEIN_MASS, folder=LP, error="values_at_sigma_3"
        )
        agg.add_x3_columns_with_errors("radius_s", samples_func=radius_via_samples, folder=LP)
        agg.add_info_column("band", key="band", folder=LP)
        return agg.save(folder / "old.csv")


class Table:
    """
    A CSV held as a header list and {row key: {header: text}}, to edit and write back.
    """

    def __init__(self, path):
        with open(path, newline="") as file:
            reader = csv.DictReader(file)
            self.headers = list(reader.fieldnames)
            self.rows = {row["row"]: row for row in reader}

    def number(self, key, header) -> float:
        return float(self.rows[key][header])

    def drop(self, *headers) -> "Table":
        self.headers = [h for h in self.headers if h not in headers]
        return self

    def write(self, path) -> Path:
        with open(path, "w", newline="") as file:
            writer = csv.DictWriter(file, self.headers, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.rows.values())
        return path


def only(changes, column, row=None):
    (change,) = [c for c in changes if c.column == column and (row is None or c.row == row)]
    return change


def test_the_same_table_is_ok(saved, tmp_path):
    same = Table(saved).write(tmp_path / "same.csv")

    comparison = compare(saved, same)

    assert comparison.ok
    assert comparison.changes == []
    assert comparison.rows_compared == 5
    assert comparison.columns_compared == Table(saved).headers[1:]
    assert comparison.to_markdown().startswith("# Catalogue comparison\n\n**Nothing flagged")


def test_a_dataframe_read_back_is_the_same_table(saved):
    import pandas

    # Floats, NaN for the blank cells of vis/lens_004. pandas' default parser may miss the last
    # digit of a float; round_trip reads back the number that was written.
    frame = pandas.read_csv(saved, float_precision="round_trip")
    assert frame["band"].isna().sum() == 1

    comparison = compare(saved, frame)

    assert comparison.ok, comparison.to_markdown()
    assert comparison.new == "DataFrame"


def test_a_change_is_measured_in_combined_sigma_of_the_1_sigma_errors(saved, tmp_path):
    table = Table(saved)
    key = "vis/lens_002"
    lower_error, upper_error = (table.number(key, h) for h in ERRORS_1)
    assert lower_error > 0 and upper_error > 0
    half_width = (lower_error + upper_error) / 2
    row = table.rows[key]
    row[R] = repr(table.number(key, R) + 0.4 * half_width)
    for header in ERRORS_1:  # a wider interval in the new table
        row[header] = repr(2 * table.number(key, header))
    new = table.write(tmp_path / "new.csv")

    old_table, new_table = Table(saved), Table(new)
    old_width = sum(old_table.number(key, h) for h in ERRORS_1) / 2
    new_width = sum(new_table.number(key, h) for h in ERRORS_1) / 2
    expected = abs(new_table.number(key, R) - old_table.number(key, R)) / math.sqrt(
        old_width**2 + new_width**2
    )
    assert 0.1 < expected < 0.3

    change = only(compare(saved, new).changes, R)
    assert change.row == key
    assert change.kind == "sigma"
    assert change.sigma == pytest.approx(expected, rel=1e-12)
    assert change.interval == "/".join(ERRORS_1)
    assert (change.old, change.new) == (old_table.rows[key][R], new_table.rows[key][R])
    assert not change.flagged
    # (The doubled errors are changes too, measured with the same interval.)
    assert R not in [c.column for c in compare(saved, new, tolerance=expected * 1.01).flagged]
    assert R in [c.column for c in compare(saved, new, tolerance=expected * 0.99).flagged]


def test_the_error_columns_themselves_are_measured_with_their_interval(saved, tmp_path):
    table = Table(saved)
    key = "vis/lens_003"
    table.rows[key][ERRORS_1[1]] = repr(3 * table.number(key, ERRORS_1[1]))
    new = table.write(tmp_path / "new.csv")

    old_table, new_table = Table(saved), Table(new)
    widths = [sum(t.number(key, h) for h in ERRORS_1) / 2 for t in (old_table, new_table)]
    moved = new_table.number(key, ERRORS_1[1]) - old_table.number(key, ERRORS_1[1])
    expected = moved / math.hypot(*widths)

    change = only(compare(saved, new).changes, ERRORS_1[1])
    assert change.kind == "sigma"
    assert change.sigma == pytest.approx(expected, rel=1e-12)
    assert change.interval == "/".join(ERRORS_1)


def test_the_3_sigma_bounds_are_used_where_no_1_sigma_interval_is(saved, tmp_path):
    old = Table(saved).drop(*ERRORS_1).write(tmp_path / "old.csv")
    table = Table(old)
    key = "vis/lens_001"
    row = table.rows[key]
    row[R] = repr(table.number(key, R) - 0.2)
    row[VALUES_3[0]] = repr(table.number(key, VALUES_3[0]) - 0.1)
    new = table.write(tmp_path / "new.csv")

    old_table, new_table = Table(old), Table(new)
    widths = [
        (t.number(key, VALUES_3[1]) - t.number(key, VALUES_3[0])) / 2
        for t in (old_table, new_table)
    ]
    expected = abs(new_table.number(key, R) - old_table.number(key, R)) / math.hypot(*widths)

    comparison = compare(old, new)
    change = only(comparison.changes, R)
    assert change.interval == "/".join(VALUES_3)
    assert change.sigma == pytest.approx(expected, rel=1e-12)
    bound = only(comparison.changes, VALUES_3[0])
    assert bound.interval == "/".join(VALUES_3)
    moved = old_table.number(key, VALUES_3[0]) - new_table.number(key, VALUES_3[0])
    assert bound.sigma == pytest.approx(moved / math.hypot(*widths), rel=1e-12)


def test_x3_columns_of_a_samples_function_are_an_interval(saved, tmp_path):
    table = Table(saved)
    key = "vis/lens_003"
    table.rows[key]["radius_s"] = repr(table.number(key, "radius_s") * 1.01)
    new = table.write(tmp_path / "new.csv")

    old_table, new_table = Table(saved), Table(new)
    widths = [
        (t.number(key, "radius_s_upper") - t.number(key, "radius_s_lower")) / 2
        for t in (old_table, new_table)
    ]
    moved = new_table.number(key, "radius_s") - old_table.number(key, "radius_s")

    change = only(compare(saved, new).changes, "radius_s")
    assert change.interval == "radius_s_lower/radius_s_upper"
    assert change.sigma == pytest.approx(moved / math.hypot(*widths), rel=1e-12)


def test_a_zero_width_interval_makes_any_change_infinite(saved, tmp_path):
    # An interval of zero width (a fit with a single sample has one), in both tables.
    table = Table(saved)
    key = "nir/lens_001"
    value = table.rows[key]["einstein_mass"]
    for side in ("lower", "upper"):
        table.rows[key][f"einstein_mass_{side}_3_sigma"] = value
    old = table.write(tmp_path / "old.csv")
    table.rows[key]["einstein_mass"] = repr(table.number(key, "einstein_mass") + 1e-9)
    new = table.write(tmp_path / "new.csv")

    change = only(compare(old, new, tolerance=1e6).changes, "einstein_mass")
    assert change.kind == "sigma"
    assert change.sigma == math.inf
    assert change.flagged


def test_a_number_without_an_interval_is_flagged_when_it_changes_at_all(saved, tmp_path):
    table = Table(saved)
    key = "vis/lens_002"
    header = f"{R}_max_lh"
    table.rows[key][header] = repr(table.number(key, header) * (1 + 1e-9))
    new = table.write(tmp_path / "new.csv")

    old_value, new_value = Table(saved).number(key, header), Table(new).number(key, header)
    expected = abs(new_value - old_value) / max(abs(old_value), abs(new_value))

    change = only(compare(saved, new).changes, header)
    assert change.kind == "number"
    assert change.sigma is None
    assert change.relative == pytest.approx(expected, rel=1e-9)
    assert change.flagged
    assert compare(saved, new, rtol=expected * 1.01).ok
    assert not compare(saved, new, rtol=expected * 0.99).ok


def test_the_same_number_written_differently_is_no_change(saved, tmp_path):
    table = Table(saved)
    key = "vis/lens_001"
    text = table.rows[key][f"{R}_max_lh"]
    table.rows[key][f"{R}_max_lh"] = text + "0" if "." in text else text + ".0"
    table.rows[key]["einstein_mass"] = f"{table.number(key, 'einstein_mass'):.17e}"
    assert table.rows[key]["einstein_mass"] != Table(saved).rows[key]["einstein_mass"]
    new = table.write(tmp_path / "new.csv")

    comparison = compare(saved, new)
    assert comparison.changes == []
    assert comparison.ok


def test_values_that_became_blank_or_appeared_are_flagged(saved, tmp_path):
    table = Table(saved)
    assert table.rows["vis/lens_004"][R] == ""  # never finished
    table.rows["vis/lens_004"][R] = "1.25"
    table.rows["vis/lens_002"][R] = ""
    new = table.write(tmp_path / "new.csv")

    comparison = compare(saved, new, tolerance=1e6, rtol=1e6)
    appeared = only(comparison.changes, R, "vis/lens_004")
    blank = only(comparison.changes, R, "vis/lens_002")
    assert (appeared.kind, appeared.old, appeared.new) == ("appeared", "", "1.25")
    assert appeared.flagged
    assert (blank.kind, blank.new, blank.flagged) == ("blank", "", True)
    assert blank.old == Table(saved).rows["vis/lens_002"][R]
    assert not comparison.ok


def test_non_finite_numbers_are_flagged(saved, tmp_path):
    table = Table(saved)
    table.rows["vis/lens_001"][R] = "nan"
    table.rows["vis/lens_002"][f"{R}_max_lh"] = "inf"
    new = table.write(tmp_path / "new.csv")

    comparison = compare(saved, new, tolerance=1e6, rtol=1e6)
    assert [(c.row, c.column, c.kind) for c in comparison.flagged] == [
        ("vis/lens_001", R, "non-finite"),
        ("vis/lens_002", f"{R}_max_lh", "non-finite"),
    ]


def test_text_is_compared_exactly(saved, tmp_path):
    table = Table(saved)
    table.rows["vis/lens_003"]["band"] = "VIS"
    new = table.write(tmp_path / "new.csv")

    change = only(compare(saved, new, tolerance=1e6, rtol=1e6).changes, "band")
    assert (change.row, change.kind) == ("vis/lens_003", "text")
    assert (change.old, change.new) == ("vis", "VIS")
    assert change.flagged


def test_rows_and_columns_added_and_removed(saved, tmp_path):
    table = Table(saved).drop("band")
    del table.rows["vis/lens_001"]
    table.rows["vis/lens_010"] = {"row": "vis/lens_010"}
    table.rows["a/lens_000"] = {"row": "a/lens_000"}
    table.headers.insert(2, "extra")
    new = table.write(tmp_path / "new.csv")

    comparison = compare(saved, new)

    assert comparison.rows_added == ["a/lens_000", "vis/lens_010"]
    assert comparison.rows_removed == ["vis/lens_001"]
    assert comparison.columns_added == ["extra"]
    assert comparison.columns_removed == ["band"]
    assert comparison.rows_compared == 4
    assert comparison.changes == []
    assert not comparison.ok
    assert comparison.summary() == (
        "Flagged: 0 flagged cells, 2 rows added, 1 row removed, 1 column added, "
        "1 column removed (4 rows and 12 columns compared, 0 changes within tolerance)."
    )
    markdown = comparison.to_markdown()
    assert "## Rows added (2)\n\n`a/lens_000`, `vis/lens_010`\n" in markdown
    assert "## Rows removed (1)\n\n`vis/lens_001`\n" in markdown
    assert "## Columns added (1)\n\n`extra`\n" in markdown
    assert "## Columns removed (1)\n\n`band`\n" in markdown


def test_the_markdown_report_lists_flagged_changes_in_a_fixed_order(saved, tmp_path):
    table = Table(saved)
    table.rows["vis/lens_003"][R] = repr(table.number("vis/lens_003", R) + 1.0)
    table.rows["vis/lens_001"][R] = repr(table.number("vis/lens_001", R) + 1.0)
    table.rows["nir/lens_001"]["band"] = "a|b"
    new = table.write(tmp_path / "new.csv")

    old_table, new_table = Table(saved), Table(new)

    def sigma(key):
        widths = [sum(t.number(key, h) for h in ERRORS_1) / 2 for t in (old_table, new_table)]
        return (new_table.number(key, R) - old_table.number(key, R)) / math.hypot(*widths)

    markdown = compare(saved, new).to_markdown()
    assert markdown == compare(saved, new).to_markdown()
    flagged = markdown[markdown.index("## Flagged changes (3)") :].splitlines()
    assert flagged[2] == "| row | column | old | new | sigma | why |"
    assert flagged[3] == "|---|---|---|---|---|---|"
    rows = [line.split(" | ")[:5] for line in flagged[4:]]
    assert rows == [
        [
            f"| `{key}`", f"`{R}`", f"`{old_table.rows[key][R]}`", f"`{new_table.rows[key][R]}`",
            f"{sigma(key):.3g}",
        ]
        for key in ("vis/lens_001", "vis/lens_003")
    ] + [["| `nir/lens_001`", "`band`", "`nir`", "`a\\|b`", ""]]
    per_column = markdown[markdown.index("## Changes per column") :]
    largest = max(sigma("vis/lens_001"), sigma("vis/lens_003"))
    assert f"| `{R}` | 2 | 2 | {largest:.3g} |" in per_column
    assert "**Flagged: 3 flagged cells (5 rows and 13 columns compared" in markdown


@pytest.mark.parametrize(
    "content, words",
    [
        ("a,b\n1,2\n", "no 'row' column"),
        ("row,a\nx,1\nx,2\n", "row key 'x' appears more than once"),
        ("row,a\nx,1,2\n", "has 3 cells, the header has 2"),
        ("row,row\nx,y\n", "repeated headers ['row']"),
        ("", "empty file"),
    ],
)
def test_a_catalogue_that_cannot_be_compared_is_named(saved, tmp_path, content, words):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(CatalogueError) as error:
        compare(saved, bad)
    assert str(error.value).startswith(str(bad))
    assert words in str(error.value)


def test_an_unknown_format_lists_the_formats(saved, tmp_path):
    expected = r"table\.xlsx: unknown catalogue format '\.xlsx'; formats: \.csv, \.ecsv, \.fits"
    (tmp_path / "table.xlsx").write_bytes(b"PK")
    with pytest.raises(CatalogueError, match=expected):
        compare(saved, tmp_path / "table.xlsx")


@pytest.mark.parametrize("name", ["missing.csv", "missing.parquet", "missing"])
def test_a_missing_file_is_an_os_error_naming_it(saved, tmp_path, name):
    with pytest.raises(FileNotFoundError) as error:
        compare(saved, tmp_path / name)
    assert error.value.filename == str(tmp_path / name)


def test_a_folder_is_not_a_catalogue(saved, tmp_path):
    with pytest.raises(CatalogueError, match="a folder, not a catalogue file"):
        compare(tmp_path, saved)


@pytest.mark.parametrize("limits", [{"tolerance": -1}, {"rtol": -0.1}, {"tolerance": math.nan}])
def test_negative_tolerances_are_refused(saved, limits):
    with pytest.raises(ValueError, match="must be a number >= 0"):
        compare(saved, saved, **limits)


# ------------------------------------------------------------------ other formats

def _import_or_skip(module: str):
    """
    The module: the formats extra is installed with the test set-up, so a missing one fails.
    """
    return __import__(module)


def _converted(saved, tmp_path, suffix) -> Path:
    path = tmp_path / f"table{suffix}"
    if suffix == ".parquet":
        _import_or_skip("pyarrow")
        import pandas

        pandas.read_csv(saved, float_precision="round_trip").to_parquet(path)
    else:
        _import_or_skip("astropy")
        from astropy.table import MaskedColumn, Table as AstropyTable

        old = Table(saved)
        columns = []
        for header in old.headers:
            texts = [row[header] for row in old.rows.values()]
            numeric = header not in ("row", "band")
            values = [float(t) if numeric and t else (0.0 if numeric else t) for t in texts]
            columns.append(MaskedColumn(values, name=header, mask=[t == "" for t in texts]))
        AstropyTable(columns).write(path)
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".fits", ".ecsv"])
def test_other_formats_read_as_the_csv(saved, tmp_path, suffix):
    converted = _converted(saved, tmp_path, suffix)

    assert compare(saved, converted).ok, compare(saved, converted).to_markdown()

    table = Table(saved)
    table.rows["vis/lens_002"][R] = ""
    changed = compare(table.write(tmp_path / "new.csv"), converted)
    assert [(c.row, c.column, c.kind) for c in changed.changes] == [("vis/lens_002", R, "appeared")]


@pytest.mark.parametrize("suffix", [".parquet", ".ecsv"])
def test_nan_and_blank_survive_other_formats(output_copy, tmp_path, suffix):
    import json

    from autofit_csv import AggregatorCSV
    from test_autofit_csv.conftest import fit_folder

    path = fit_folder("vis/lens_003/source_lp[1]", output_copy) / "files/samples_summary.json"
    raw = json.loads(path.read_text())
    raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER] = float("nan")
    path.write_text(json.dumps(raw))
    agg = AggregatorCSV.from_directory(output_copy)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csv_path = agg.save(tmp_path / "t.csv")
        other = agg.save(tmp_path / f"t{suffix}")
    rows = {row["row"]: row for row in csv.DictReader(open(csv_path))}
    assert rows["vis/lens_003"]["er"] == "nan" and rows["vis/lens_004"]["er"] == ""
    # The same table in two formats: NaN is NaN and blank is blank in both.
    comparison = compare(csv_path, other)
    assert comparison.ok, comparison.to_markdown()
    # A NaN that became blank between two files of this format is seen.
    table = Table(csv_path)
    table.rows["vis/lens_003"]["er"] = ""
    blanked = table.write(tmp_path / "blanked.csv")
    assert not compare(other, blanked).ok
