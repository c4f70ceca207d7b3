"""
A fit as an address that any process or machine can open: a folder, a zip, or a database id.

An executor's workers (Dask, MPI, a process pool) get ``PortableFit`` objects, never autofit's
live objects: a database session or an unzipped temporary folder does not survive the trip.
Each worker opens what it is sent once per process.
"""
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

from autofit_csv.loaders.base import FitHandle

#: Per worker process: zips extracted, path -> (version, fit folder, temporary folder). Per
#: thread of a worker: database sessions opened (a SQLAlchemy session must not be used by two
#: threads at once, as a thread pool or a Dask worker with several threads would).
_EXTRACTED: Dict[str, tuple] = {}
_EXTRACTING = threading.Lock()
_THREAD = threading.local()
_KEEP_ALIVE = []


@dataclass(frozen=True)
class PortableFit:
    """
    Where a fit is, in a form that can be sent to another process.

    Attributes
    ----------
    kind
        ``"folder"``, ``"zip"`` or ``"database"``.
    where
        The fit's folder, the zip, or the database URL.
    ident
        The database fit's identifier (empty otherwise).
    location, index, label, completed
        As the ``FitHandle`` it was made from.
    """

    kind: str
    where: str
    ident: str
    location: str
    index: int
    label: str
    completed: Optional[bool] = None

    @classmethod
    def of(cls, handle: FitHandle, database_url: Optional[str]) -> "PortableFit":
        """
        The portable form of a handle.

        Raises
        ------
        ValueError
            A database fit of a table that does not know its database URL.
        """
        if handle.is_folder:
            if handle.is_zipped:
                # A zipped fit: its label is the zip's place in the user's tree.
                kind, where = "zip", handle.label
            else:
                kind, where = "folder", handle.folder
            return cls(kind, where, "", handle.location, handle.index, handle.label, handle.completed)
        if not database_url:
            raise ValueError(
                "an executor needs the database URL to send database fits to its workers; "
                "make the table with AggregatorCSV.from_database(url)"
            )
        return cls(
            "database",
            database_url,
            str(handle.autofit_fit.id),
            handle.location,
            handle.index,
            handle.label,
            handle.completed,
        )

    def open(self) -> FitHandle:
        """
        The ``FitHandle`` of this fit in this process.
        """
        if self.kind == "database":
            fit = _session(self.where).get(_fit_class(), self.ident)
            if fit is None:
                raise LookupError(f"{self.label}: no fit {self.ident} in the database")
        else:
            folder = self.where if self.kind == "folder" else str(_extracted(self.where))
            return FitHandle(
                None, self.location, self.index, self.label, self.completed, directory=folder
            )
        return FitHandle(fit, self.location, self.index, self.label, self.completed)


def _fit_class():
    from autofit.database.model.fit import Fit

    return Fit


def _session(url: str):
    sessions = vars(_THREAD).setdefault("sessions", {})
    if url not in sessions:
        from autofit_csv.loaders.database import open_session

        sessions[url] = open_session(url)
    return sessions[url]


def _extracted(zip_path: str) -> Path:
    """
    The folder a zipped fit is extracted to in this process (once per version of the zip: a
    worker that outlives a build must not serve a zip rewritten since), holding its ``files/``.
    """
    with _EXTRACTING:
        return _extract_once(zip_path)


def _extract_once(zip_path: str) -> Path:
    """
    ``_extracted``'s work, under its lock; an older version's folder is removed.
    """
    stat = os.stat(zip_path)
    version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    known = _EXTRACTED.get(zip_path)
    if known is not None and known[0] == version:
        return known[1]
    if known is not None:
        known[2].cleanup()
        _KEEP_ALIVE.remove(known[2])
    import multiprocessing.util
    import tempfile

    target = tempfile.TemporaryDirectory(prefix="autofit_csv_worker_")
    _KEEP_ALIVE.append(target)
    # A process pool's worker ends without running atexit (fork, forkserver), where the
    # folder's own clean-up waits: multiprocessing runs this one as the worker ends.
    multiprocessing.util.Finalize(target, target.cleanup, exitpriority=0)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target.name)
    folder = Path(target.name)
    for directory, folders, _ in os.walk(target.name):
        if "files" in folders:
            folder = Path(directory)
            break
    _EXTRACTED[zip_path] = (version, folder, target)
    return folder
