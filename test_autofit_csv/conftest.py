"""
Shared test fixtures: the real autofit output in ``fixtures/output`` and independent readers of
its JSON (the json module only, never autofit_csv), so expected values never come from the code
under test.
"""
import csv
import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

FIXTURES = Path(__file__).parent / "fixtures"
OUTPUT = FIXTURES / "output"
OUTPUT_RERUN = FIXTURES / "output_rerun"
REFERENCE = FIXTURES / "reference"

ER = "galaxies.lens.mass.einstein_radius"
EINSTEIN_MASS = "galaxies.lens.mass.einstein_mass"


def fit_folder(location: str, root: Path = OUTPUT) -> Path:
    """
    The identifier folder of the single unzipped fit at ``location``.
    """
    (folder,) = [p for p in (root / location).iterdir() if p.is_dir()]
    return folder


def read_json(location: str, name: str, root: Path = OUTPUT) -> dict:
    with open(fit_folder(location, root) / "files" / f"{name}.json") as file:
        return json.load(file)


def sample_value(location: str, path: str, section="median_pdf_sample", latent=False):
    """
    A value of a sample section, read with the json module.
    """
    raw = read_json(location, "latent/latent_summary" if latent else "samples_summary")
    return raw["arguments"][section]["arguments"]["kwargs"]["arguments"][path]


def interval(location: str, path: str, section: str, latent=False):
    raw = read_json(location, "latent/latent_summary" if latent else "samples_summary")
    return tuple(raw["arguments"][section]["arguments"][path]["values"])


def samples_column(location: str, path: str):
    """
    One parameter's column of a fit's samples.csv, read with the csv module and numpy.
    """
    import numpy as np

    with open(fit_folder(location) / "files" / "samples.csv", newline="") as file:
        rows = list(csv.reader(file))
    header = [h.strip() for h in rows[0]]
    return np.array([float(r[header.index(path)]) for r in rows[1:]])


def read_csv(path) -> list:
    """
    A CSV as a list of dicts of strings, read with the csv module.
    """
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def as_float(text: str):
    return None if text == "" else float(text)


@pytest.fixture
def output_copy(tmp_path) -> Path:
    """
    A private copy of the fixture output, for tests that change it or that let autofit unzip
    beside the zip.
    """
    target = tmp_path / "output"
    shutil.copytree(OUTPUT, target)
    return target


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    # autofit reads ./config and may write ./output: keep both away from the repository.
    monkeypatch.chdir(tmp_path)


def read_zipped_json(location: str, name: str, root: Path = OUTPUT) -> dict:
    """
    A JSON file of the fit kept only as a zip at ``location``.
    """
    import zipfile

    (zip_path,) = list((root / location).glob("*.zip"))
    with zipfile.ZipFile(zip_path) as archive:
        return json.loads(archive.read(f"files/{name}.json"))


def build(root=OUTPUT, **kwargs):
    """
    ``AggregatorCSV.from_directory`` on a fixture tree.
    """
    from autofit_csv import AggregatorCSV

    return AggregatorCSV.from_directory(root, **kwargs)


def table(agg, tmp_path, name="table.csv") -> dict:
    """
    Save ``agg`` and read it back as {row key: {header: text}}.
    """
    path = agg.save(tmp_path / name)
    return {row["row"]: row for row in read_csv(path)}


def rename_dataset(root: Path, old: str, new: str):
    """
    Move a dataset folder and make its fits' search.json agree (``unique_tag`` in both places
    autofit writes it), in folders and in zips, as if the fits had been run under that name.
    """
    import zipfile

    tag = new.rsplit("/", 1)[-1]
    os.rename(root / old, root / new)

    def retagged(data: bytes) -> bytes:
        search = json.loads(data)
        search["arguments"]["unique_tag"] = tag
        search["arguments"]["paths"]["arguments"]["unique_tag"] = tag
        return json.dumps(search).encode()

    for path in (root / new).glob("*/*/files/search.json"):
        path.write_bytes(retagged(path.read_bytes()))
    for path in (root / new).glob("*/*.zip"):
        with zipfile.ZipFile(path) as archive:
            entries = [(info, archive.read(info)) for info in archive.infolist()]
        with zipfile.ZipFile(path, "w") as archive:
            for info, data in entries:
                if info.filename == "files/search.json":
                    data = retagged(data)
                archive.writestr(info, data)


# ---------------------------------------------------------------------- database backends

POSTGRES_URL_VARIABLE = "AUTOFIT_CSV_POSTGRES_URL"
POSTGRES_HOW = (
    f"set {POSTGRES_URL_VARIABLE} to a PostgreSQL URL to run them, e.g. "
    f"`source .ci/postgres.sh && postgres_start` (as .ci/run does)"
)


def scrape_into(url_or_file: str, output: Path):
    """
    Fill an autofit database (prepared first if need be) from an output folder with
    ``autofit_csv.database``, which runs autofit's own scraper.
    """
    from autofit_csv import database

    database.prepare(url_or_file)
    database.add_directory(url_or_file, output)


def prepare_empty_database(url: str):
    """
    Give an empty database autofit's schema (autofit 2026.10.26.1 cannot for PostgreSQL).
    """
    from autofit_csv import database

    database.prepare(url)


@pytest.fixture(scope="session")
def sqlite_file(tmp_path_factory) -> Path:
    """
    A SQLite database built from a copy of the fixture output by autofit's scraper.
    """
    root = tmp_path_factory.mktemp("sqlite")
    shutil.copytree(OUTPUT, root / "output")
    path = root / "results.sqlite"
    scrape_into(str(path), root / "output")
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory) -> str:
    """
    The test PostgreSQL database, emptied and filled from the fixture output; skips (saying how
    to start a server) where none is configured.
    """
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        if os.environ.get("AUTOFIT_CSV_REQUIRE_POSTGRES"):
            pytest.fail(f"AUTOFIT_CSV_REQUIRE_POSTGRES is set but {POSTGRES_URL_VARIABLE} is not")
        pytest.skip(f"PostgreSQL tests need a server: {POSTGRES_HOW}")
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE"))
        connection.execute(sqlalchemy.text("CREATE SCHEMA public"))
    engine.dispose()
    prepare_empty_database(url)
    root = tmp_path_factory.mktemp("postgres")
    shutil.copytree(OUTPUT, root / "output")
    scrape_into(url, root / "output")
    return url


BACKENDS = ["folder", "sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def make(backend, request):
    """
    Makes an ``AggregatorCSV`` over the fixture output held by ``backend``: the folder itself,
    a SQLite file or a PostgreSQL database scraped from it.
    """
    from autofit_csv import AggregatorCSV

    if backend == "folder":
        return lambda **kwargs: AggregatorCSV.from_directory(OUTPUT, **kwargs)
    source = request.getfixturevalue("sqlite_file" if backend == "sqlite" else "postgres_url")
    return lambda **kwargs: AggregatorCSV.from_database(source, **kwargs)


_postgres_outcomes = {"passed": 0, "failed": 0, "skipped": 0}
_unprivileged_outcomes = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "unprivileged: needs file permissions to bind the test process (chmod 000 files); "
        "skips as root, and `make test` runs these again without root's permission override",
    )


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        if "postgres" in report.nodeid:
            _postgres_outcomes[report.outcome] += 1
        if "unprivileged" in report.keywords:
            _unprivileged_outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter):
    """
    Say how many tests ran against the real PostgreSQL server and how many permission tests
    ran where permissions bind, so a CI log shows both.
    """
    for label, counts in (
        ("PostgreSQL backend tests", _postgres_outcomes),
        ("Unprivileged (file permission) tests", _unprivileged_outcomes),
    ):
        terminalreporter.write_line(
            f"{label}: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
