"""
Per-fit file access: one interface (``FitFiles``) over a fit folder and a database row.

This is the one seam where a backend is chosen: ``handles_from`` makes a ``FitHandle`` for every
fit of an aggregator, ``files_for`` gives a handle its reader.
"""
import os
from typing import Iterable, List

from autofit_csv.loaders.base import FitFiles, FitHandle, is_folder_fit
from autofit_csv.loaders.database import DatabaseFitFiles, database_handle
from autofit_csv.loaders.directory import (
    DirectoryFitFiles,
    directory_handle,
    directory_handles,
)
from autofit_csv.loaders.portable import PortableFit

__all__ = [
    "FitFiles",
    "FitHandle",
    "DatabaseFitFiles",
    "DirectoryFitFiles",
    "PortableFit",
    "files_for",
    "handles_from",
]


def files_for(handle: FitHandle) -> FitFiles:
    """
    A fresh ``FitFiles`` for the handle, reading from a folder or from the database.
    """
    if is_folder_fit(handle.autofit_fit):
        return DirectoryFitFiles(handle)
    return DatabaseFitFiles(handle)


def handles_from(aggregator: Iterable, root=None) -> List[FitHandle]:
    """
    A ``FitHandle`` for every fit of an autofit aggregator, folder- or database-backed.

    A fit whose location cannot be read (no ``search.json``, or one without paths) is placed by
    its folder below the folder all the aggregator's fits share, or by its database identifier,
    so that two different fits never share a row by accident.

    Parameters
    ----------
    aggregator
        Any autofit aggregator.
    root
        The folder a folder aggregator scanned, if known: locations then come from the fits'
        folders instead of one ``search.json`` read per fit.
    """
    fits = list(aggregator)
    if root is not None and all(is_folder_fit(fit) for fit in fits):
        return directory_handles(fits, root, vars(aggregator).get("directories"))
    handles = [
        directory_handle(fit, index) if is_folder_fit(fit) else database_handle(fit, index)
        for index, fit in enumerate(fits)
    ]
    return _placed(handles)


def _placed(handles: List[FitHandle]) -> List[FitHandle]:
    """
    ``handles`` with an empty location replaced by the fit's own place: its folder below the
    folders' common parent, or its database identifier.
    """
    unplaced = [h for h in handles if not h.location]
    if not unplaced:
        return handles
    folders = [h.folder for h in unplaced if is_folder_fit(h.autofit_fit)]
    common = os.path.dirname(os.path.commonpath(folders)) if folders else ""
    placed = []
    for handle in handles:
        if not handle.location:
            if is_folder_fit(handle.autofit_fit):
                folder = os.path.relpath(handle.folder, common or os.sep)
                location = folder.replace(os.sep, "/")
            else:
                location = str(handle.autofit_fit.id)
            handle = FitHandle(
                handle.autofit_fit, location, handle.index, handle.label, handle.completed
            )
        placed.append(handle)
    return placed
