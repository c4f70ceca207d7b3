"""
A fit stored in autofit's database (SQLite file or any SQLAlchemy URL).
"""
from autofit_csv.errors import MissingFileError
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
        fit=fit,
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
        try:
            return self.handle.fit.get_json(name.replace("/", "."))
        except KeyError:
            raise MissingFileError(
                self.label, f"files/{name}.json", "is not stored in the database"
            )

    def _read_samples(self, model):
        samples = self.handle.fit.samples
        if samples is None:
            raise MissingFileError(
                self.label,
                "files/samples.csv",
                "is not stored in the database, needed by a samples function",
            )
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
