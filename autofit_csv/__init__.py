"""
autofit_csv: one CSV (or DataFrame) from a folder or database full of PyAutoFit results.

Importing it registers ``af.AggregatorCSV``.
"""
import autofit as _af

from autofit_csv.columns import (
    ErrorColumn,
    FuncColumn,
    JsonColumn,
    LatentColumn,
    SamplesFuncColumn,
    ValueColumn,
)
from autofit_csv.errors import (
    AutofitCSVWarning,
    ColumnFunctionError,
    FolderError,
    ModelPathError,
)
from autofit_csv.table import AggregatorCSV

__version__ = "0.1.0"

# The plugin hook: ``import autofit_csv`` makes ``af.AggregatorCSV`` available, the way
# ``import hvplot.pandas`` registers an accessor. Nothing else of autofit is touched.
_af.AggregatorCSV = AggregatorCSV

__all__ = [
    "AggregatorCSV",
    "AutofitCSVWarning",
    "ColumnFunctionError",
    "FolderError",
    "ModelPathError",
    "ErrorColumn",
    "FuncColumn",
    "JsonColumn",
    "LatentColumn",
    "SamplesFuncColumn",
    "ValueColumn",
]
