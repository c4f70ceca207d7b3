"""
A fit stored in autofit's database (SQLite file or any SQLAlchemy URL).
"""
import importlib.util
import math
import os
import re
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Union
from urllib.parse import quote, unquote

from autofit_csv.errors import DatabaseError, MissingFileError, UnreadableFileError, warn
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
            return self._stored(file, lambda: self.handle.autofit_fit.get_json(name.replace("/", ".")))
        except KeyError:
            raise MissingFileError(self.label, file, "is not stored in the database")

    def _stored(self, file: str, read):
        """
        ``read()``, a query of the database for one of this fit's files. A failure of the
        database itself (a lock, the server gone) is raised as it is, since it is not this
        fit's; anything else is this fit's file being unreadable.
        """
        try:
            return read()
        except (DatabaseError, KeyError):
            raise
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
        samples = self._stored(file, lambda: self.handle.autofit_fit.samples)
        if samples is None:
            raise MissingFileError(self.label, file, "is not stored in the database")
        if getattr(samples, "model", None) is None:
            samples.model = model
        _as_python_floats(samples.sample_list)
        return samples


def _as_python_floats(sample_list):
    """
    Turn the numpy scalars autofit's database hands back into the Python floats a folder fit's
    samples hold. A samples function then returns the same bytes on every backend: Python's
    ``sum`` adds floats with compensated summation but numpy scalars naively, so the last digit
    differed.
    """
    import numpy

    def plain(value):
        return float(value) if isinstance(value, numpy.floating) else value

    for sample in sample_list:
        sample.log_likelihood = plain(sample.log_likelihood)
        sample.log_prior = plain(sample.log_prior)
        sample.weight = plain(sample.weight)
        sample.kwargs = {key: plain(value) for key, value in sample.kwargs.items()}


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
    A SQLAlchemy session on an autofit database, for a worker process: no migration, no
    writing, errors named as in ``open_read_only``. A SQLite file keeps the busy timeout of
    the table's URL; a PostgreSQL server gets the default timeout.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(unquote(parsed.database.removeprefix("file:")))
        return Session(sqlite_engine(path, float(parsed.query.get("timeout", DEFAULT_TIMEOUT))))
    return Session(server_engine(url, masked_url(url), DEFAULT_TIMEOUT))


def database_source(filename_or_url: Union[str, os.PathLike]) -> Union[Path, str]:
    """
    The SQLite file (absolute, existing) or the URL of another database that
    ``filename_or_url`` names.

    A relative file name is relative to the working directory (autofit would look for it in its
    output folder), and a file that does not exist is an error (autofit would create an empty
    database there).

    Raises
    ------
    FileNotFoundError
        If the database file does not exist.
    DatabaseError
        If the path is a folder or another thing that is not a file, or cannot be looked at.
    """
    target = os.fspath(filename_or_url)
    if "://" in target and not target.startswith("sqlite:"):
        return target
    path = Path(target.split(":///", 1)[-1] if "://" in target else target).expanduser().resolve()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(
            f"No database file at {path}. AggregatorCSV.from_database reads an existing autofit "
            f"database; build one with autofit's Aggregator.from_database(...).add_directory(...)."
        ) from None
    except OSError as error:
        raise DatabaseError(f"Cannot read the database file {path}: {error.strerror}") from error
    if stat.S_ISDIR(mode):
        raise DatabaseError(
            f"{path} is a folder, not an autofit database file; for a folder of fits use "
            f"AggregatorCSV.from_directory."
        )
    if not stat.S_ISREG(mode):
        raise DatabaseError(f"{path} is not a regular file, so not an autofit database.")
    return path


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


# ---------------------------------------------------------------------- opening, read-only

#: Seconds ``from_database`` waits by default for a locked SQLite file or a silent server.
DEFAULT_TIMEOUT = 10.0

_SQLITE_HEADER = b"SQLite format 3\x00"

#: Tables every autofit database has: its fits and the model / instance objects they hold.
_AUTOFIT_TABLES = ("fit", "object")

#: PostgreSQL drivers whose connections take libpq's settings and have a socket to watch.
_LIBPQ_DRIVERS = ("psycopg", "psycopg2")

#: How much longer than its own statement_timeout a PostgreSQL server may stay silent before
#: the client closes the connection: a live server then stops the statement cleanly itself.
_SERVER_GRACE = 1.0

#: Seconds the watchdog's thread outlives the last statement it watched.
_IDLE_THREAD_LIFE = 0.2


def open_read_only(
    filename_or_url: Union[str, os.PathLike],
    timeout: float = DEFAULT_TIMEOUT,
    completed_only: bool = False,
):
    """
    autofit's database ``Aggregator`` over a SQLite file or a database URL, opened so that
    nothing is ever written to it.

    autofit's ``Aggregator.from_database`` migrates whatever it opens: it adds a ``revision``
    table even to a file that is not an autofit database before failing. Here the database is
    opened read-only (SQLite ``mode=ro``; PostgreSQL read-only transactions), checked to be an
    autofit database at autofit's current schema, and autofit's ``Aggregator`` is built on that
    session. Every database error of this engine, now or in later reads, becomes a
    ``DatabaseError`` naming the file or URL (password masked).

    Parameters
    ----------
    filename_or_url
        A SQLite file (relative to the working directory), ``sqlite:///...`` or another
        SQLAlchemy URL; ``postgresql://`` uses psycopg (v3) where psycopg2 is not installed.
    timeout
        Seconds to wait for a locked SQLite file, or for a PostgreSQL server to connect and
        to answer any one statement.
    completed_only
        Keep only fits autofit marked complete.

    Returns
    -------
    autofit.database.aggregator.aggregator.Aggregator

    Raises
    ------
    FileNotFoundError
        If a database file does not exist.
    DatabaseError
        If it is not an autofit database, needs autofit's migration, or cannot be read.
    ValueError
        If ``timeout`` is not a positive number of seconds.
    """
    import sqlalchemy
    from autofit.database.aggregator.aggregator import Aggregator

    number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not number or not 0 < timeout < math.inf:
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds")
    source = database_source(filename_or_url)
    if isinstance(source, Path):
        check_sqlite_file(source)
        label = str(source)
        engine = sqlite_engine(source, timeout)
    else:
        label = masked_url(source)
        engine = server_engine(source, label, timeout)
    try:
        check_autofit_schema(engine, label)
        session = sqlalchemy.orm.sessionmaker(bind=engine)()
        aggregator = Aggregator(session, label)
        if completed_only:
            aggregator = aggregator(aggregator.search.is_complete)
    except sqlalchemy.exc.SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(f"Cannot read the database {label}: {error}") from error
    except BaseException:
        engine.dispose()
        raise
    return aggregator


def check_sqlite_file(path: Path):
    """
    Raise a ``DatabaseError`` unless ``path`` starts like a SQLite database, reading only its
    first bytes (SQLite itself would take an empty file for an empty database).
    """
    try:
        with open(path, "rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise DatabaseError(f"Cannot read the database file {path}: {error.strerror}") from error
    if not header:
        raise DatabaseError(f"{path} is empty (0 bytes), not an autofit database.")
    if header != _SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not an autofit database: it is not a SQLite file (it does not start "
            f"with SQLite's header)."
        )


def check_autofit_schema(engine, label: str):
    """
    Raise a ``DatabaseError`` unless the database has autofit's tables, at the schema the
    installed autofit reads without migrating (a migration would write to it).
    """
    import sqlalchemy

    inspector = sqlalchemy.inspect(engine)
    tables = set(inspector.get_table_names())
    if not tables & set(_AUTOFIT_TABLES):
        found = f"its tables are {', '.join(sorted(tables))}" if tables else "it has no tables"
        needed = " or ".join(repr(table) for table in _AUTOFIT_TABLES)
        raise DatabaseError(
            f"{label} is not an autofit database: it has no {needed} table ({found})."
        )
    missing = _missing_from_schema(inspector, tables)
    revision = _revision_state(engine, tables)
    if missing and revision == "latest":
        raise DatabaseError(
            f"{label} is damaged or was not written by autofit: it records autofit's latest "
            f"schema revision but lacks {', '.join(missing)}."
        )
    if missing or revision == "older":
        what = f"it lacks {', '.join(missing)}" if missing else "it records an older revision"
        raise DatabaseError(
            f"{label} was written by an older autofit ({what}). Reading it needs autofit's "
            f"migration, which writes to the database, and AggregatorCSV never writes to one: "
            f"migrate a copy (autofit_csv.database.prepare(copy), or autofit's own "
            f"Aggregator.from_database(copy)) and read the copy."
        )


def _missing_from_schema(inspector, tables: set) -> list:
    """
    The tables, and the ``table.column`` names, of autofit's models that the database lacks.
    """
    from autofit.database.model import Base

    models = sorted(Base.metadata.tables.values(), key=lambda table: table.name)
    found = inspector.get_multi_columns(filter_names=[t.name for t in models if t.name in tables])
    present = {(table, column["name"]) for (_, table), cols in found.items() for column in cols}
    missing = [
        f"{table.name}.{column.name}" if table.name in tables else table.name
        for table in models
        for column in table.columns
        if (table.name, column.name) not in present
    ]
    return list(dict.fromkeys(missing))


def _revision_state(engine, tables: set) -> str:
    """
    What the database's ``revision`` table says of its schema: ``"latest"``, ``"older"`` (one
    of autofit's earlier revisions) or ``"unknown"`` (no table, no id, or an id this autofit
    does not know). A database autofit's scraper made has no ``revision`` table until autofit
    migrates it.
    """
    import sqlalchemy
    from autofit.database.migration.steps import migrator

    if "revision" not in tables:
        return "unknown"
    with engine.connect() as connection:
        recorded = connection.execute(sqlalchemy.text("SELECT revision_id FROM revision")).scalar()
    revisions = [revision.id for revision in migrator.revisions]
    if recorded == revisions[-1]:
        return "latest"
    return "older" if recorded in revisions else "unknown"


def sqlite_engine(path: Path, timeout: float):
    """
    A SQLAlchemy engine that opens ``path`` read-only, waiting ``timeout`` seconds for a lock.
    """
    import sqlalchemy

    # mode=ro: SQLite itself refuses every write, whatever autofit's ORM might try. All in the
    # URL, so that an executor's workers, which open the table's database by its URL, open it
    # read-only too. A URI file name needs its "?", "#", "%" and spaces escaped.
    url = f"sqlite:///file:{quote(str(path))}?mode=ro&timeout={timeout!r}&uri=true"
    engine = sqlalchemy.create_engine(url)
    sqlalchemy.event.listen(engine, "handle_error", _error_namer(str(path), timeout))
    return engine


def masked_url(url: str) -> str:
    """
    ``url`` with its password replaced by ``***``, for messages.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def driver_url(url):
    """
    ``url`` (a SQLAlchemy URL) with psycopg (v3, the ``postgres`` extra's driver) for a plain
    ``postgresql://`` URL, whose SQLAlchemy default is psycopg2, where psycopg2 is missing.
    """
    if url.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None:
        return url.set(drivername="postgresql+psycopg")
    return url


def server_engine(url: str, label: str, timeout: float):
    """
    A SQLAlchemy engine for a database server. PostgreSQL (psycopg or psycopg2) sessions are
    read-only, connect within ``timeout`` seconds and get an answer to every statement within
    it: the server cancels a statement at ``timeout`` (``statement_timeout``, which also
    bounds waiting for a lock), and a server that stays silent a second longer (hung, or its
    host gone) has its connection closed by the client.
    """
    import sqlalchemy
    from sqlalchemy.engine import make_url

    try:
        url = driver_url(make_url(url))
    except sqlalchemy.exc.ArgumentError as error:
        raise DatabaseError(f"{label} is not a database URL: {error}") from error
    libpq = url.get_backend_name() == "postgresql" and url.get_driver_name() in _LIBPQ_DRIVERS
    connect_args = {"connect_timeout": max(2, math.ceil(timeout))} if libpq else {}
    try:
        engine = sqlalchemy.create_engine(url, connect_args=connect_args)
    except ImportError as error:
        raise DatabaseError(
            f"Cannot open the database {label}: its driver is not installed ({error}). For "
            f"PostgreSQL: pip install 'autofit-csv[postgres]'."
        ) from error
    watchdog = None
    if libpq:
        watchdog = AnswerWatchdog(timeout + _SERVER_GRACE)
        watchdog.watch(engine)
        milliseconds = max(1, round(timeout * 1000))

        @sqlalchemy.event.listens_for(engine, "connect", insert=True)
        def _read_only_session(dbapi_connection, record):
            # Runs before SQLAlchemy's own first queries on the connection; the watchdog,
            # armed here, is disarmed by the watchdog's last "connect" listener.
            watchdog.arm(dbapi_connection)
            cursor = dbapi_connection.cursor()
            cursor.execute("SET default_transaction_read_only = on")
            cursor.execute(f"SET statement_timeout = {milliseconds}")
            cursor.close()
            dbapi_connection.commit()

    sqlalchemy.event.listen(engine, "handle_error", _error_namer(label, timeout, watchdog))
    return engine


def _error_namer(label: str, timeout: float, watchdog=None):
    """
    A ``handle_error`` listener that raises every error of an engine as a ``DatabaseError``
    naming the database and, for a lock or a silent server, the wait.
    """

    def name_error(context):
        original = context.original_exception
        text = " ".join(str(original).split()) or type(original).__name__
        if watchdog is not None and watchdog.recently_cut():
            message = (
                f"The database server of {label} did not answer within {watchdog.seconds:g} s; "
                f"the connection was closed. Pass a larger timeout= to wait longer."
            )
        elif "database is locked" in text:
            message = (
                f"The database file {label} is locked by another process writing to it; "
                f"waited {timeout:g} s. Pass a larger timeout= to wait longer."
            )
        elif "timeout" in text.lower():
            message = (
                f"No answer from the database {label} within {timeout:g} s ({text}). Pass a "
                f"larger timeout= to wait longer."
            )
        else:
            message = f"Cannot read the database {label}: {text}"
        raise DatabaseError(message) from (context.sqlalchemy_exception or original)

    return name_error


class AnswerWatchdog:
    """
    Closes the socket of a PostgreSQL connection whose server has not answered in time.

    PostgreSQL's ``statement_timeout`` is kept by the server, so it cannot stop a server that
    hangs; TCP keepalives are answered by the server host's kernel even while PostgreSQL is
    silent; libpq has no client-side timeout for a statement (measured: a server that
    accepts the connection and then never answers hangs a query for ever with all three set).
    Shutting the socket down under libpq makes its blocked wait fail at once, and SQLAlchemy
    then discards the connection.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._condition = threading.Condition()
        # id(DBAPI connection) -> [connection, deadline, depth]; only the outermost wait of a
        # connection sets its deadline.
        self._waits = {}
        self._thread = None
        self._last_cut = -math.inf

    def watch(self, engine):
        """
        Arm around every statement, commit and rollback of ``engine``'s dialect, and end the
        wait armed for a new connection once all of its "connect" listeners have run.
        """
        import sqlalchemy

        dialect = engine.dialect
        # Instance attributes of this engine's own dialect, so no other engine is touched.
        for name in ("do_execute", "do_execute_no_params", "do_executemany"):
            setattr(dialect, name, self._guarded(getattr(dialect, name), _cursor_connection))
        for name in ("do_commit", "do_rollback"):
            setattr(dialect, name, self._guarded(getattr(dialect, name), _first_argument))
        for name in ("do_close", "do_terminate"):
            setattr(dialect, name, self._forgetting(getattr(dialect, name)))
        sqlalchemy.event.listen(engine, "connect", lambda connection, _: self.disarm(connection))

    def arm(self, connection):
        connection = getattr(connection, "dbapi_connection", connection)
        with self._condition:
            wait = self._waits.setdefault(id(connection), [connection, None, 0])
            if wait[2] == 0:
                wait[1] = time.monotonic() + self.seconds
            wait[2] += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, daemon=True, name="autofit_csv database watchdog"
                )
                self._thread.start()

    def disarm(self, connection, forget: bool = False):
        connection = getattr(connection, "dbapi_connection", connection)
        with self._condition:
            wait = self._waits.get(id(connection))
            if wait is not None and wait[0] is connection:
                wait[2] -= 1
                if forget or wait[2] <= 0:
                    del self._waits[id(connection)]
                    if not self._waits:
                        self._condition.notify()  # no deadline left: start the idle countdown

    def recently_cut(self) -> bool:
        """
        Whether a connection was closed for silence in the last few seconds.
        """
        return time.monotonic() - self._last_cut < self.seconds

    def _guarded(self, method, connection_of):
        def guarded(*args, **kwargs):
            connection = connection_of(args)
            self.arm(connection)
            try:
                return method(*args, **kwargs)
            finally:
                self.disarm(connection)

        return guarded

    def _forgetting(self, method):
        def forgetting(connection, *args, **kwargs):
            self.disarm(connection, forget=True)
            return method(connection, *args, **kwargs)

        return forgetting

    def _run(self):
        # No arm needs to wake this thread: a new deadline (now + seconds) is never earlier
        # than the end of the current wait, which is at most `seconds` long. The thread ends
        # soon after the last wait (a fork() while threads run draws a warning) and
        # serves a whole build's statements until then (a thread per statement costs ~5%).
        with self._condition:
            while True:
                now = time.monotonic()
                for key, (connection, deadline, _) in list(self._waits.items()):
                    if deadline <= now:
                        del self._waits[key]
                        self._cut(connection)
                if self._waits:
                    self._condition.wait(min(wait[1] for wait in self._waits.values()) - now)
                    continue
                self._condition.wait(min(_IDLE_THREAD_LIFE, self.seconds))
                if not self._waits:
                    self._thread = None
                    return

    def _cut(self, connection):
        if connection.closed:
            return
        self._last_cut = time.monotonic()
        try:
            with socket.socket(fileno=os.dup(connection.fileno())) as duplicate:
                duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _cursor_connection(arguments):
    return arguments[0].connection


def _first_argument(arguments):
    return arguments[0]
