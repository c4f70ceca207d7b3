"""
autofit_csv: one CSV (or DataFrame) from a folder or database full of PyAutoFit results.

Importing it registers ``af.AggregatorCSV``.
"""
import autofit as _af

from autofit_csv.columns import (
    Column,
    ComputedColumn,
    ErrorColumn,
    FuncColumn,
    ImageColumn,
    JsonColumn,
    LabelColumn,
    LatentColumn,
    SamplesFuncColumn,
    ValueColumn,
)
from autofit_csv.errors import (
    AutofitCSVWarning,
    ColumnFunctionError,
    DatabaseError,
    FitFileError,
    FolderError,
    InfoKeyError,
    MissingFileError,
    ModelPathError,
    UnreadableFileError,
    WorkerDiedError,
)
from autofit_csv.catalogue import CatalogueError
from autofit_csv.comparison import Comparison, compare
from autofit_csv.report import BuildReport
from autofit_csv.spec import SpecError
from autofit_csv.table import AggregatorCSV

__version__ = "0.1.0"

# The plugin hook: ``import autofit_csv`` makes ``af.AggregatorCSV`` available, the way
# ``import hvplot.pandas`` registers an accessor. Nothing else of autofit is touched.
_af.AggregatorCSV = AggregatorCSV

__all__ = [
    "AggregatorCSV",
    "BuildReport",
    "compare",
    "Comparison",
    "CatalogueError",
    "SpecError",
    "AutofitCSVWarning",
    "ColumnFunctionError",
    "DatabaseError",
    "FitFileError",
    "FolderError",
    "InfoKeyError",
    "MissingFileError",
    "ModelPathError",
    "UnreadableFileError",
    "WorkerDiedError",
    "Column",
    "ComputedColumn",
    "ErrorColumn",
    "FuncColumn",
    "ImageColumn",
    "JsonColumn",
    "LabelColumn",
    "LatentColumn",
    "SamplesFuncColumn",
    "ValueColumn",
]
