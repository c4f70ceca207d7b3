"""
Per-fit file access: one interface (``FitFiles``) over a fit folder and a database row.

This is the one seam where a backend is chosen: ``fits_from`` keeps the fits of an aggregator
(a ``FitList`` of ``FitHandle``), ``files_for`` gives a handle its reader.
"""
import os
from typing import List

from autofit_csv.loaders.base import FitFiles, FitHandle, is_folder_fit
from autofit_csv.loaders.database import DatabaseFitFiles, database_handle
from autofit_csv.loaders.directory import DirectoryFitFiles, FolderFits, directory_handle
from autofit_csv.loaders.fit_list import FitList, HandleList
from autofit_csv.loaders.folder_paths import FolderPaths
from autofit_csv.loaders.portable import PortableFit

__all__ = [
    "FitFiles",
    "FitHandle",
    "DatabaseFitFiles",
    "DirectoryFitFiles",
    "FitList",
    "PortableFit",
    "files_for",
    "fits_from",
]


def files_for(handle: FitHandle) -> FitFiles:
    """
    A fresh ``FitFiles`` for the handle, reading from a folder or from the database.
    """
    if handle.is_folder:
        return DirectoryFitFiles(handle)
    return DatabaseFitFiles(handle)


def fits_from(aggregator, root=None) -> FitList:
    """
    The fits of an autofit aggregator, folder- or database-backed, as a ``FitList``.

    A fit whose location cannot be read (no ``search.json``, or one without paths) is placed by
    its folder below the folder all the aggregator's fits share, or by its database identifier,
    so that two different fits never share a row by accident.

    Parameters
    ----------
    aggregator
        Any autofit aggregator; ``find_fits``'s is kept compactly (one string per fit).
    root
        The folder a folder aggregator scanned, if known: locations then come from the fits'
        folders instead of one ``search.json`` read per fit.
    """
    # vars(), not getattr(): an autofit aggregator answers any attribute with a query.
    temporary = vars(aggregator).get("_temporary_directory")
    directories = vars(aggregator).get("directories")
    if root is not None and isinstance(directories, FolderPaths):
        return FolderFits(directories, temporary)
    fits = list(aggregator)
    if root is not None and all(is_folder_fit(fit) for fit in fits):
        # A folder aggregator the user made: its fits are placed as find_fits' are. A sliced or
        # queried aggregator no longer holds the extraction its zipped fits are in; they do.
        if temporary is None:
            temporary = next(
                (f._temporary_directory for f in fits if getattr(f, "_temporary_directory", None)),
                None,
            )
        return FolderFits(
            FolderPaths(root, [str(fit.directory) for fit in fits]), temporary, search_outputs=fits
        )
    handles = [
        directory_handle(fit, index) if is_folder_fit(fit) else database_handle(fit, index)
        for index, fit in enumerate(fits)
    ]
    return HandleList(_placed(handles))


def _placed(handles: List[FitHandle]) -> List[FitHandle]:
    """
    ``handles`` with an empty location replaced by the fit's own place: its folder below the
    folders' common parent, or its database identifier.
    """
    unplaced = [h for h in handles if not h.location]
    if not unplaced:
        return handles
    folders = [h.folder for h in unplaced if h.is_folder]
    common = os.path.dirname(os.path.commonpath(folders)) if folders else ""
    placed = []
    for handle in handles:
        if not handle.location:
            if handle.is_folder:
                folder = os.path.relpath(handle.folder, common or os.sep)
                location = folder.replace(os.sep, "/")
            else:
                location = str(handle.autofit_fit.id)
            handle = FitHandle(
                handle.autofit_fit, location, handle.index, handle.label, handle.completed
            )
        placed.append(handle)
    return placed
