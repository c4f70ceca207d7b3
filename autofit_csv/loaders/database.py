"""
A fit stored in autofit's database (SQLite file or any SQLAlchemy URL).
"""
import os
from pathlib import Path
from typing import Union

from autofit_csv.errors import MissingFileError, UnreadableFileError, warn
from autofit_csv.loaders.base import (
    FitFiles,
    FitHandle,
    join_location,
    location_from_search_json,
)


def database_handle(fit, index: int) -> FitHandle:
    """
    The handle of one database ``Fit``.

    autofit's scraper leaves ``fit.path_prefix`` empty; the prefix is in the stored search JSON.
    """
    location = None
    try:
        location = location_from_search_json(fit.get_json("search"))
    except KeyError:
        pass
    if location is None:
        location = join_location(fit.path_prefix, fit.unique_tag, fit.name)
    return FitHandle(
        autofit_fit=fit,
        location=location,
        index=index,
        label=f"database fit {fit.id} ({location})",
        completed=bool(fit.is_complete),
    )


class DatabaseFitFiles(FitFiles):
    """
    The files of a database fit: its stored JSON documents and samples.
    """

    def _read_json(self, name: str) -> dict:
        # The scraper names a document by its path below files/, with dots for slashes.
        file = f"files/{name}.json"
        try:
            return self.handle.autofit_fit.get_json(name.replace("/", "."))
        except KeyError:
            raise MissingFileError(self.label, file, "is not stored in the database")
        except Exception as error:
            raise UnreadableFileError(
                self.label,
                file,
                "could not be read from the database",
                f"{type(error).__name__}: {error}",
            ) from error

    def image_path(self, file: str) -> Path:
        """
        Never found: autofit's database keeps no images.

        Raises
        ------
        MissingFileError
            Always.
        """
        raise MissingFileError(
            self.label, f"image/{file}", "is not stored in the database (it keeps no images)"
        )

    def _read_samples(self, model):
        file = "files/samples.csv"
        try:
            samples = self.handle.autofit_fit.samples
        except Exception as error:
            raise UnreadableFileError(
                self.label,
                file,
                "could not be read from the database",
                f"{type(error).__name__}: {error}",
            ) from error
        if samples is None:
            raise MissingFileError(self.label, file, "is not stored in the database")
        if getattr(samples, "model", None) is None:
            samples.model = model
        return samples


def end_read_transaction(aggregator):
    """
    End the database transaction reading opened, keeping the loaded fits usable.

    A SQLite reader holds a lock for as long as its transaction is open, and autofit writes to
    the database (its migration) whenever one is opened: an idle table would block the next
    ``from_database`` on the same file. Committing with ``expire_on_commit`` off ends the
    transaction without making every loaded fit reload.
    """
    # vars(), not getattr(): a folder aggregator answers any attribute with a query predicate.
    # Nor an isinstance check: importing SQLAlchemy costs a folder table 0.2 s.
    session = vars(aggregator).get("session") if aggregator is not None else None
    if session is None or not callable(getattr(session, "commit", None)):
        return
    session.expire_on_commit = False
    session.commit()


def open_session(url: str):
    """
    A plain SQLAlchemy session on an autofit database, for a worker process: no migration, no
    writing.
    """
    import sqlalchemy
    from sqlalchemy.orm import Session

    return Session(sqlalchemy.create_engine(url))


def database_url(filename_or_url: Union[str, os.PathLike]) -> str:
    """
    What autofit's ``open_database`` should be given for a database file or URL.

    A file path becomes absolute (autofit would otherwise look for a relative ``.sqlite`` name
    in its output folder) and must exist (autofit would otherwise create an empty database).

    Raises
    ------
    FileNotFoundError
        If the database file does not exist.
    """
    target = os.fspath(filename_or_url)
    if "://" in target:
        if not target.startswith("sqlite:"):
            return target
        path = Path(target.split(":///", 1)[-1])
    else:
        path = Path(target).expanduser()
    path = path.resolve()
    if not path.is_file():
        raise FileNotFoundError(
            f"No database file at {path}. AggregatorCSV.from_database reads an existing autofit "
            f"database; build one with autofit's Aggregator.from_database(...).add_directory(...)."
        )
    # autofit opens a "*.sqlite" name as a file and anything else as a URL.
    return str(path) if path.suffix == ".sqlite" else f"sqlite:///{path}"


def warn_of_identifier_collisions(handles):
    """
    Warn where a database may have lost fits: autofit keys a fit by a hash of its model, search
    settings and ``unique_tag``, not ``path_prefix``, so datasets fitted alike without a
    ``unique_tag`` share one identifier and the scraper keeps one of them. The lost fits cannot
    be seen; fits of one search name without a ``unique_tag`` at several locations show the risk.
    """
    untagged = {}
    for handle in handles:
        if not handle.autofit_fit.unique_tag:
            untagged.setdefault(handle.autofit_fit.name, []).append(handle.location)
    for name, locations in sorted(untagged.items(), key=lambda item: str(item[0])):
        if len(locations) > 1:
            warn(
                f"{len(locations)} database fits of search {name!r} have no unique_tag "
                f"({', '.join(sorted(locations)[:5])}{', ...' if len(locations) > 5 else ''}). "
                f"autofit's database identifies a fit by its model, search settings and "
                f"unique_tag, not its path_prefix: other datasets fitted the same way were "
                f"probably merged into these when the database was filled. Give each dataset "
                f"its own unique_tag."
            )
