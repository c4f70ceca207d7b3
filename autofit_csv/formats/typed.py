"""
Which columns of a table are numbers and which are text, decided the same way for every
catalogue format, and the columns' values in the shapes the writers take.

A column is numeric when every non-blank cell is a real number (bools are not: they are written
as the text ``True`` / ``False``, as the CSV writes them). Numeric columns become float64 with a
mask for blank cells; every other column becomes text, each cell the text the CSV would hold. A
column with only blank cells is numeric (float64, every cell masked): it has no text to keep, and
a float column of nulls is what pandas, astropy and pyarrow readers expect of an empty measure.
"""
import numbers
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Sequence

import numpy as np

from autofit_csv.output import cell_text

NUMBER = "number"
TEXT = "text"
KINDS = (NUMBER, TEXT)


@dataclass
class TypedColumn:
    """
    One column of a table, ready for a writer.

    Attributes
    ----------
    header
        The column's header.
    kind
        ``"number"`` or ``"text"``.
    values
        float64 array (numbers; 0.0 under the mask) or a list of str (text; "" under the mask).
    mask
        Bool array, True where the cell is blank.
    """

    header: str
    kind: str
    values: object
    mask: np.ndarray

    @property
    def is_number(self) -> bool:
        return self.kind == NUMBER


def is_blank(value) -> bool:
    """
    Whether a cell is blank: None, or the empty string.
    """
    return value is None or (isinstance(value, str) and not value)


def is_number(value) -> bool:
    """
    Whether a non-blank cell is a real number (bools are not).
    """
    if type(value) is float:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def typed_columns(
    headers: Sequence[str],
    rows: Iterable[list],
    kinds: Optional[Mapping[str, str]] = None,
    text_headers: Iterable[str] = (),
) -> List[TypedColumn]:
    """
    The table's columns, each with its kind decided.

    Parameters
    ----------
    headers
        The headers; the first (the row key) is always text.
    rows
        Lists of raw cells in header order (None for a blank cell).
    kinds
        Optional ``{header: "number" | "text"}`` for columns whose kind the caller knows; the
        others are decided from their cells.
    text_headers
        Headers that are text whatever their cells hold (image paths).

    Returns
    -------
    One ``TypedColumn`` per header, in order.

    Raises
    ------
    ValueError
        A row with another number of cells than there are headers, an unknown kind, or a column
        declared ``"number"`` holding a cell that is not a real number.
    """
    kinds = dict(kinds or {})
    for header, kind in kinds.items():
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} of column {header!r}: expected one of {KINDS}")
    forced_text = set(text_headers)
    if headers:
        forced_text.add(headers[0])
    rows = list(rows)
    width = len(headers)
    for number, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"row {number} ({row[0] if row else ''!r}) has {len(row)} cells for "
                f"{width} headers"
            )
    # zip(*rows) transposes in C: far cheaper than indexing cell by cell.
    cells_by_column = list(zip(*rows)) if rows else [() for _ in headers]
    columns = []
    for header, cells in zip(headers, cells_by_column):
        kind = TEXT if header in forced_text else kinds.get(header)
        columns.append(_typed(header, cells, kind))
    return columns


def _typed(header: str, cells: tuple, kind: Optional[str]) -> TypedColumn:
    # Decided on the set of the cells' types, not cell by cell: a column of 10,000 floats has
    # one type, and the per-cell work left is numpy's, in C.
    types = set(map(type, cells))
    text_types = {t for t in types if issubclass(t, str)}
    mask = _blanks(cells, text_types)
    numeric = all(t is NONE or t in text_types or _is_number_type(t) for t in types)
    if numeric and text_types:
        # Strings may only be blank ones here.
        numeric = all(blank for cell, blank in zip(cells, mask.tolist()) if isinstance(cell, str))
    if kind == NUMBER and not numeric:
        blanks = mask.tolist()
        position = next(
            n for n, cell in enumerate(cells) if not blanks[n] and not is_number(cell)
        )
        raise ValueError(
            f"column {header!r} is declared numeric but row {position} holds {cells[position]!r}"
        )
    if kind == NUMBER or (kind is None and numeric):
        return TypedColumn(header, NUMBER, _float_values(cells, mask), mask)
    if types <= {str, NONE}:
        values = ["" if cell is None else cell for cell in cells]
    else:
        values = [
            "" if blank else cell_text(cell) for cell, blank in zip(cells, mask.tolist())
        ]
    return TypedColumn(header, TEXT, values, mask)


NONE = type(None)


def _is_number_type(kind: type) -> bool:
    return issubclass(kind, numbers.Real) and not issubclass(kind, (bool, np.bool_))


def _blanks(cells: tuple, text_types: set) -> np.ndarray:
    objects = _objects(cells)
    mask = np.equal(objects, None)
    if text_types:
        mask |= objects == ""
    return mask


def _float_values(cells: tuple, mask: np.ndarray) -> np.ndarray:
    objects = _objects(cells)
    objects[mask] = 0.0
    # float() of each cell, as the CSV's repr(float(x)): numpy scalars and Python ints alike.
    return objects.astype(np.float64)


def _objects(cells: tuple) -> np.ndarray:
    # fromiter keeps each cell whole: np.array would read a tuple cell as a second dimension.
    return np.fromiter(cells, dtype=object, count=len(cells))
