"""
Catalogue outputs: the table as CSV, Parquet, FITS, ECSV or an HTML page, chosen by the file's
suffix, each written atomically, with each column's description where the format keeps one and
the table's images copied beside the output.

One module per format; ``typed`` decides once, for all of them, which columns are numbers.
"""
import importlib
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Union

from autofit_csv.formats.astropy_table import to_astropy_table, write_ecsv
from autofit_csv.formats.atomic import replaced_atomically
from autofit_csv.formats.fits import write_fits
from autofit_csv.formats.html import write_html
from autofit_csv.formats.images import files_folder, staged_images
from autofit_csv.formats.parquet import write_parquet
from autofit_csv.formats.typed import typed_columns
from autofit_csv.output import write_csv_atomically

#: Suffix -> (format name, the packages it needs beyond autofit_csv's own).
FORMATS = {
    ".csv": ("CSV", ()),
    ".parquet": ("Parquet", ("pyarrow",)),
    ".fits": ("FITS", ("astropy",)),
    ".ecsv": ("ECSV", ("astropy",)),
    ".html": ("HTML page", ()),
}

__all__ = [
    "FORMATS",
    "files_folder",
    "format_of",
    "staged_images",
    "to_astropy_table",
    "write_table",
]


def format_of(path: Union[str, os.PathLike]) -> str:
    """
    The suffix of ``path`` that picks its format (``.parquet``), lower case.

    Raises
    ------
    ValueError
        The suffix is not one of ``FORMATS``; the message lists them.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(f"{s} ({name})" for s, (name, _) in FORMATS.items())
        raise ValueError(
            f"Cannot write {os.fspath(path)!r}: unknown suffix {suffix or '(none)'!r}. "
            f"The format follows the suffix: {known}."
        )
    for package in FORMATS[suffix][1]:
        try:
            importlib.import_module(package)
        except ImportError as error:
            raise ImportError(
                f"Writing {FORMATS[suffix][0]} ({os.fspath(path)}) needs {package}: "
                f"pip install 'autofit-csv[formats]'"
            ) from error
    return suffix


def write_table(
    path: Union[str, os.PathLike],
    headers: Sequence[str],
    rows: Iterable[list],
    descriptions: Mapping[str, str],
    image_headers: Sequence[str] = (),
    kinds: Optional[Mapping[str, str]] = None,
    on_missing_image: Optional[Callable[[str, str, str], None]] = None,
) -> Path:
    """
    Write a table in the format its suffix names, atomically.

    A temporary file beside ``path`` is written and then renamed into place, so a failure (in
    the rows iterator or the writer) leaves any previous file untouched and removes the
    temporary one. With ``image_headers`` the images are copied into ``<stem>_files/`` beside
    ``path`` (staged, swapped in after the table file; see ``staged_images``).

    Parameters
    ----------
    path
        The output: ``.csv``, ``.parquet``, ``.fits``, ``.ecsv`` or ``.html``.
    headers
        The headers; the first (``row``) holds the row key and is text.
    rows
        Lists of raw cells in header order: None for a blank cell, floats, ints, numpy
        scalars, bools, str.
    descriptions
        ``{header: text}``: each column's description, written where the format keeps one
        (ECSV column ``description``, Parquet field metadata ``description``, FITS ``TCOMMn``
        cards cut to one card, HTML header ``title``). The CSV keeps none.
    image_headers
        Headers whose cells are paths of image files to copy beside the output; the cells
        become their paths relative to the output's folder.
    kinds
        Optional ``{header: "number" | "text"}`` for columns whose kind the caller knows; other
        columns are numeric when every non-blank cell is a real number (bools are text).
    on_missing_image
        ``on_missing_image(header, row_key, reason)`` for an image that cannot be copied (its
        cell is blank). Default: a warning.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        An unknown suffix (the message lists the formats), or rows that do not fit the headers.
    ImportError
        The format needs pyarrow or astropy and it is not installed.
    """
    path = Path(path)
    suffix = format_of(path)
    headers = list(headers)
    descriptions = dict(descriptions or {})
    if image_headers:
        with staged_images(path, headers, image_headers, on_missing_image) as images:
            _write(path, suffix, headers, images.rows(rows), descriptions, image_headers, kinds)
    else:
        _write(path, suffix, headers, rows, descriptions, image_headers, kinds)
    return path


def _write(
    path: Path,
    suffix: str,
    headers: list,
    rows: Iterable[list],
    descriptions: Dict[str, str],
    image_headers: Sequence[str],
    kinds: Optional[Mapping[str, str]],
):
    if suffix == ".csv":
        write_csv_atomically(path, headers, rows)
        return
    columns = typed_columns(headers, rows, kinds, text_headers=image_headers)
    with replaced_atomically(path) as temporary:
        if suffix == ".parquet":
            write_parquet(temporary, columns, descriptions)
        elif suffix == ".fits":
            write_fits(temporary, columns, descriptions)
        elif suffix == ".ecsv":
            write_ecsv(temporary, columns, descriptions)
        else:
            write_html(temporary, columns, descriptions, image_headers, title=path.stem)
