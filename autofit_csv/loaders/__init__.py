"""
Per-fit file access: one interface over a fit folder and a database row.
"""
from autofit_csv.loaders.base import FitFiles, FitHandle, handles_from
from autofit_csv.loaders.database import DatabaseFitFiles
from autofit_csv.loaders.directory import DirectoryFitFiles

__all__ = ["FitFiles", "FitHandle", "handles_from", "DatabaseFitFiles", "DirectoryFitFiles"]


def files_for(handle: FitHandle) -> FitFiles:
    """
    A fresh ``FitFiles`` for the handle, reading from a folder or from the database.
    """
    if hasattr(handle.fit, "directory"):
        return DirectoryFitFiles(handle)
    return DatabaseFitFiles(handle)


__all__.append("files_for")
