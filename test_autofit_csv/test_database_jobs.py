"""
Many jobs, one database: ``autofit_csv.database.prepare`` / ``add_directory`` and the ``db``
commands, against a real PostgreSQL server (each test in a database of its own, created and
dropped here) and SQLite files.

Expected fits are counted from the folders with ``os.walk``; expected cells come from the
fixture JSON; the database's contents are read back with plain SQL.
"""
import contextlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import pytest

from autofit_csv import AggregatorCSV, AutofitCSVWarning
from autofit_csv import database
from test_autofit_csv.conftest import (
    EINSTEIN_MASS,
    ER,
    OUTPUT,
    POSTGRES_HOW,
    POSTGRES_URL_VARIABLE,
    as_float,
    read_csv,
    read_json,
    sample_value,
)

IDENTIFIER = re.compile(r"[0-9a-f]{32}")
REPOSITORY = Path(__file__).parent.parent


# ---------------------------------------------------------------------- databases


def server_url() -> str:
    """
    The test server's URL; fails (never skips) when AUTOFIT_CSV_REQUIRE_POSTGRES is set.
    """
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        if os.environ.get("AUTOFIT_CSV_REQUIRE_POSTGRES"):
            pytest.fail(f"AUTOFIT_CSV_REQUIRE_POSTGRES is set but {POSTGRES_URL_VARIABLE} is not")
        pytest.skip(f"PostgreSQL tests need a server: {POSTGRES_HOW}")
    return url


@pytest.fixture
def new_postgres_database():
    """
    Makes empty PostgreSQL databases of their own (not the one the ``postgres_url`` fixture
    fills) and drops them afterwards.
    """
    import sqlalchemy
    from sqlalchemy.engine import make_url

    server = make_url(server_url())
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    names = []

    def make() -> str:
        name = f"autofit_csv_jobs_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in names:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextlib.contextmanager
def engine_of(url: str):
    """
    A plain SQLAlchemy engine on a database URL or SQLite file, disposed afterwards.
    """
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list:
    import sqlalchemy

    with engine_of(url) as engine, engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]


def execute(url: str, *statements: str):
    import sqlalchemy

    with engine_of(url) as engine, engine.begin() as connection:
        for statement in statements:
            connection.execute(sqlalchemy.text(statement))


def columns(url: str, table: str) -> list:
    import sqlalchemy

    with engine_of(url) as engine:
        return sorted(column["name"] for column in sqlalchemy.inspect(engine).get_columns(table))


def table_sizes(url: str) -> dict:
    """
    The number of rows of every table of the database.
    """
    import sqlalchemy

    with engine_of(url) as engine:
        names = sqlalchemy.inspect(engine).get_table_names()
    return {name: query(url, f'SELECT count(*) FROM "{name}"')[0][0] for name in names}


# ---------------------------------------------------------------------- folders


@pytest.fixture
def jobs(tmp_path) -> Path:
    """
    A copy of the fixture output, the tree each job of a cluster writes one dataset of.
    """
    root = tmp_path / "jobs"
    shutil.copytree(OUTPUT, root)
    return root


def dataset_folders(root: Path) -> list:
    """
    One folder per dataset (``vis/lens_001``, ..., ``nir/lens_001``): what one job writes.
    """
    return sorted(str(path) for path in root.glob("*/*") if path.is_dir())


def fit_identifiers(root: Path) -> set:
    """
    The identifiers of the fits below ``root``, from folder and zip names, counted with os.walk.
    """
    found = set()
    for _, directories, files in os.walk(root):
        found.update(name for name in directories if IDENTIFIER.fullmatch(name))
        found.update(name[:-4] for name in files if name.endswith(".zip") and IDENTIFIER.fullmatch(name[:-4]))
    return found


def stored_identifiers(url: str) -> list:
    return sorted(row[0] for row in query(url, "SELECT id FROM fit"))


# ---------------------------------------------------------------------- tables


def define(agg):
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]", error="values_at_sigma_1")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    agg.add_info_column("er_true", key="einstein_radius_true", folder="source_lp[1]")
    return agg


def csv_bytes(agg, path: Path) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # vis/lens_004 never finished
        return define(agg).save(path).read_bytes()


def assert_database_gives_folder_csv(url: str, root: Path, tmp_path: Path):
    from_folder = csv_bytes(AggregatorCSV.from_directory(root), tmp_path / "folder.csv")
    from_database = csv_bytes(AggregatorCSV.from_database(url), tmp_path / "database.csv")
    assert from_database == from_folder
    rows = {row["row"]: row for row in read_csv(tmp_path / "database.csv")}
    assert sorted(rows) == ["nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"]
    # Not two empty tables: cells read independently from the fixture JSON.
    assert as_float(rows["vis/lens_001"]["er"]) == sample_value("vis/lens_001/source_lp[1]", ER)
    assert as_float(rows["vis/lens_003"]["mass"]) == sample_value(
        "vis/lens_003/source_pix[2]", EINSTEIN_MASS, latent=True
    )
    assert rows["nir/lens_001"]["band"] == read_json("nir/lens_001/source_lp[1]", "info")["band"]


# ---------------------------------------------------------------------- processes


def _job(barrier, results, index: int, action: str, url: str, folders: list):
    """
    One cluster job: waits until every job is ready, then prepares the database or adds its
    folders, and reports what happened and when.
    """
    # What a job that has just run its fit has imported already: not part of the timings.
    import autofit.database.aggregator.scrape  # noqa: F401
    import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

    barrier.wait()
    start = time.time()
    try:
        if action == "prepare":
            outcome = database.prepare(url)
        else:
            added, already_stored = [], []
            for folder in folders:
                result = database.add_directory(url, folder)
                added += result.added
                already_stored += result.already_stored
            outcome = (added, already_stored)
        results.put((index, start, time.time(), outcome, None))
    except BaseException as error:  # reported to the test, which fails on it
        results.put((index, start, time.time(), None, repr(error)))


def at_once(action: str, url: str, folders_per_job: list, timings: list = None) -> list:
    """
    Run one job per entry of ``folders_per_job`` in processes of their own, all released at
    once, and return their outcomes in job order.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(folders_per_job))
    results = context.Queue()
    processes = [
        context.Process(target=_job, args=(barrier, results, index, action, url, folders))
        for index, folders in enumerate(folders_per_job)
    ]
    launched = time.time()
    for process in processes:
        process.start()
    reports = sorted(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    errors = [error for *_, error in reports if error]
    assert not errors, errors
    assert [process.exitcode for process in processes] == [0] * len(processes)
    starts = [start for _, start, _, _, _ in reports]
    ends = [end for _, _, end, _, _ in reports]
    # Really concurrent: every job had started before the first one finished.
    assert max(starts) < min(ends)
    if timings is not None:
        timings.append(
            {
                "action": action,
                "jobs": len(processes),
                "start_up_s": round(min(starts) - launched, 2),
                "per_job_s": [round(end - start, 2) for _, start, end, _, _ in reports],
                "wall_s": round(max(ends) - min(starts), 2),
            }
        )
    return [outcome for _, _, _, outcome, _ in reports]


def report_timings(timings: list):
    for timing in timings:
        print(f"\n[database jobs] {timing}")


# ---------------------------------------------------------------------- PostgreSQL


def test_postgres_four_jobs_at_once_give_the_folder_csv(new_postgres_database, jobs, tmp_path):
    url = new_postgres_database()
    assert database.prepare(url) is True
    folders = dataset_folders(jobs)
    assert len(folders) == 5
    per_job = [folders[0::4], folders[1::4], folders[2::4], folders[3::4]]
    timings = []
    outcomes = at_once("add", url, per_job, timings)
    report_timings(timings)

    added = [label for added, _ in outcomes for label in added]
    assert [stored for _, stored in outcomes] == [[], [], [], []]
    expected = fit_identifiers(jobs)
    assert len(expected) == 8
    assert sorted(re.search(r"\(fit (\w+)\)", label).group(1) for label in added) == sorted(expected)
    assert stored_identifiers(url) == sorted(expected)
    assert_database_gives_folder_csv(url, jobs, tmp_path)


def test_postgres_prepare_is_idempotent_also_at_once(new_postgres_database, jobs):
    from autofit.database.migration.steps import migrator

    latest = migrator.latest_revision.id
    url = new_postgres_database()
    assert [database.prepare(url) for _ in range(3)] == [True, False, False]
    assert query(url, "SELECT revision_id FROM revision") == [(latest,)]

    database.add_directory(url, jobs)
    sizes = table_sizes(url)
    assert sizes["fit"] == 8
    assert database.prepare(url) is False
    assert table_sizes(url) == sizes

    timings = []
    url = new_postgres_database()
    assert sorted(at_once("prepare", url, [[]] * 3, timings)) == [False, False, True]
    report_timings(timings)
    assert query(url, "SELECT revision_id FROM revision") == [(latest,)]
    assert database.add_directory(url, jobs / "nir").added


def test_postgres_adding_needs_a_prepared_database(new_postgres_database, jobs):
    url = new_postgres_database()
    with pytest.raises(database.DatabaseNotPreparedError, match="has no autofit revision.*db init"):
        database.add_directory(url, jobs / "nir")
    assert query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_postgres_bool_fix_stays_in_its_own_session(new_postgres_database, jobs):
    """
    After add_directory ran in this process, autofit's own scraper on another session still
    meets PostgreSQL's refusal of bools in a float column: nothing was registered globally.
    """
    import sqlalchemy
    from sqlalchemy.orm import Session
    from autofit.database.aggregator.scrape import Scraper

    url = new_postgres_database()
    database.prepare(url)
    assert database.add_directory(url, jobs / "nir").added
    other = new_postgres_database()
    database.prepare(other)
    engine = sqlalchemy.create_engine(other)
    try:
        with Session(engine) as session:
            Scraper(str(jobs / "nir"), session).scrape()
            with pytest.raises(sqlalchemy.exc.ProgrammingError, match="double precision.*boolean"):
                session.commit()
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- both databases


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(request, tmp_path):
    """
    A database name or URL where nothing exists yet: a SQLite file name or an empty PostgreSQL
    database.
    """
    if request.param == "sqlite":
        return str(tmp_path / "jobs.sqlite")
    return request.getfixturevalue("new_postgres_database")()


def test_folder_added_twice_and_by_four_jobs_at_once_is_stored_once(new_database, jobs, tmp_path):
    url = new_database
    database.prepare(url)
    expected = fit_identifiers(jobs)
    timings = []
    # Four jobs at once, each adding the whole tree: every fit is wanted by all of them.
    outcomes = at_once("add", url, [[str(jobs)]] * 4, timings)
    report_timings(timings)
    added = sorted(label for added, _ in outcomes for label in added)
    assert len(added) == len(expected) == len(set(added))
    for job_added, job_stored in outcomes:
        assert sorted(job_added + job_stored) == added
    assert query(url, "SELECT count(*) FROM fit") == [(len(expected),)]

    # Twice more, one after the other: nothing is added, nothing changes.
    sizes = table_sizes(url)
    for _ in range(2):
        result = database.add_directory(url, jobs / "vis" / "lens_002")
        assert result.added == []
        assert len(result.already_stored) == len(fit_identifiers(jobs / "vis" / "lens_002")) == 2
    assert table_sizes(url) == sizes
    assert stored_identifiers(url) == sorted(expected)
    # The zipped fit was read from a temporary extraction, not unzipped beside its zip.
    assert [p.name for p in (jobs / "vis" / "lens_002" / "source_pix[2]").iterdir()] == [
        "379dbedceaaa75a7e2bba269a8a10ecb.zip"
    ]
    assert_database_gives_folder_csv(url, jobs, tmp_path)


def test_sequential_jobs_give_the_folder_csv(new_database, jobs, tmp_path):
    assert database.prepare(new_database) is True
    for folder in dataset_folders(jobs):
        database.add_directory(new_database, folder)
    assert stored_identifiers(new_database) == sorted(fit_identifiers(jobs))
    assert_database_gives_folder_csv(new_database, jobs, tmp_path)


def test_nested_info_is_stored_whole_and_said(new_database, tmp_path):
    folder = tmp_path / "nested" / "vis" / "lens_001"
    shutil.copytree(OUTPUT / "vis" / "lens_001", folder)
    for info_json in folder.glob("*/*/files/info.json"):
        raw = json.loads(info_json.read_text())
        raw["survey"] = {"band": raw["band"], "year": 2026}
        info_json.write_text(json.dumps(raw))
    database.prepare(new_database)
    with pytest.warns(Warning) as caught:
        database.add_directory(new_database, folder)
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning))
    assert len(messages) == 2
    assert messages[0].startswith("vis/lens_001/source_lp[1] (fit 462e8246c6b616c1a03f65dafc180bff): "
                                  "info['survey'] is a nested dict")
    assert messages[1].startswith("vis/lens_001/source_pix[2] (fit 683bcd47c52bfb56658bddc627e0a7c9): ")

    def nested(agg):
        agg.add_info_column("survey_band", key="survey.band", folder="source_lp[1]")
        agg.add_info_column("survey_year", key="survey.year", folder="source_pix[2]")
        return agg.save(tmp_path / "nested.csv").read_bytes()

    from_folder = nested(AggregatorCSV.from_directory(tmp_path / "nested"))
    assert from_folder == nested(AggregatorCSV.from_database(new_database))
    assert read_csv(tmp_path / "nested.csv") == [{"row": "vis/lens_001", "survey_band": "vis", "survey_year": "2026"}]
    # autofit's queryable info table holds the JSON text.
    assert ('{"band": "vis", "year": 2026}',) in query(new_database, "SELECT value FROM info WHERE key = 'survey'")


# ---------------------------------------------------------------------- SQLite


def test_prepare_leaves_an_autofit_made_sqlite_file_alone(tmp_path, jobs):
    import contextlib
    import io

    from autofit.database.aggregator.aggregator import Aggregator
    from autofit.database.migration.steps import migrator

    path = str(tmp_path / "autofit.sqlite")
    with contextlib.redirect_stdout(io.StringIO()):
        made = Aggregator.from_database(path)  # a new file: autofit's tables, no revision yet
        made.add_directory(str(jobs / "vis" / "lens_001"))
        made.session.close()
    before = table_sizes(path)
    assert "revision" not in before and before["fit"] == 2
    assert database.prepare(path) is True  # only the revision is new
    after = table_sizes(path)
    assert after.pop("revision") == 1 and after == before

    with contextlib.redirect_stdout(io.StringIO()):
        reopened = Aggregator.from_database(path)  # autofit's migration finds nothing to do
        reopened.session.close()
    assert query(path, "SELECT revision_id FROM revision") == [(migrator.latest_revision.id,)]
    sizes = table_sizes(path)
    assert database.prepare(path) is False
    assert table_sizes(path) == sizes


def test_prepare_brings_an_older_schema_to_the_latest(new_database):
    from autofit.database.migration.steps import migrator

    latest = migrator.latest_revision.id
    revisions = list(migrator.revisions)
    assert revisions[-1].id == latest and revisions[-1].steps[-1].strings == (
        "ALTER TABLE hdu ADD COLUMN is_primary BOOLEAN;",
    )
    database.prepare(new_database)
    database.add_directory(new_database, OUTPUT / "nir")
    current = columns(new_database, "hdu")
    # The database as the revision before the last left it.
    execute(new_database, "ALTER TABLE hdu DROP COLUMN is_primary",
            f"UPDATE revision SET revision_id = '{revisions[-2].id}'")
    assert "is_primary" not in columns(new_database, "hdu")
    with pytest.raises(database.DatabaseNotPreparedError, match=f"is at revision \\['{revisions[-2].id}'\\]"):
        database.add_directory(new_database, OUTPUT / "vis")

    assert database.prepare(new_database) is True
    assert columns(new_database, "hdu") == current
    assert query(new_database, "SELECT revision_id FROM revision") == [(latest,)]
    assert database.prepare(new_database) is False

    # autofit's tables without a revision table (as autofit leaves a new SQLite file).
    sizes = table_sizes(new_database)
    execute(new_database, "DROP TABLE revision")
    assert database.prepare(new_database) is True
    assert table_sizes(new_database) == sizes
    assert query(new_database, "SELECT revision_id FROM revision") == [(latest,)]
    assert len(database.add_directory(new_database, OUTPUT / "vis").added) == 7

    # A revision this autofit does not know is left alone.
    execute(new_database, "UPDATE revision SET revision_id = 'from-a-newer-autofit'")
    with pytest.raises(database.DatabaseRevisionError, match="does not know"):
        database.prepare(new_database)
    assert query(new_database, "SELECT revision_id FROM revision") == [("from-a-newer-autofit",)]


def test_adding_to_a_missing_sqlite_file_creates_nothing(tmp_path):
    with pytest.raises(database.DatabaseNotPreparedError, match="No database file at .*db init"):
        database.add_directory(tmp_path / "missing.sqlite", OUTPUT / "nir")
    assert not (tmp_path / "missing.sqlite").exists()
    with pytest.raises(FileNotFoundError, match="No output folder"):
        database.add_directory(tmp_path / "missing.sqlite", tmp_path / "no_such_folder")


def test_passwords_are_masked():
    assert database.masked("postgresql+psycopg://me:s3cret@db.example/lenses") == (
        "postgresql+psycopg://me:***@db.example/lenses"
    )
    assert "s3cret" not in database.masked("postgresql://me:s3cret@db.example:notaport/lenses")
    assert database.masked("results.sqlite") == "results.sqlite"


# ---------------------------------------------------------------------- command line


def db_command(*arguments, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autofit_csv", "db", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), "PYAUTO_SKIP_WORKSPACE_VERSION_CHECK": "1"},
        timeout=300,
    )


def test_postgres_command_line_exit_codes(new_postgres_database, jobs, tmp_path):
    url = new_postgres_database()

    done = db_command("add", url, jobs / "nir", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "has no autofit revision" in done.stderr and "db init" in done.stderr

    done = db_command("init", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(": prepared")
    done = db_command("init", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "already prepared" in done.stdout

    done = db_command("add", url, jobs / "vis", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "added 7 fit(s)" in done.stdout and "0 already stored" in done.stdout
    done = db_command("add", url, jobs, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "added 1 fit(s)" in done.stdout and "7 already stored" in done.stdout
    assert query(url, "SELECT count(*) FROM fit") == [(8,)]

    # Bad arguments: 2.
    for arguments in [("add", url), ("init",), ("drop", url), ("add", url, tmp_path / "no_such_folder"),
                      ("init", "nosuchdialect://host/db")]:
        done = db_command(*arguments, cwd=tmp_path)
        assert done.returncode == 2, (arguments, done.stderr)
    assert "no output folder" in db_command("add", url, tmp_path / "no_such_folder", cwd=tmp_path).stderr

    # A database that cannot be reached: 1, named with its password masked.
    unreachable = "postgresql+psycopg://me:s3cret@127.0.0.1:1/lenses"
    done = db_command("init", unreachable, cwd=tmp_path)
    assert done.returncode == 1
    assert "postgresql+psycopg://me:***@127.0.0.1:1/lenses" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
    done = db_command("add", tmp_path / "missing.sqlite", jobs, cwd=tmp_path)
    assert done.returncode == 1 and "No database file" in done.stderr


def test_command_line_on_a_sqlite_file(jobs, tmp_path):
    done = db_command("init", "results.sqlite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = db_command("add", "results.sqlite", jobs, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stored_identifiers(str(tmp_path / "results.sqlite")) == sorted(fit_identifiers(jobs))


def test_one_bad_fit_does_not_cost_the_folder(new_database, jobs, tmp_path):
    # A corrupt zip and a fit whose summary autofit cannot parse: the others are stored.
    (jobs / "vis" / "lens_003" / "bad.zip").write_bytes(b"PK\x03\x04 not a zip")
    summary = next((jobs / "vis" / "lens_001" / "source_lp[1]").glob("*/files/samples_summary.json"))
    summary.write_text('{"type": "instance", "class_path": "no.such.Class", "arguments": {')
    database.prepare(new_database)
    with pytest.warns(Warning, match=r"not stored"):
        result = database.add_directory(new_database, jobs)
    skipped = dict(result.skipped)
    assert any(path.endswith("bad.zip") and reason.startswith("bad zip") for path, reason in skipped.items())
    bad_fit = [label for label in skipped if "vis/lens_001/source_lp[1]" in label]
    assert bad_fit and skipped[bad_fit[0]].startswith("not stored: autofit could not scrape it")
    expected = set(fit_identifiers(jobs)) - {summary.parent.parent.name}
    assert set(stored_identifiers(new_database)) == expected
