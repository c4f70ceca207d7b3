"""
Filling an autofit database from job outputs: the write path, for many cluster jobs and one
PostgreSQL server (a SQLite file works too).

``prepare(url)`` gives a database autofit's schema and revision, once; ``add_directory(url,
folder)`` puts one job's fits in it with autofit's own scraper. Both are safe to run from many
processes at once and to repeat. ``add_db_subcommands`` wires ``autofit-csv db init URL`` and
``autofit-csv db add URL FOLDER``; ``python -m autofit_csv.database db ...`` runs them meanwhile.

This is not ``autofit_csv.loaders.database``, which reads databases and never writes.

How concurrent writers are kept apart:

- PostgreSQL: each call is one transaction, and transaction-scoped advisory locks
  (``pg_advisory_xact_lock``) serialise only what can collide. ``prepare`` holds one exclusive
  lock while it creates tables (two ``CREATE TABLE`` at once would fail), and ``add_directory``
  holds it shared, so it waits for a running ``prepare`` but never for another job. Then
  ``add_directory`` locks each of its fits' identifiers, in one global order (so two jobs
  sharing fits cannot deadlock), before asking which of them are already stored: a second job
  adding the same fit waits for the first one's commit, then sees the fit and leaves it. Jobs with
  different fits never wait for each other. The locks end with the transaction, also when a job
  dies (the server ends its session), so nothing is left to clean up. A unique constraint alone
  would refuse the duplicate too, but as an error that fails the whole job.
- SQLite: ``BEGIN IMMEDIATE`` takes the file's write lock at the start of the transaction, so
  the check and the insert cannot interleave with another writer's; others wait (busy timeout).
"""
import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Tuple, Union

from autofit_csv.errors import warn

#: Seconds a SQLite writer waits for another one's lock before giving up.
SQLITE_BUSY_TIMEOUT = 600

#: The lock ``prepare`` holds exclusively and ``add_directory`` shared.
_SCHEMA_LOCK_NAME = "autofit_csv schema"


class DatabaseNotPreparedError(RuntimeError):
    """
    ``add_directory`` was given a database that ``prepare`` has not set up (or a SQLite file that
    does not exist).
    """


class DatabaseRevisionError(RuntimeError):
    """
    The database is at an autofit schema revision that this autofit does not know (written by a
    newer autofit).
    """


@dataclass
class AddedFits:
    """
    What one ``add_directory`` call did.

    Attributes
    ----------
    added
        ``location (fit identifier)`` of every fit it stored.
    already_stored
        The same for fits the database held already, left unchanged.
    """

    added: List[str] = field(default_factory=list)
    already_stored: List[str] = field(default_factory=list)
    #: ``(path or fit, reason)`` of what could not be stored: entries discovery could not read
    #: (bad zips, unreadable folders, fit folders without search.json) and fits autofit's
    #: scraper failed on. The other fits are stored all the same.
    skipped: List[Tuple[str, str]] = field(default_factory=list)


# ------------------------------------------------------------------------------- URLs


def masked(target: Union[str, os.PathLike]) -> str:
    """
    A database file or URL as it may be printed: any password replaced by ``***``.
    """
    text = os.fspath(target)
    if "://" not in text:
        return text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Unparsable, but it may still hold ``user:password@``.
        return re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", text)


def _url(target: Union[str, os.PathLike]):
    """
    The SQLAlchemy URL of a database file path (relative to the working directory) or URL.

    Raises
    ------
    ValueError
        If ``target`` is not a valid URL, or is an in-memory SQLite database (which no other
        process can see).
    """
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    text = os.fspath(target)
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as error:
        raise ValueError(f"not a database URL: {error}") from None
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite database cannot be shared; give a file")
    return url


def _sqlite_file(url) -> Optional[Path]:
    """
    The file of a SQLite URL; None for other databases.
    """
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database)


def _open_engine(target, create_file: bool):
    """
    An engine of its own for one call: no pool kept open, and on SQLite immediate transactions.

    Parameters
    ----------
    target
        A database file path or URL.
    create_file
        Whether a SQLite file that does not exist may be created.

    Raises
    ------
    DatabaseNotPreparedError
        If the SQLite file does not exist and ``create_file`` is False.
    FileNotFoundError
        If the folder meant to hold a new SQLite file does not exist.
    """
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    url = _url(target)
    path = _sqlite_file(url)
    if path is None:
        return sqlalchemy.create_engine(url, poolclass=NullPool)
    if not path.exists():
        if not create_file:
            raise DatabaseNotPreparedError(
                f"No database file at {path}: create it first with "
                f"autofit_csv.database.prepare (autofit-csv db init)."
            )
        if not path.parent.is_dir():
            raise FileNotFoundError(f"No folder {path.parent} to create the database {path.name} in")
    engine = sqlalchemy.create_engine(
        url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}
    )
    # pysqlite begins transactions late and deferred; SQLAlchemy's documented recipe hands the
    # transaction to us so the write lock is taken at its start. Listeners on this engine only.
    sqlalchemy.event.listen(engine, "connect", _sqlite_without_implicit_transactions)
    sqlalchemy.event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_without_implicit_transactions(dbapi_connection, connection_record):
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection):
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# ------------------------------------------------------------------------------- locks


def _lock_key(name: str) -> int:
    """
    A PostgreSQL advisory lock key (signed 64 bits) for a name; names that collide only share
    a lock, which costs waiting, never correctness.
    """
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock(connection, names: Iterable[str], shared: bool = False):
    """
    Hold PostgreSQL advisory locks on ``names`` until the transaction ends, taken in key order
    so that two transactions wanting overlapping sets cannot deadlock. Other databases: nothing
    (SQLite's ``BEGIN IMMEDIATE`` already holds the whole file).
    """
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    for key in sorted({_lock_key(name) for name in names}):
        connection.execute(text(f"SELECT {function}(:key)"), {"key": key})


# ------------------------------------------------------------------------------- prepare


def _stored_revisions(connection) -> Optional[list]:
    """
    The rows of autofit's ``revision`` table; None if there is no such table.
    """
    import sqlalchemy

    if not sqlalchemy.inspect(connection).has_table("revision"):
        return None
    return list(connection.execute(sqlalchemy.text("SELECT revision_id FROM revision")).scalars())


def prepare(target: Union[str, os.PathLike]) -> bool:
    """
    Give a database autofit's schema and its latest revision, so that autofit and
    ``add_directory`` can use it. Run it once per database; running it again, or on a database
    autofit already set up, changes nothing. It never drops or rewrites data.

    autofit 2026.10.26.1 sets up only new SQLite files by itself: on an empty PostgreSQL database
    its migration expects SQLite's error for the missing ``revision`` table and fails.

    Parameters
    ----------
    target
        A SQLite file (created if it does not exist; relative to the working directory) or a
        SQLAlchemy URL such as ``postgresql+psycopg://user@host/db`` (the database must exist).

    Returns
    -------
    bool
        True if the database was changed, False if it was ready already.

    Raises
    ------
    DatabaseRevisionError
        If the database is at a revision this autofit does not know (left unchanged).
    sqlalchemy.exc.SQLAlchemyError
        If the database cannot be reached or written.
    """
    import sqlalchemy
    from autofit.database.migration.steps import migrator
    from autofit.database.model import Base

    latest = migrator.latest_revision.id
    engine = _open_engine(target, create_file=True)
    try:
        with engine.begin() as connection:
            _lock(connection, [_SCHEMA_LOCK_NAME])
            revisions = _stored_revisions(connection)
            if revisions == [latest]:
                return False
            known = {revision.id for revision in migrator.revisions} | {None}
            if revisions and (len(revisions) > 1 or revisions[0] not in known):
                raise DatabaseRevisionError(
                    f"{masked(target)} is at autofit database revision {revisions}, which this "
                    f"autofit does not know (a newer autofit?); it was left unchanged."
                )
            had_tables = sqlalchemy.inspect(connection).has_table("fit")
            # Only missing tables, in their latest shape.
            Base.metadata.create_all(connection)
            if had_tables:
                _apply_steps(connection, migrator.get_steps(revisions[0] if revisions else None))
            if revisions is None:
                connection.execute(
                    sqlalchemy.text("CREATE TABLE revision (revision_id VARCHAR PRIMARY KEY)")
                )
            statement = "UPDATE revision SET revision_id = :id" if revisions else (
                "INSERT INTO revision (revision_id) VALUES (:id)"
            )
            connection.execute(sqlalchemy.text(statement), {"id": latest})
            return True
    finally:
        engine.dispose()


def _apply_steps(connection, steps):
    """
    Run autofit's migration steps on tables that may already have some of them, as autofit's
    own migration does: a statement that fails (its column or table is there already) is
    skipped. autofit skips only SQLite's kind of error and, on PostgreSQL, would leave the
    transaction aborted; a savepoint per statement makes the skip work on both.
    """
    import sqlalchemy

    for step in steps:
        for statement in step.strings:
            try:
                with connection.begin_nested():
                    connection.execute(sqlalchemy.text(statement))
            except sqlalchemy.exc.DBAPIError:
                pass


# ------------------------------------------------------------------------------- add_directory


def _check_prepared(connection, target):
    from autofit.database.migration.steps import migrator

    revisions = _stored_revisions(connection)
    if revisions != [migrator.latest_revision.id]:
        state = "has no autofit revision" if not revisions else f"is at revision {revisions}"
        raise DatabaseNotPreparedError(
            f"{masked(target)} {state}, not autofit's latest ({migrator.latest_revision.id}): "
            f"run autofit_csv.database.prepare on it (autofit-csv db init) first."
        )


def _fit_label(search_output) -> str:
    from autofit_csv.loaders.directory import directory_handle

    return f"{directory_handle(search_output, 0).location} (fit {search_output.id})"


def _first_of_each_identifier(search_outputs: list) -> list:
    """
    The search outputs with distinct identifiers, warning about the rest: the database keys a
    fit by its identifier, so only one of them can be stored.
    """
    kept = {}
    for search_output in search_outputs:
        first = kept.setdefault(search_output.id, search_output)
        if first is not search_output:
            warn(
                f"{_fit_label(search_output)} has the identifier of {_fit_label(first)}; the "
                f"database keeps one fit per identifier, so only the first was added. Give each "
                f"dataset its own unique_tag."
            )
    return list(kept.values())


def _scraper(folder_aggregator, session, directory):
    """
    autofit's ``Scraper`` over search outputs chosen beforehand.

    Its constructor would walk the folder once more, unzipping each zip beside itself, where two
    jobs adding the same folder would race on the extracted files.
    """
    from autofit.database.aggregator.scrape import Scraper

    scraper = Scraper.__new__(Scraper)
    scraper.directory = directory
    scraper.session = session
    scraper.reference = None
    scraper.aggregator = folder_aggregator
    return scraper


def _make_storable(labels: dict):
    """
    A ``before_flush`` listener for one session that turns what autofit's scraper hands over
    into what every database accepts:

    - a Python bool kept as a model value goes into a float column: SQLite takes it as 0/1,
      PostgreSQL refuses it, so it becomes 0.0 / 1.0 (what SQLite gives back anyway);
    - a nested dict or a list in ``info`` goes into the string column of autofit's info table
      (``fit.info``, what ``database.info[...]`` queries see): no driver can store it there, so it
      becomes its JSON text, with a warning. The whole ``info`` is stored intact as ``info.json``
      beside it, which is what autofit_csv's info columns read.
    """
    from autofit.database.model.fit import Fit
    from autofit.database.model.instance import Value

    def listener(session, flush_context, instances):
        for item in session.new:
            if isinstance(item, Value) and type(item.value) is bool:
                item.value = float(item.value)
            elif isinstance(item, Fit):
                for info in item._info:
                    if isinstance(info.value, (dict, list, tuple)):
                        kind = "a nested dict" if isinstance(info.value, dict) else "a list"
                        info.value = json.dumps(info.value)
                        warn(
                            f"{labels.get(item.id, f'fit {item.id}')}: info[{info.key!r}] is "
                            f"{kind}, which autofit's info table cannot hold; it is stored there "
                            f"as the JSON text {info.value} (what database.info queries compare). "
                            f"The complete info is stored too (info.json)."
                        )

    return listener


def add_directory(target: Union[str, os.PathLike], folder: Union[str, os.PathLike]) -> AddedFits:
    """
    Store the fits of one output folder (a job's own fits, zipped or not, finished or not) in a
    database that ``prepare`` set up, with autofit's own scraper. Many jobs may call it at once
    on one PostgreSQL database. A fit the database holds already (same identifier) is left as
    it is: adding a folder twice stores each fit once.

    Zipped fits are extracted into a temporary folder, never beside the zip. Unlike autofit's
    scraper, nothing registered here outlives the call or touches other sessions.

    Parameters
    ----------
    target
        A SQLite file (relative to the working directory) or a SQLAlchemy URL.
    folder
        The output folder, searched recursively.

    Returns
    -------
    AddedFits
        The fits stored and the fits found already stored.

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a folder.
    DatabaseNotPreparedError
        If ``prepare`` has not set the database up.
    sqlalchemy.exc.SQLAlchemyError
        If the database cannot be reached or written; nothing of this call is stored then.

    Warns
    -----
    AutofitCSVWarning
        Naming the fit: ``info`` values autofit's info table cannot hold (stored as JSON text);
        two fits of the folder with one identifier (the first is stored); a fit stored as
        unfinished that has finished since (left unchanged).
    """
    from autofit_csv.loaders.discovery import find_fits

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No output folder {folder}")
    engine = _open_engine(target, create_file=False)
    try:
        # autofit_csv's own walk: one bad zip or unreadable folder is recorded, not fatal.
        found = find_fits(folder)
        with found:  # removes the temporary extraction
            result = _store(engine, target, found, folder)
        result.skipped = list(found.skipped) + result.skipped
        if result.skipped:
            named = ", ".join(path for path, _ in result.skipped[:5])
            warn(
                f"{len(result.skipped)} fit(s) or entries of {folder} not stored ({named}"
                f"{', ...' if len(result.skipped) > 5 else ''}); the other fits were. First: "
                f"{result.skipped[0][1]}"
            )
        return result
    finally:
        engine.dispose()


def _store(engine, target, found, folder: Path) -> AddedFits:
    """
    Store the fits of ``found`` the database does not hold yet, in one transaction.
    """
    import sqlalchemy
    from sqlalchemy.orm import Session
    from autofit.aggregator.aggregator import Aggregator as FolderAggregator
    from autofit.database.model.fit import Fit

    search_outputs = _first_of_each_identifier(found.search_outputs)
    labels = {search_output.id: _fit_label(search_output) for search_output in search_outputs}
    identifiers = list(labels) + [grid.id for grid in found.grid_search_outputs]
    result = AddedFits()
    with Session(engine) as session, session.begin():
        connection = session.connection()
        _lock(connection, [_SCHEMA_LOCK_NAME], shared=True)
        _check_prepared(connection, target)
        _lock(connection, identifiers)
        stored = dict(
            session.execute(
                sqlalchemy.select(Fit.id, Fit.is_complete).where(Fit.id.in_(identifiers))
            ).all()
        )
        new = []
        for search_output in search_outputs:
            label = labels[search_output.id]
            if search_output.id not in stored:
                new.append(search_output)
                result.added.append(label)
                continue
            result.already_stored.append(label)
            if not stored[search_output.id] and search_output.is_complete:
                warn(
                    f"{label} is stored as unfinished and has finished since; stored fits are "
                    f"left unchanged, so the database keeps the unfinished one."
                )
        new_grids = [grid for grid in found.grid_search_outputs if grid.id not in stored]
        sqlalchemy.event.listen(session, "before_flush", _make_storable(labels))
        # One savepoint per fit: a fit autofit's scraper fails on is left out, not the folder.
        for search_output in new:
            try:
                with session.begin_nested(), contextlib.redirect_stdout(io.StringIO()):
                    _scraper(FolderAggregator([search_output], []), session, folder).scrape()
            except Exception as error:
                label = labels[search_output.id]
                result.added.remove(label)
                result.skipped.append(
                    (label, f"not stored: autofit could not scrape it ({type(error).__name__}: {error})")
                )
        if new_grids:
            with session.begin_nested(), contextlib.redirect_stdout(io.StringIO()):
                _scraper(FolderAggregator([], new_grids), session, folder).scrape()
    result.added.sort()
    result.already_stored.sort()
    return result


# ------------------------------------------------------------------------------- command line

#: Exit codes of the ``db`` commands.
EXIT_OK, EXIT_DATABASE_ERROR, EXIT_BAD_ARGUMENTS = 0, 1, 2


def add_db_subcommands(subparsers):
    """
    Add ``db init URL`` and ``db add URL FOLDER`` to a command line.

    Each leaf parser sets ``handler``: call ``args.handler(args)`` and exit with what it returns
    (0 success, 1 database error, 2 bad arguments; argparse itself exits 2 on a malformed line).

    Parameters
    ----------
    subparsers
        What ``argparse.ArgumentParser.add_subparsers()`` returned.
    """
    db = subparsers.add_parser(
        "db",
        help="fill an autofit database (SQLite file or PostgreSQL) from output folders",
        description="Fill an autofit database from output folders; safe from many jobs at once.",
    )
    commands = db.add_subparsers(dest="db_command", metavar="{init,add}", required=True)
    init = commands.add_parser(
        "init",
        help="give a database autofit's schema (once; repeating it changes nothing)",
        description="Give a database autofit's schema and revision. Idempotent; never drops data.",
    )
    init.add_argument("url", help="SQLAlchemy URL, or a SQLite file (created if missing)")
    init.set_defaults(handler=run_init)
    add = commands.add_parser(
        "add",
        help="add the fits of an output folder (fits already stored are left as they are)",
        description="Add the fits of an output folder to a database that `db init` set up.",
    )
    add.add_argument("url", help="SQLAlchemy URL, or a SQLite file")
    add.add_argument("folder", help="output folder, searched recursively (zips included)")
    add.set_defaults(handler=run_add)


def run_init(args: argparse.Namespace) -> int:
    """
    ``db init URL``: ``prepare(URL)``; returns the exit code.
    """
    def call():
        changed = prepare(args.url)
        state = "prepared" if changed else "already prepared, left unchanged"
        print(f"{masked(args.url)}: {state}")

    return _run("db init", args.url, None, call)


def run_add(args: argparse.Namespace) -> int:
    """
    ``db add URL FOLDER``: ``add_directory(URL, FOLDER)``; returns the exit code.
    """
    def call():
        result = add_directory(args.url, args.folder)
        print(
            f"{masked(args.url)}: added {len(result.added)} fit(s) from {args.folder}, "
            f"{len(result.already_stored)} already stored"
            + (f", {len(result.skipped)} not stored (see the warning)" if result.skipped else "")
        )

    return _run("db add", args.url, args.folder, call)


def _run(command: str, target: str, folder: Optional[str], call) -> int:
    """
    Check the arguments, then run ``call``, turning errors into a message naming the database
    (password masked) and an exit code.
    """
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

    def fail(reason: str, code: int) -> int:
        if password:
            reason = reason.replace(password, "***")
        print(f"autofit-csv {command}: {masked(target)}: {reason}", file=sys.stderr)
        return code

    password = None
    try:
        password = _url(target).password
    except ValueError as error:
        return fail(str(error), EXIT_BAD_ARGUMENTS)
    if folder is not None and not Path(folder).is_dir():
        return fail(f"no output folder {folder}", EXIT_BAD_ARGUMENTS)
    try:
        call()
        return EXIT_OK
    except NoSuchModuleError as error:  # an unknown dialect in the URL
        return fail(str(error), EXIT_BAD_ARGUMENTS)
    except ModuleNotFoundError as error:
        return fail(
            f"{error}: the URL's database driver is not installed (for PostgreSQL: "
            f"pip install 'autofit-csv[postgres]' and a postgresql+psycopg:// URL)",
            EXIT_DATABASE_ERROR,
        )
    except (SQLAlchemyError, DatabaseNotPreparedError, DatabaseRevisionError, OSError) as error:
        return fail(str(error), EXIT_DATABASE_ERROR)


def main(argv: Optional[List[str]] = None) -> int:
    """
    ``python -m autofit_csv.database db init URL`` / ``db add URL FOLDER``, until the
    ``autofit-csv`` command line carries them.
    """
    parser = argparse.ArgumentParser(prog="python -m autofit_csv.database")
    add_db_subcommands(parser.add_subparsers(dest="command", metavar="db", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
