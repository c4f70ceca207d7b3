"""
Parquet: one float64 or string field per column, blank cells null, each field's description in
its metadata under ``description``.
"""
from pathlib import Path
from typing import Dict, List

from autofit_csv.formats.typed import TypedColumn


def arrow_table(columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    The columns as a ``pyarrow.Table``.

    Parameters
    ----------
    columns
        The typed columns.
    descriptions
        ``{header: text}``; a header without one gets no ``description`` metadata.

    Returns
    -------
    pyarrow.Table
    """
    import pyarrow

    arrays, fields = [], []
    for column in columns:
        kind = pyarrow.float64() if column.is_number else pyarrow.string()
        # The mask makes blanks null; a NaN value stays NaN (not null), as in the CSV.
        mask = column.mask if column.mask.any() else None
        arrays.append(pyarrow.array(column.values, type=kind, mask=mask))
        description = descriptions.get(column.header)
        metadata = {"description": description} if description else None
        fields.append(pyarrow.field(column.header, kind, nullable=True, metadata=metadata))
    return pyarrow.Table.from_arrays(arrays, schema=pyarrow.schema(fields))


def write_parquet(temporary: Path, columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    Write the columns as Parquet to ``temporary`` (the caller renames it into place).
    """
    import pyarrow.parquet

    pyarrow.parquet.write_table(arrow_table(columns, descriptions), str(temporary))
