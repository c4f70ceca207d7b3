"""
The table as an ``astropy.table.Table`` (``AggregatorCSV.to_table``), and as ECSV, astropy's
text format that keeps each column's type, mask and description.
"""
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

import numpy as np

from autofit_csv.formats.typed import TypedColumn, typed_columns


def astropy_table(columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    The typed columns as an ``astropy.table.Table`` of ``MaskedColumn``: float64 for numbers,
    str for text, blank cells masked, each column's ``description`` set.
    """
    from astropy.table import MaskedColumn, Table

    table = Table(masked=True)
    for column in columns:
        values = column.values
        if not column.is_number:
            # A str array at least one character wide, so an all-blank column still has a dtype.
            values = np.array(values, dtype=str) if len(values) else np.array([], dtype="U1")
        table[column.header] = MaskedColumn(
            values,
            mask=column.mask.copy(),
            name=column.header,
            description=descriptions.get(column.header),
        )
    return table


def to_astropy_table(
    headers: Sequence[str],
    rows: Iterable[list],
    descriptions: Dict[str, str],
    kinds: Dict[str, str] = None,
):
    """
    The rows as an ``astropy.table.Table``.

    Parameters
    ----------
    headers
        The headers; the first is the row key.
    rows
        Lists of raw cells in header order (None for a blank cell).
    descriptions
        ``{header: text}``, set as each column's ``description``.
    kinds
        Optional ``{header: "number" | "text"}``; see ``typed_columns``.

    Returns
    -------
    astropy.table.Table
        Numeric columns float64, text columns str, blank cells masked.
    """
    return astropy_table(typed_columns(headers, rows, kinds), descriptions)


def write_ecsv(temporary: Path, columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    Write the columns as ECSV to ``temporary`` (the caller renames it into place).
    """
    astropy_table(columns, descriptions).write(
        temporary, format="ascii.ecsv", overwrite=True
    )
