"""
The column classes composed by ``AggregatorCSV``; each says which file it reads and how one fit
becomes cells. A new kind is one module here and one ``AggregatorCSV.add(column)`` call.
"""
from autofit_csv.columns.base import Column, RowContext
from autofit_csv.columns.error import ERROR_KINDS, ErrorColumn
from autofit_csv.columns.func import ComputedColumn, FuncColumn
from autofit_csv.columns.image import ImageColumn
from autofit_csv.columns.json_column import JsonColumn
from autofit_csv.columns.label import LabelColumn
from autofit_csv.columns.samples_func import SamplesFuncColumn
from autofit_csv.columns.value import LatentColumn, SummaryColumn, ValueColumn

__all__ = [
    "Column",
    "RowContext",
    "ERROR_KINDS",
    "ErrorColumn",
    "ComputedColumn",
    "FuncColumn",
    "ImageColumn",
    "JsonColumn",
    "LabelColumn",
    "SamplesFuncColumn",
    "LatentColumn",
    "SummaryColumn",
    "ValueColumn",
]
