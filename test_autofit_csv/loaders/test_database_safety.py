"""
``from_database`` reads a database and never writes it: files that are not autofit databases,
or need autofit's migration, are refused untouched; database errors name the file or URL with
the password masked; a locked file or a silent server fails within the timeout.
"""
import contextlib
import hashlib
import importlib.util
import io
import os
import shutil
import socket
import sqlite3
import struct
import threading
import time
import warnings
from pathlib import Path

import pytest

from autofit_csv import AggregatorCSV, AutofitCSVWarning, DatabaseError, UnreadableFileError
from test_autofit_csv.conftest import ER, OUTPUT, read_csv, scrape_into
from test_autofit_csv.loaders.test_discovery_faults import unreadable  # noqa: F401 (a fixture)

TIMEOUT = 2


def fingerprint(path: Path) -> tuple:
    """
    The bytes' hash and modification time of a file, and the names beside it (a journal or
    WAL file left behind is a write too).
    """
    return (
        hashlib.sha256(path.read_bytes()).hexdigest(),
        os.stat(path).st_mtime_ns,
        sorted(p.name for p in path.parent.iterdir()),
    )


def sqlite_tables(path: Path) -> list:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    finally:
        connection.close()


@pytest.fixture
def database_copy(sqlite_file, tmp_path) -> Path:
    """
    A private copy of the session's SQLite database, alone in its folder.
    """
    folder = tmp_path / "database"
    folder.mkdir()
    return Path(shutil.copy(sqlite_file, folder / "results.sqlite"))


def not_autofit_files(folder: Path) -> dict:
    """
    Files that are not autofit databases, each with words its error must contain.
    """
    folder.mkdir()
    (folder / "empty.sqlite").write_bytes(b"")
    (folder / "notes.sqlite").write_text("name,value\nlens,1.0\n")
    other = sqlite3.connect(folder / "other.sqlite")
    other.execute("CREATE TABLE catalogue (name TEXT, value REAL)")
    other.commit()
    other.close()
    dropped = sqlite3.connect(folder / "no_tables.db")
    dropped.execute("CREATE TABLE t (x)")
    dropped.execute("DROP TABLE t")
    dropped.commit()
    dropped.close()
    return {
        folder / "empty.sqlite": "is empty (0 bytes)",
        folder / "notes.sqlite": "is not a SQLite file",
        folder / "other.sqlite": "its tables are catalogue",
        folder / "no_tables.db": "it has no tables",
    }


def test_autofits_own_open_writes_to_a_file_that_is_not_its_database(tmp_path):
    # The hazard the next test guards against, shown on autofit itself.
    from autofit.database.aggregator.aggregator import Aggregator

    path = next(p for p in not_autofit_files(tmp_path / "files") if p.name == "other.sqlite")
    with contextlib.redirect_stdout(io.StringIO()):
        Aggregator.from_database(str(path)).session.close()
    # Its migration has added its revision table to the user's file.
    assert sqlite_tables(path) == ["catalogue", "revision"]


def test_file_that_is_not_an_autofit_database_is_refused_and_left_untouched(tmp_path):
    for path, reason in not_autofit_files(tmp_path / "files").items():
        before = fingerprint(path)
        time.sleep(0.01)  # a write now would show in the modification time
        with pytest.raises(DatabaseError) as raised:
            AggregatorCSV.from_database(path)
        message = str(raised.value)
        assert str(path) in message and reason in message
        assert "not an autofit database" in message or "is empty" in message
        assert fingerprint(path) == before


def test_folder_is_refused_with_a_pointer_to_from_directory(tmp_path):
    with pytest.raises(DatabaseError, match="is a folder.*from_directory") as raised:
        AggregatorCSV.from_database(tmp_path)
    assert str(tmp_path) in str(raised.value)
    with pytest.raises(DatabaseError, match="is a folder"):
        AggregatorCSV.from_database(f"sqlite:///{tmp_path}")


def test_missing_database_file_is_still_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"No database file at {tmp_path}/nothing.sqlite"):
        AggregatorCSV.from_database(tmp_path / "nothing.sqlite")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.unprivileged
def test_unreadable_file_is_refused_naming_it(database_copy, unreadable):
    unreadable(database_copy)
    with pytest.raises(DatabaseError, match="Cannot read the database file .*Permission denied") as raised:
        AggregatorCSV.from_database(database_copy)
    assert str(database_copy) in str(raised.value)


def saved_table(source, path: Path, **kwargs) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = AggregatorCSV.from_database(source, **kwargs)
        agg.add_column("er", model_path=ER, folder="source_lp[1]", error="values_at_sigma_3")
        agg.add_x3_columns_with_errors("n", samples_func=lambda s: (len(s.sample_list), 0, 1), folder="source_pix[2]")
        agg.add_info_column("band", key="band", folder="source_lp[1]")
        agg.save(path)
        agg.close()
    return read_csv(path)


def scrape_with_autofit_alone(path: Path, output: Path):
    """
    A new SQLite database filled by autofit's own scraper, as autofit leaves it: no revision
    table until autofit opens it again.
    """
    from autofit.database.aggregator.aggregator import Aggregator

    with contextlib.redirect_stdout(io.StringIO()):
        database = Aggregator.from_database(str(path))
        database.add_directory(str(output))
        database.session.commit()
        database.session.close()


@pytest.mark.parametrize("state", ["scraped by autofit", "migrated by autofit", "prepared by autofit_csv"])
def test_reading_an_autofit_database_writes_nothing(state, tmp_path):
    from autofit.database import open_database

    shutil.copytree(OUTPUT, tmp_path / "output")
    (tmp_path / "database").mkdir()
    path = tmp_path / "database" / "results.sqlite"
    if state == "prepared by autofit_csv":
        scrape_into(str(path), tmp_path / "output")
    else:
        scrape_with_autofit_alone(path, tmp_path / "output")
        # autofit's own open would add this table on the next read.
        assert "revision" not in sqlite_tables(path)
    if state == "migrated by autofit":
        open_database(str(path)).commit()
    assert ("revision" in sqlite_tables(path)) is (state != "scraped by autofit")
    before = fingerprint(path)
    time.sleep(0.01)
    rows = saved_table(path, tmp_path / "table.csv")
    assert fingerprint(path) == before
    assert [row["row"] for row in rows] == ["nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"]
    assert rows[0]["er"] and rows[0]["band"] and rows[1]["n"]


def test_database_of_an_older_autofit_is_refused_not_migrated(database_copy, tmp_path):
    # As an autofit from before its migration step that created the `fits` table left it:
    # without that table and, never migrated, without a revision table.
    connection = sqlite3.connect(database_copy)
    connection.execute("DROP TABLE fits")
    connection.execute("DROP TABLE IF EXISTS revision")
    connection.commit()
    connection.close()
    before = fingerprint(database_copy)
    with pytest.raises(DatabaseError, match=r"written by an older autofit \(it lacks fits\)") as raised:
        AggregatorCSV.from_database(database_copy)
    assert str(database_copy) in str(raised.value)
    assert "database.prepare(copy)" in str(raised.value)
    assert fingerprint(database_copy) == before
    # The remedy the message gives works.
    from autofit_csv import database

    copy = Path(shutil.copy(database_copy, tmp_path / "migrated.sqlite"))
    database.prepare(copy)
    agg = AggregatorCSV.from_database(copy)
    assert len(agg._index.fits) == 8
    agg.close()


def test_database_lacking_tables_of_the_revision_it_records_is_called_damaged(database_copy):
    from autofit.database.migration.steps import migrator

    connection = sqlite3.connect(database_copy)
    connection.execute("DROP TABLE fits")
    connection.execute("CREATE TABLE IF NOT EXISTS revision (revision_id VARCHAR PRIMARY KEY)")
    connection.execute("DELETE FROM revision")
    connection.execute("INSERT INTO revision VALUES (?)", (migrator.latest_revision.id,))
    connection.commit()
    connection.close()
    with pytest.raises(DatabaseError, match="is damaged or was not written by autofit: .*lacks fits"):
        AggregatorCSV.from_database(database_copy)


def test_database_recording_an_older_schema_revision_is_refused(database_copy):
    from autofit.database.migration.steps import migrator

    first_revision = next(iter(migrator.revisions)).id
    connection = sqlite3.connect(database_copy)
    connection.execute("CREATE TABLE IF NOT EXISTS revision (revision_id VARCHAR PRIMARY KEY)")
    connection.execute("DELETE FROM revision")
    connection.execute("INSERT INTO revision VALUES (?)", (first_revision,))
    connection.commit()
    connection.close()
    before = fingerprint(database_copy)
    with pytest.raises(DatabaseError, match="older autofit .*older revision"):
        AggregatorCSV.from_database(database_copy)
    assert fingerprint(database_copy) == before


def test_corrupt_sqlite_file_is_a_database_error_naming_it(database_copy):
    damaged = database_copy.with_name("damaged.sqlite")
    data = database_copy.read_bytes()
    damaged.write_bytes(data[:100] + bytes(range(256)) * ((len(data) - 100) // 256))
    with pytest.raises(DatabaseError) as raised:
        AggregatorCSV.from_database(damaged)
    assert str(damaged) in str(raised.value)
    assert isinstance(raised.value.__cause__, Exception)


def hold_exclusive_lock(path: Path) -> sqlite3.Connection:
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    return writer


def test_locked_sqlite_file_fails_within_the_timeout(database_copy):
    writer = hold_exclusive_lock(database_copy)
    try:
        start = time.monotonic()
        with pytest.raises(DatabaseError, match="is locked by another process") as raised:
            AggregatorCSV.from_database(database_copy, timeout=TIMEOUT)
        elapsed = time.monotonic() - start
    finally:
        writer.close()
    print(f"locked SQLite file: DatabaseError after {elapsed:.2f} s (timeout={TIMEOUT})")
    assert str(database_copy) in str(raised.value)
    assert TIMEOUT - 0.5 <= elapsed < TIMEOUT + 3


@pytest.mark.parametrize("strict", [False, True])
def test_lock_taken_while_building_stops_it_naming_the_file(strict, database_copy, tmp_path):
    agg = AggregatorCSV.from_database(database_copy, timeout=1, strict=strict)
    # Samples are loaded from the database while the table is built.
    agg.add_x3_columns_with_errors("n", samples_func=lambda s: (len(s.sample_list), 0, 1), folder="source_pix[2]")
    (tmp_path / "table.csv").write_text("previous\n")
    writer = hold_exclusive_lock(database_copy)
    try:
        # An outage is not one fit's problem: blank cells would replace a good catalogue.
        with pytest.raises(DatabaseError) as raised:
            agg.save(tmp_path / "table.csv")
    finally:
        writer.close()
        agg.close()
    assert f"The database file {database_copy} is locked" in str(raised.value)
    assert (tmp_path / "table.csv").read_text() == "previous\n"


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_executor_workers_open_the_database_read_only_too(database, database_copy, request):
    import sqlalchemy

    from autofit_csv.loaders.database import open_session

    source = database_copy if database == "sqlite" else request.getfixturevalue("postgres_url")
    agg = AggregatorCSV.from_database(source)
    # What an executor's worker is given, and how it opens it.
    session = open_session(agg._database_url)
    try:
        assert session.execute(sqlalchemy.text("SELECT count(*) FROM fit")).scalar() == 8
        with pytest.raises(DatabaseError, match="readonly database|read-only transaction"):
            session.execute(sqlalchemy.text("CREATE TABLE written (x integer)"))
    finally:
        session.close()
        session.bind.dispose()
        agg.close()


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10", True])
def test_timeout_must_be_a_positive_number(timeout, database_copy):
    with pytest.raises(ValueError, match="timeout"):
        AggregatorCSV.from_database(database_copy, timeout=timeout)


# ---------------------------------------------------------------------- PostgreSQL


@contextlib.contextmanager
def silent_server(handshake: bool):
    """
    A local TCP server that accepts connections and never answers; with ``handshake``, it
    first completes PostgreSQL's startup (no authentication) and then never answers a query.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # so that the serving thread sees `stop`
    stop = threading.Event()
    accepted = []

    def message(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("!I", len(body) + 4) + body

    def start_up(connection):
        def packet():
            (length,) = struct.unpack("!I", connection.recv(4, socket.MSG_WAITALL))
            return connection.recv(length - 4, socket.MSG_WAITALL)

        if struct.unpack("!I", packet()[:4])[0] == 80877103:  # SSLRequest: refuse, then start up
            connection.sendall(b"N")
            packet()
        connection.sendall(message(b"R", struct.pack("!I", 0)))  # authentication ok
        for key, value in [("server_version", "15.0"), ("client_encoding", "UTF8"),
                           ("standard_conforming_strings", "on"), ("DateStyle", "ISO, MDY"),
                           ("integer_datetimes", "on")]:
            connection.sendall(message(b"S", f"{key}\0{value}\0".encode()))
        connection.sendall(message(b"K", struct.pack("!II", 1, 2)) + message(b"Z", b"I"))

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)
            if handshake:
                try:
                    start_up(connection)
                except (OSError, struct.error):  # the client gave up
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize("handshake", [False, True], ids=["before connecting", "after connecting"])
def test_silent_postgresql_server_fails_within_the_timeout(handshake):
    with silent_server(handshake) as port:
        start = time.monotonic()
        with pytest.raises(DatabaseError) as raised:
            AggregatorCSV.from_database(f"postgresql://u:secret@127.0.0.1:{port}/db", timeout=TIMEOUT)
        elapsed = time.monotonic() - start
    print(f"silent PostgreSQL server ({'after' if handshake else 'before'} connecting): "
          f"DatabaseError after {elapsed:.2f} s (timeout={TIMEOUT})")
    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message
    assert "secret" not in message and "u:***@" in message
    assert "within" in message
    assert elapsed < TIMEOUT + 3


def test_refused_connection_names_the_url_without_its_password():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(DatabaseError, match=f"postgresql://me:\\*\\*\\*@127.0.0.1:{port}/lenses") as raised:
        AggregatorCSV.from_database(f"postgresql://me:hunter2@127.0.0.1:{port}/lenses")
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is not None


def test_plain_postgresql_url_uses_the_postgres_extras_driver(postgres_url, tmp_path):
    assert postgres_url.startswith("postgresql+psycopg://")
    plain = "postgresql://" + postgres_url.split("://", 1)[1]
    agg = AggregatorCSV.from_database(plain)
    if importlib.util.find_spec("psycopg2") is None:
        assert agg._aggregator.session.bind.dialect.driver == "psycopg"
    agg.close()
    assert saved_table(plain, tmp_path / "plain.csv") == saved_table(postgres_url, tmp_path / "driver.csv")


def test_postgresql_session_refuses_writes(postgres_url):
    import sqlalchemy

    agg = AggregatorCSV.from_database(postgres_url)
    try:
        with pytest.raises(DatabaseError, match="read-only transaction"):
            agg._aggregator.session.execute(sqlalchemy.text("CREATE TABLE written (x integer)"))
    finally:
        agg._aggregator.session.rollback()
        agg.close()
    assert "written" not in sqlalchemy.inspect(sqlalchemy.create_engine(postgres_url)).get_table_names()


def test_postgresql_table_locked_by_a_writer_fails_within_the_timeout(postgres_url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    writer = engine.connect()
    writer.execute(sqlalchemy.text("LOCK TABLE fit IN ACCESS EXCLUSIVE MODE"))
    try:
        start = time.monotonic()
        with pytest.raises(DatabaseError, match="within 2 s") as raised:
            AggregatorCSV.from_database(postgres_url, timeout=TIMEOUT)
        elapsed = time.monotonic() - start
    finally:
        writer.rollback()
        writer.close()
        engine.dispose()
    print(f"PostgreSQL table locked by a writer: DatabaseError after {elapsed:.2f} s (timeout={TIMEOUT})")
    assert "autofit_csv_test" in str(raised.value) or postgres_url.rsplit("/", 1)[-1] in str(raised.value)
    assert TIMEOUT - 0.5 <= elapsed < TIMEOUT + 3


def test_postgresql_database_without_autofit_tables_is_refused(postgres_url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("CREATE SCHEMA IF NOT EXISTS not_autofit"))
    engine.dispose()
    url = f"{postgres_url}?options=-csearch_path%3Dnot_autofit"
    with pytest.raises(DatabaseError, match="is not an autofit database: .*it has no tables") as raised:
        AggregatorCSV.from_database(url)
    assert "search_path" in str(raised.value)
