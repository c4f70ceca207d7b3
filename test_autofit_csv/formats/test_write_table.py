"""
Every catalogue format read back by an independent reader (pyarrow, astropy.io.fits, astropy's
ECSV reader, pandas, the html.parser module): values equal to the fixture JSON, blank exactly
where the CSV of the same rows is blank, descriptions where the format keeps them.
"""
import math
from html.parser import HTMLParser

import numpy as np
import pytest

from autofit_csv.formats import FORMATS, write_table
from autofit_csv.output import write_csv_atomically
from test_autofit_csv.conftest import read_csv
from test_autofit_csv.formats.conftest import (
    DESCRIPTIONS,
    IMAGES,
    NUMERIC,
    TEXT,
    expected_image_bytes,
    expected_number,
)

FORMAT_SUFFIXES = [".parquet", ".fits", ".ecsv", ".html", ".csv"]


def _csv_of(catalogue, tmp_path) -> list:
    """
    The same rows through ``write_csv_atomically``: the reference for blank cells and text.
    """
    path = write_csv_atomically(tmp_path / "reference.csv", catalogue.headers, catalogue.rows)
    return read_csv(path)


# ---------------------------------------------------------------------- readers


def read_parquet(path):
    import pyarrow.parquet

    table = pyarrow.parquet.read_table(path)
    columns = table.to_pydict()
    descriptions = {
        field.name: field.metadata[b"description"].decode()
        for field in table.schema
        if field.metadata and b"description" in field.metadata
    }
    kinds = {field.name: str(field.type) for field in table.schema}
    return columns, descriptions, kinds


def read_fits(path):
    from astropy.io import fits

    with fits.open(path) as hdus:
        header = hdus[1].header
        data = hdus[1].data
        names = [header[f"TTYPE{n}"] for n in range(1, header["TFIELDS"] + 1)]
        columns, kinds, descriptions = {}, {}, {}
        for number, name in enumerate(names, start=1):
            values = data[name]
            kinds[name] = header[f"TFORM{number}"]
            if f"TCOMM{number}" in header:
                descriptions[name] = header[f"TCOMM{number}"]
            if values.dtype.kind == "f":
                # FITS has no null for floats but NaN: NaN is the blank cell here.
                columns[name] = [None if math.isnan(v) else float(v) for v in values]
            else:
                columns[name] = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
                columns[name] = [v if v != "" else None for v in columns[name]]
    return columns, descriptions, kinds


def read_ecsv(path):
    from astropy.table import Table

    table = Table.read(path, format="ascii.ecsv")
    columns = {}
    for name in table.colnames:
        column = table[name]
        mask = np.ma.getmaskarray(column)
        columns[name] = [
            None if blank else (float(v) if column.dtype.kind == "f" else str(v))
            for v, blank in zip(np.ma.getdata(column), mask)
        ]
    descriptions = {n: table[n].description for n in table.colnames if table[n].description}
    kinds = {n: table[n].dtype.kind for n in table.colnames}
    return columns, descriptions, kinds


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headers, self.titles, self.kinds, self.rows = [], {}, {}, []
        self.images = []
        self._cell = None
        self._header = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th":
            self._header = {"title": attrs.get("title"), "kind": attrs.get("data-kind")}
            self._cell = []
        elif tag == "tr" and self._header is None and self.headers:
            self.rows.append([])
        elif tag == "td":
            self._close_cell()
            self._cell = []
            if "title" in attrs:  # a number shown rounded: its exact text
                self._cell.append(("title", attrs["title"]))
            self.rows[-1].append(self._cell)
        elif tag == "img":
            self._cell.append(("img", attrs))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "tr"):
            self._close_cell()
        if tag == "th":
            name = "".join(self._cell)
            self.headers.append(name)
            self.titles[name] = self._header["title"]
            self.kinds[name] = self._header["kind"]
            self._header = None
            self._cell = None

    def _close_cell(self):
        self._cell = None


def read_html(path):
    parser = _TableParser()
    parser.feed(path.read_text(encoding="utf-8"))
    columns = {h: [] for h in parser.headers}
    for row in parser.rows:
        for header, cell in zip(parser.headers, row):
            images = [part[1] for part in cell if isinstance(part, tuple) and part[0] == "img"]
            if images:
                columns[header].append(images[0]["src"])
                continue
            exact = [part[1] for part in cell if isinstance(part, tuple) and part[0] == "title"]
            if exact:
                columns[header].append(exact[0])
                continue
            text = "".join(part for part in cell if isinstance(part, str))
            columns[header].append(text if text != "" else None)
    descriptions = {h: t for h, t in parser.titles.items() if t}
    return columns, descriptions, parser.kinds


READERS = {".parquet": read_parquet, ".fits": read_fits, ".ecsv": read_ecsv, ".html": read_html}


# ---------------------------------------------------------------------- the tests


@pytest.mark.parametrize("suffix", [".parquet", ".fits", ".ecsv", ".html"])
def test_values_equal_the_json_and_blanks_equal_the_csv(catalogue, tmp_path, suffix):
    path = write_table(
        tmp_path / f"catalogue{suffix}",
        catalogue.headers,
        catalogue.rows,
        catalogue.descriptions,
        image_headers=catalogue.image_headers,
    )
    columns, _, _ = READERS[suffix](path)
    csv_rows = _csv_of(catalogue, tmp_path)
    if suffix == ".html":
        # The page shows the pictures right after the row key.
        assert list(columns) == ["row"] + IMAGES + [
            h for h in catalogue.headers[1:] if h not in IMAGES
        ]
    else:
        assert list(columns) == catalogue.headers
    assert columns["row"] == [row["row"] for row in csv_rows]
    checked = 0
    for position, csv_row in enumerate(csv_rows):
        key = csv_row["row"]
        for header in NUMERIC:
            value = columns[header][position]
            expected = expected_number(key, header)
            assert (value is None) == (csv_row[header] == ""), (key, header)
            if suffix == ".html":
                assert value == csv_row[header] or (value is None and expected is None)
                value = None if value is None else float(value)
            assert value == expected, (key, header)
            checked += expected is not None
        for header in TEXT:
            value = columns[header][position]
            assert value == (csv_row[header] or None), (key, header)
    assert checked >= 12  # the filled cells really were compared


@pytest.mark.parametrize("suffix", [".parquet", ".fits", ".ecsv"])
def test_numbers_are_float64_and_text_is_text(catalogue, tmp_path, suffix):
    path = write_table(
        tmp_path / f"catalogue{suffix}", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    _, _, kinds = READERS[suffix](path)
    float_kind = {".parquet": "double", ".fits": "D", ".ecsv": "f"}[suffix]
    for header in NUMERIC:
        assert kinds[header] == float_kind, header
    for header in TEXT + IMAGES:
        assert kinds[header] != float_kind, header


def test_bools_are_the_csv_text(catalogue, tmp_path):
    path = write_table(
        tmp_path / "catalogue.parquet", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    columns, _, _ = read_parquet(path)
    csv_rows = _csv_of(catalogue, tmp_path)
    assert {v for v in columns["big_lens"] if v is not None} == {"True", "False"}
    assert columns["big_lens"] == [row["big_lens"] or None for row in csv_rows]


def test_pandas_reads_parquet_as_float64_with_nan_blanks(catalogue, tmp_path):
    import pandas

    path = write_table(
        tmp_path / "catalogue.parquet", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    frame = pandas.read_parquet(path)
    csv_rows = _csv_of(catalogue, tmp_path)
    for header in NUMERIC:
        assert frame[header].dtype == np.float64
        for value, csv_row in zip(frame[header], csv_rows):
            if csv_row[header] == "":
                assert math.isnan(value)
            else:
                assert value == float(csv_row[header])


@pytest.mark.parametrize("suffix", [".parquet", ".ecsv", ".html"])
def test_descriptions_are_kept_whole(catalogue, tmp_path, suffix):
    path = write_table(
        tmp_path / f"catalogue{suffix}", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    _, descriptions, _ = READERS[suffix](path)
    assert descriptions == DESCRIPTIONS  # "band" has none, and gets none


def test_fits_descriptions_are_tcomm_cards_cut_to_one_card(catalogue, tmp_path):
    path = write_table(
        tmp_path / "catalogue.fits", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    _, descriptions, _ = read_fits(path)
    assert set(descriptions) == set(DESCRIPTIONS)
    for header, text in descriptions.items():
        assert len(text) <= 68
        whole = DESCRIPTIONS[header]
        if len(whole) <= 68 and whole.isascii():
            assert text == whole
    long = descriptions["einstein_radius_lower_3_sigma"]
    assert long.endswith("...")
    assert DESCRIPTIONS["einstein_radius_lower_3_sigma"].startswith(long[:-3])
    assert descriptions["intensity_pix"] == (
        "source intensity - Sersic 'bulge', folder source_pix[2]"
    )
    with open(path, "rb") as file:
        header_text = file.read(2880 * 3).decode("ascii")
    assert "CONTINUE" not in header_text  # one card each, no long-string continuation


def test_astropy_reads_fits_blanks_as_masked(catalogue, tmp_path):
    from astropy.table import Table

    path = write_table(
        tmp_path / "catalogue.fits", catalogue.headers, catalogue.rows, catalogue.descriptions
    )
    table = Table.read(path)
    csv_rows = _csv_of(catalogue, tmp_path)
    for header in NUMERIC + ["id_str"]:
        mask = list(np.ma.getmaskarray(table[header]))
        assert mask == [row[header] == "" for row in csv_rows], header


def test_to_astropy_table(catalogue, tmp_path):
    from autofit_csv.formats import to_astropy_table

    table = to_astropy_table(catalogue.headers, catalogue.rows, catalogue.descriptions)
    csv_rows = _csv_of(catalogue, tmp_path)
    assert table.colnames == catalogue.headers
    for header in NUMERIC:
        assert table[header].dtype == np.float64
        for value, blank, csv_row in zip(
            np.ma.getdata(table[header]), np.ma.getmaskarray(table[header]), csv_rows
        ):
            assert blank == (csv_row[header] == "")
            if not blank:
                assert value == expected_number(csv_row["row"], header)
    for header in TEXT:
        assert table[header].dtype.kind == "U"
        assert [None if m else str(v) for v, m in zip(
            np.ma.getdata(table[header]), np.ma.getmaskarray(table[header])
        )] == [row[header] or None for row in csv_rows]
    assert {h: table[h].description for h in table.colnames if table[h].description} == DESCRIPTIONS


@pytest.mark.parametrize("suffix", FORMAT_SUFFIXES)
def test_images_are_copied_beside_the_output(catalogue, tmp_path, suffix):
    path = write_table(
        tmp_path / "out" / f"catalogue{suffix}",
        catalogue.headers,
        catalogue.rows,
        catalogue.descriptions,
        image_headers=catalogue.image_headers,
    )
    if suffix == ".csv":
        rows = read_csv(path)
        columns = {h: [r[h] or None for r in rows] for h in catalogue.headers}
    else:
        columns, _, _ = READERS[suffix](path)
    copied = 0
    for position, key in enumerate(columns["row"]):
        for header in IMAGES:
            cell = columns[header][position]
            expected = expected_image_bytes(key, header)
            if expected is None:
                assert cell is None, (key, header)
                continue
            if suffix == ".html":
                from urllib.parse import unquote

                cell = unquote(cell)
            assert cell.startswith("catalogue_files/") and "\\" not in cell
            assert (path.parent / cell).read_bytes() == expected
            copied += 1
    # Five lp images less vis/lens_004's, two pix images plus the zipped fit's.
    assert copied == 4 + 3
    assert len(list((path.parent / "catalogue_files").rglob("*.png"))) == copied


def test_unknown_suffix_lists_the_formats(catalogue, tmp_path):
    with pytest.raises(ValueError) as error:
        write_table(tmp_path / "catalogue.xlsx", catalogue.headers, catalogue.rows, {})
    for suffix in FORMATS:
        assert suffix in str(error.value)
    assert "'.xlsx'" in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", FORMAT_SUFFIXES)
def test_failure_midway_keeps_previous_file_and_images(catalogue, tmp_path, suffix):
    path = tmp_path / f"catalogue{suffix}"
    write_table(path, catalogue.headers, catalogue.rows, {}, image_headers=IMAGES)
    before = path.read_bytes()
    images = sorted(p.relative_to(tmp_path) for p in (tmp_path / "catalogue_files").rglob("*"))
    listing = sorted(p.name for p in tmp_path.iterdir())

    def rows():
        yield from catalogue.rows[:2]
        raise RuntimeError("the build died")

    with pytest.raises(RuntimeError):
        write_table(path, catalogue.headers, rows(), {}, image_headers=IMAGES)
    assert path.read_bytes() == before
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "catalogue_files").rglob("*"))
    assert after == images
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no temporary file or folder left


@pytest.mark.parametrize("suffix", [".parquet", ".fits", ".ecsv", ".html"])
def test_writer_failure_removes_its_temporary_file(catalogue, tmp_path, suffix, monkeypatch):
    import autofit_csv.formats as formats

    path = tmp_path / f"catalogue{suffix}"
    path.write_text("previous")
    writer = {
        ".parquet": "write_parquet",
        ".fits": "write_fits",
        ".ecsv": "write_ecsv",
        ".html": "write_html",
    }[suffix]
    original = getattr(formats, writer)

    def half_then_fail(temporary, *args, **kwargs):
        original(temporary, *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(formats, writer, half_then_fail)
    with pytest.raises(OSError):
        write_table(path, catalogue.headers, catalogue.rows, {})
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_csv_is_write_csv_atomically(catalogue, tmp_path):
    path = write_table(tmp_path / "catalogue.csv", catalogue.headers, catalogue.rows, {})
    reference = write_csv_atomically(tmp_path / "reference.csv", catalogue.headers, catalogue.rows)
    assert path.read_bytes() == reference.read_bytes()


def test_a_column_of_blanks_is_masked_float64(tmp_path):
    import pyarrow.parquet
    from astropy.table import Table

    headers = ["row", "empty", "text"]
    rows = [["a", None, "x"], ["b", None, None]]
    parquet = pyarrow.parquet.read_table(write_table(tmp_path / "t.parquet", headers, rows, {}))
    assert str(parquet.schema.field("empty").type) == "double"
    assert parquet.column("empty").to_pylist() == [None, None]
    assert parquet.column("text").to_pylist() == ["x", None]
    for suffix in (".fits", ".ecsv"):
        table = Table.read(write_table(tmp_path / f"t{suffix}", headers, rows, {}))
        assert table["empty"].dtype.kind == "f" and table["empty"].dtype.itemsize == 8
        assert list(np.ma.getmaskarray(table["empty"])) == [True, True]


def test_nan_stays_a_value_where_the_format_can_say_so(tmp_path):
    import pyarrow.parquet
    from astropy.table import Table

    headers = ["row", "x"]
    rows = [["a", float("nan")], ["b", None], ["c", float("inf")]]
    parquet = pyarrow.parquet.read_table(write_table(tmp_path / "t.parquet", headers, rows, {}))
    values = parquet.column("x").to_pylist()
    assert math.isnan(values[0]) and values[1] is None and values[2] == math.inf
    ecsv = Table.read(write_table(tmp_path / "t.ecsv", headers, rows, {}))
    assert list(np.ma.getmaskarray(ecsv["x"])) == [False, True, False]
    assert math.isnan(ecsv["x"][0]) and ecsv["x"][2] == math.inf
