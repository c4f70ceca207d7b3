"""
A saved catalogue read back as text cells keyed by row, whatever format it was saved in.

Every format becomes the same thing, a ``Catalogue`` of CSV-like text cells (``""`` for a blank),
so the comparison never depends on how a format stores numbers or blanks. A new format is one
reader function and one entry in ``READERS``.
"""
import csv
import errno
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

from autofit_csv.output import cell_text

KEY_HEADER = "row"


class CatalogueError(ValueError):
    """
    A catalogue file or DataFrame that cannot be compared; the message names it and says why.
    """


@dataclass
class Catalogue:
    """
    A table read back: its headers and its cells as text, keyed by the ``row`` column.

    Attributes
    ----------
    name
        Where it came from (the path as given, or ``"DataFrame"``), for messages and reports.
    headers
        Every header in file order, ``row`` included.
    rows
        Row key -> {header: text}; a blank cell is ``""``.
    """

    name: str
    headers: List[str]
    rows: Dict[str, Dict[str, str]]


def read_catalogue(source) -> Catalogue:
    """
    Read a catalogue from a file or a pandas DataFrame.

    Parameters
    ----------
    source
        A path (``str`` or ``os.PathLike``) to a ``.csv``, ``.parquet``, ``.fits`` or ``.ecsv``
        file, or a pandas DataFrame with a ``row`` column (or index named ``row``).

    Returns
    -------
    Catalogue
        The headers and text cells.

    Raises
    ------
    CatalogueError
        The file's format is unknown or its reader is not installed, it is not a table, it has no
        ``row`` column, or a row key or header appears twice.
    OSError
        The file cannot be opened (missing, a folder, no permission).
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            # Said first, whatever the suffix or the readers installed.
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(source))
        reader = READERS.get(path.suffix.lower())
        if reader is None and path.is_dir():
            raise CatalogueError(f"{source}: a folder, not a catalogue file")
        if reader is None:
            raise CatalogueError(
                f"{source}: unknown catalogue format {path.suffix!r}; "
                f"formats: {', '.join(sorted(READERS))}"
            )
        return reader(path, str(source))
    if hasattr(source, "columns") and hasattr(source, "itertuples"):
        return catalogue_from_dataframe(source, "DataFrame")
    raise CatalogueError(
        f"cannot compare a {type(source).__name__}: give a path or a pandas DataFrame"
    )


def catalogue_from_columns(name: str, headers: List[str], rows: List[List[str]]) -> Catalogue:
    """
    A ``Catalogue`` from a header list and rows of text cells, checking what every reader needs.

    Parameters
    ----------
    name
        The source, for messages.
    headers
        The header row.
    rows
        Each row's cells as text, in header order.

    Returns
    -------
    Catalogue

    Raises
    ------
    CatalogueError
        No ``row`` header, a repeated header or a repeated row key.
    """
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise CatalogueError(f"{name}: repeated headers {repeated}")
    if KEY_HEADER not in headers:
        shown = ", ".join(headers[:10]) + (", ..." if len(headers) > 10 else "")
        raise CatalogueError(
            f"{name}: no {KEY_HEADER!r} column to match rows by (headers: {shown or 'none'})"
        )
    key_index = headers.index(KEY_HEADER)
    by_key = {}
    for cells in rows:
        key = cells[key_index]
        if key in by_key:
            raise CatalogueError(f"{name}: row key {key!r} appears more than once")
        by_key[key] = dict(zip(headers, cells))
    return Catalogue(name, list(headers), by_key)


def read_csv(path: Path, name: str) -> Catalogue:
    """
    Read a CSV written by ``AggregatorCSV.save`` (or any CSV with a ``row`` column).

    Parameters
    ----------
    path
        The file.
    name
        How messages name it.

    Returns
    -------
    Catalogue
    """
    # utf-8-sig: a CSV re-saved by a spreadsheet often starts with a byte-order mark.
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            lines = list(csv.reader(file))
    except UnicodeDecodeError as error:
        raise CatalogueError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})")
    except csv.Error as error:
        raise CatalogueError(f"{name}: not a readable CSV ({error})") from error
    if not lines:
        raise CatalogueError(f"{name}: empty file, no header line")
    # An empty line is not a row: csv.writer writes a row of one blank cell as "".
    headers, body = lines[0], [cells for cells in lines[1:] if cells]
    for number, cells in enumerate(body, start=2):
        if len(cells) != len(headers):
            raise CatalogueError(
                f"{name}: row {number - 1} ({cells[0]!r}) has {len(cells)} cells, "
                f"the header has {len(headers)}"
            )
    return catalogue_from_columns(name, headers, body)


def catalogue_from_dataframe(frame, name: str) -> Catalogue:
    """
    Turn a pandas DataFrame into text cells written as ``AggregatorCSV.save`` writes them.

    Missing values (``None``, ``NaN``, ``pandas.NA``) are blank cells, pandas' own meaning of
    ``NaN``; floats become ``repr`` text, so a value equals the CSV's.

    Parameters
    ----------
    frame
        The DataFrame; its ``row`` column (or an index named ``row``) holds the row keys.
    name
        How messages name it.

    Returns
    -------
    Catalogue
    """
    import pandas

    if KEY_HEADER not in frame.columns and frame.index.name == KEY_HEADER:
        frame = frame.reset_index()
    headers = [str(h) for h in frame.columns]

    def text(value) -> str:
        if isinstance(value, bytes):
            return value.decode()
        return "" if pandas.api.types.is_scalar(value) and pandas.isna(value) else cell_text(value)

    rows = [[text(v) for v in values] for values in frame.itertuples(index=False, name=None)]
    return catalogue_from_columns(name, headers, rows)


def read_parquet(path: Path, name: str) -> Catalogue:
    """
    Read a Parquet catalogue with pyarrow: nulls are blank cells, a NaN stays the number NaN
    (as the CSV writes it), so a diff of a CSV and a Parquet file of one table finds nothing.
    """
    try:
        import pyarrow.parquet
    except ImportError as error:
        raise CatalogueError(f"{name}: reading .parquet needs pyarrow ({error})")
    try:
        table = pyarrow.parquet.read_table(path)
    except Exception as error:  # pyarrow raises its own types for corrupt files
        raise CatalogueError(f"{name}: not a readable Parquet file ({error})") from error
    headers = [str(h) for h in table.column_names]
    columns = [
        ["" if value is None else cell_text(value) for value in table.column(h).to_pylist()]
        for h in table.column_names
    ]
    return catalogue_from_columns(name, headers, [list(cells) for cells in zip(*columns)])


def read_astropy_table(path: Path, name: str) -> Catalogue:
    """
    Read a FITS or ECSV catalogue through astropy; masked cells are blank.
    """
    try:
        from astropy.table import Table
    except ImportError as error:
        raise CatalogueError(f"{name}: reading {path.suffix} needs astropy ({error})")
    try:
        table = Table.read(path)
    except Exception as error:  # astropy raises many types for files it cannot parse
        raise CatalogueError(f"{name}: not a readable {path.suffix} table ({error})") from error
    headers = list(table.colnames)
    fits = path.suffix.lower() == ".fits"
    columns = [_astropy_column_text(table[h], fits) for h in headers]
    return catalogue_from_columns(name, headers, [list(cells) for cells in zip(*columns)])


def _astropy_column_text(column, fits: bool) -> List[str]:
    import numpy

    mask = numpy.ma.getmaskarray(column)
    values = numpy.ma.getdata(column).tolist()
    texts = []
    for value, masked in zip(values, mask):
        if isinstance(value, bytes):  # FITS strings come back as bytes
            value = value.decode()
        if fits and isinstance(value, float) and math.isnan(value):
            # FITS has no null for floats: a blank is written as NaN and may read back unmasked.
            masked = True
        texts.append("" if masked else cell_text(value))
    return texts


READERS: Dict[str, Callable[[Path, str], Catalogue]] = {
    ".csv": read_csv,
    ".parquet": read_parquet,
    ".fits": read_astropy_table,
    ".ecsv": read_astropy_table,
}
