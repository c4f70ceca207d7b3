"""
``executor=``: any ``concurrent.futures.Executor`` builds the same bytes as a serial build, with
fits sent as paths or database ids; warnings reach the caller; a lost worker is an error.
Tested with a spawned process pool (nothing inherited) and a real Dask ``LocalCluster``.
"""
import multiprocessing
import multiprocessing.util
import os
import shutil
import time
import warnings
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

import pytest

from autofit_csv import AggregatorCSV, WorkerDiedError
from test_autofit_csv.worker_functions import WorkerWarning, doubled, doubled_with_a_warning
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT

# The test process, as its workers see it (a spawned worker imports this module afresh):
# functions below misbehave only elsewhere.
os.environ.setdefault("AUTOFIT_CSV_TEST_PARENT", str(os.getpid()))


def dies_in_a_worker(instance):
    if str(os.getpid()) != os.environ["AUTOFIT_CSV_TEST_PARENT"]:
        os._exit(7)
    return 1.0


def spread(samples):
    values = [v[0] for v in samples.parameter_lists[:20]]
    return sum(values) / len(values), min(values), max(values)


def define(agg, function=doubled):
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]", use_max_lh_instance=True)
    agg.add_column("x2", latent_func=function, folder="source_pix[2]")
    agg.add_x3_columns_with_errors("s", spread, folder="source_pix[2]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    return agg


def saved(make, path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = define(make(**kwargs))
        data = agg.save(path).read_bytes()
    return data, [(w.category, str(w.message)) for w in caught], agg.report.to_dict()


@pytest.fixture(scope="module")
def spawned_pool():
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.mark.parametrize("backend", ["folder", "sqlite"])
def test_process_pool_gives_the_serial_bytes(backend, sqlite_file, spawned_pool, tmp_path):
    if backend == "folder":
        make = lambda **kwargs: AggregatorCSV.from_directory(OUTPUT, **kwargs)
    else:
        make = lambda **kwargs: AggregatorCSV.from_database(sqlite_file, **kwargs)
    serial = saved(make, tmp_path / "serial.csv")
    pooled = saved(make, tmp_path / "pooled.csv", executor=spawned_pool)
    assert pooled[0] == serial[0]
    assert pooled[1] == serial[1]
    assert pooled[2] == serial[2]
    # The zipped fit (vis/lens_002/source_pix[2]) is read by the workers too.
    assert b"vis/lens_002," in pooled[0]


def test_worker_warnings_reach_the_caller_with_their_category(spawned_pool, tmp_path):
    agg = define(AggregatorCSV.from_directory(OUTPUT, executor=spawned_pool), doubled_with_a_warning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg.save(tmp_path / "t.csv")
    assert any(w.category is WorkerWarning and str(w.message) == "said in a worker" for w in caught)


def test_a_lost_worker_is_an_error_not_a_hang(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("previous\n")
    agg = define(AggregatorCSV.from_directory(OUTPUT), dies_in_a_worker)
    start = time.monotonic()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        agg.executor = pool
        with pytest.raises(WorkerDiedError, match=r"died or was lost.*source_pix\[2\]"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                agg.save(path)
    assert time.monotonic() - start < 30
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_a_lambda_on_a_process_pool_is_a_clear_error(spawned_pool, tmp_path):
    agg = AggregatorCSV.from_directory(OUTPUT, executor=spawned_pool)
    agg.add_column("x", latent_func=lambda instance: 1.0, folder="source_lp[1]")
    with pytest.raises(WorkerDiedError, match="must be defined at module level"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            agg.save(tmp_path / "t.csv")


@pytest.fixture(scope="module")
def dask_client():
    # Installed with the test extra: a missing Dask fails here, it never skips.
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("backend", ["folder", "sqlite"])
def test_dask_local_cluster_gives_the_serial_bytes(backend, sqlite_file, dask_client, tmp_path):
    if backend == "folder":
        make = lambda **kwargs: AggregatorCSV.from_directory(OUTPUT, **kwargs)
    else:
        make = lambda **kwargs: AggregatorCSV.from_database(sqlite_file, **kwargs)
    serial = saved(make, tmp_path / "serial.csv")
    on_dask = saved(make, tmp_path / "dask.csv", executor=dask_client.get_executor())
    assert on_dask[0] == serial[0]
    assert on_dask[2] == serial[2]


def test_dask_sends_lambdas(dask_client, tmp_path):
    agg = AggregatorCSV.from_directory(OUTPUT, executor=dask_client.get_executor())
    agg.add_column("x", latent_func=lambda instance: 3.0 * instance.galaxies.lens.mass.einstein_radius, folder="source_lp[1]")
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = list(agg.rows())
    for row in rows:
        if row["er"] is not None:
            assert row["x"] == pytest.approx(3.0 * row["er"], rel=1e-12)


def test_forked_processes_give_the_serial_bytes_on_every_backend(make, tmp_path):
    # Database fits reach forked workers as addresses: each opens its own session.
    serial = saved(make, tmp_path / "serial.csv")
    forked = saved(make, tmp_path / "forked.csv", processes=2)
    assert forked[0] == serial[0]
    assert forked[2] == serial[2]


@pytest.mark.parametrize("backend", ["folder", "sqlite"])
def test_a_thread_pool_gives_the_serial_bytes_and_warnings(backend, sqlite_file, tmp_path):
    # Threads of the caller's own process (a ThreadPoolExecutor, Dask with processes=False):
    # catching warnings there swapped the process's one warnings state under the other
    # threads, and every warning of the build was lost.
    from concurrent.futures import ThreadPoolExecutor

    if backend == "folder":
        make = lambda **kwargs: AggregatorCSV.from_directory(OUTPUT, **kwargs)
    else:
        make = lambda **kwargs: AggregatorCSV.from_database(sqlite_file, **kwargs)

    def saved_with_a_worker_warning(path, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            agg = define(make(**kwargs), doubled_with_a_warning)
            data = agg.save(path).read_bytes()
        return data, sorted((w.category.__name__, str(w.message)) for w in caught), agg.report.to_dict()

    serial = saved_with_a_worker_warning(tmp_path / "serial.csv")
    with ThreadPoolExecutor(4) as pool:
        threaded = saved_with_a_worker_warning(tmp_path / "threads.csv", executor=pool)
    assert threaded[0] == serial[0]
    assert threaded[2] == serial[2]
    assert ("WorkerWarning", "said in a worker") in serial[1]
    assert threaded[1] == serial[1]


def test_each_thread_of_a_worker_reads_the_database_in_its_own_session(sqlite_file):
    import threading

    from autofit_csv.loaders import portable

    url = AggregatorCSV.from_database(sqlite_file)._database_url
    mine = portable._session(url)
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(portable._session(url)))
    thread.start()
    thread.join()
    assert portable._session(url) is mine
    assert theirs and theirs[0] is not mine


@pytest.mark.parametrize("start", ["fork", "forkserver", "spawn"])
def test_workers_remove_the_zips_they_extracted(start, tmp_path, monkeypatch):
    # A process pool's worker ends without running atexit (fork, forkserver): the folders it
    # extracted zipped fits into stayed in the temporary folder, one per worker and zip.
    import tempfile

    # multiprocessing's own folder (which the forkserver's socket lives in, and which is
    # removed when the test process ends) is made before TMPDIR changes: made below tmp_path
    # it raced pytest's removal of old tmp_path folders.
    multiprocessing.util.get_temp_dir()
    temporary = Path(tempfile.mkdtemp(prefix="autofit_csv_test_tmp_"))
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(start)) as pool:
            agg = AggregatorCSV.from_directory(OUTPUT, executor=pool)
            agg.add_column("er", model_path=ER, folder="source_pix[2]")
            rows = {row["row"]: row for row in agg.rows()}
        agg.close()
        assert rows["vis/lens_002"]["er"] is not None  # the zipped fit, read by a worker
        assert [p.name for p in temporary.iterdir() if p.name.startswith("autofit")] == []
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def test_a_worker_reads_a_zip_rewritten_since_its_last_build(output_copy, tmp_path):
    # A long-lived worker (a Dask cluster kept between builds) kept the first extraction of a
    # zip and served it after the fit was rerun and zipped again at the same path.
    import json
    import zipfile

    from test_autofit_csv.conftest import read_zipped_json

    location = "vis/lens_002/source_pix[2]"
    (zip_path,) = list((output_copy / location).glob("*.zip"))

    def er_of_zipped_fit(pool):
        agg = AggregatorCSV.from_directory(output_copy, executor=pool)
        agg.add_column("er", model_path=ER, folder="source_pix[2]")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = next(row["er"] for row in agg.rows() if row["row"] == "vis/lens_002")
        agg.close()
        return value

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        before = er_of_zipped_fit(pool)
        summary = read_zipped_json(location, "samples_summary", output_copy)
        assert before == summary["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER]
        summary["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER] = before + 1.0
        with zipfile.ZipFile(zip_path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        members["files/samples_summary.json"] = json.dumps(summary).encode()
        zip_path.unlink()
        with zipfile.ZipFile(zip_path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        assert er_of_zipped_fit(pool) == before + 1.0


def drawn(samples):
    # No seed of its own: the table seeds numpy per fit while the function runs.
    import numpy

    values = [samples.draw_randomly_via_pdf().galaxies.lens.mass.einstein_radius for _ in range(5)]
    values.append(numpy.random.random())
    return sum(values) / len(values), min(values), max(values)


def test_random_draws_are_the_same_in_every_mode(spawned_pool, tmp_path):
    import numpy

    def build(**kwargs):
        agg = AggregatorCSV.from_directory(OUTPUT, **kwargs)
        agg.add_x3_columns_with_errors("d", drawn, folder="source_lp[1]")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return agg.save(tmp_path / "t.csv").read_bytes()

    numpy.random.seed(123)
    serial = build()
    state_after = numpy.random.random()
    numpy.random.seed(123)
    assert build() == serial  # and the caller's random state is left as it was
    assert numpy.random.random() == state_after
    assert build(processes=2) == serial
    assert build(executor=spawned_pool) == serial


def test_a_fit_gone_before_its_worker_opens_it_blanks_only_its_cells(output_copy, spawned_pool, tmp_path):
    import shutil

    agg = AggregatorCSV.from_directory(output_copy, executor=spawned_pool)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_column("pix", model_path=ER, folder="source_pix[2]")
    folder = next(h for h in agg._index.fits if h.location == "vis/lens_002/source_lp[1]")
    zipped = next(h for h in agg._index.fits if h.location == "vis/lens_002/source_pix[2]")
    assert zipped.label.endswith(".zip")
    shutil.rmtree(folder.autofit_fit.directory)
    os.remove(zipped.label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = {row["row"]: row for row in agg.rows()}
    assert rows["vis/lens_002"]["er"] is None and rows["vis/lens_002"]["pix"] is None
    assert rows["vis/lens_001"]["er"] is not None and rows["vis/lens_001"]["pix"] is not None
    assert folder.label in agg.report.blank["er"]["files/samples_summary.json is missing"]
    assert agg.report.blank["pix"]["could not be opened by the worker"] == [zipped.label]
