"""
``executor=MPIPoolExecutor()`` in a real MPI job: ``mpiexec -n 3 python -m mpi4py.futures``
runs ``test_autofit_csv/mpi_job.py``, whose rank 0 builds the table while ranks 1 and 2 are the
pool's workers (the pool of the ranks already started: no dynamic process spawning, which
Debian's MPICH 4.0.2 cannot do). The same bytes as a serial build, the workers' warnings at the
caller, and what a lost worker does to the job.

Needs ``mpiexec`` and mpi4py able to load its MPI library: skips where they are missing, fails
instead where ``AUTOFIT_CSV_REQUIRE_MPI`` is set (as in CI).
"""
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_autofit_csv import mpi_job
from test_autofit_csv.conftest import ER, read_csv, sample_value

REPOSITORY = Path(__file__).resolve().parent.parent
MPI_HOW = (
    "the MPI tests need mpiexec and mpi4py built against its library: "
    "apt-get install -y mpich libmpich-dev, then `make test` (which builds the mpi extra against "
    "the MPI it finds), as .ci/run does"
)
#: Seconds before an MPI job counts as hung; a whole job here takes about 2 s.
HANG = 120


def _job_environment(tmp: Path = None) -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY)] + [p for p in [environment.get("PYTHONPATH")] if p]
    )
    # Open MPI refuses to start as root without these; MPICH ignores them.
    environment.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    environment.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    if tmp is not None:
        environment["TMPDIR"] = str(tmp)
    return environment


def _run(command: list, tmp: Path = None, cwd: Path = None) -> tuple:
    """
    Run ``command`` in its own process group, killing the whole group (launcher and ranks) if it
    outlives ``HANG`` seconds; its exit status, output (stdout then stderr) and seconds taken.
    ``tmp`` is the jobs' temporary folder, ``cwd`` their working directory (default this one's).
    """
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_job_environment(tmp),
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"the MPI job hung for {HANG} s: {' '.join(command)}\n{out}\n{err}")
    return process.returncode, out + err, time.monotonic() - start


@pytest.fixture(scope="session")
def mpiexec() -> str:
    """
    The ``mpiexec`` whose MPI library this Python's mpi4py loads (checked in a one-rank job, so
    this test process never initialises MPI itself).
    """
    launcher = shutil.which("mpiexec")
    problem = None
    if launcher is None:
        problem = "no mpiexec on PATH"
    elif importlib.util.find_spec("mpi4py") is None:
        problem = f"mpi4py is not installed in {sys.executable}"
    else:
        check = "from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0])"
        status, output, _ = _run([launcher, "-n", "1", sys.executable, "-c", check])
        if status != 0:
            problem = (
                f"mpi4py cannot run under {launcher} (exit {status}; a prebuilt mpi4py wheel "
                f"does not find Debian's MPICH: pip install --force-reinstall --no-binary mpi4py "
                f"mpi4py): {output.strip()[-600:]}"
            )
    if problem:
        if os.environ.get("AUTOFIT_CSV_REQUIRE_MPI"):
            pytest.fail(f"AUTOFIT_CSV_REQUIRE_MPI is set but {problem}; {MPI_HOW}")
        pytest.skip(f"{problem}: {MPI_HOW}")
    return launcher


def run_job(mpiexec: str, source, output: Path, columns: str, tmp: Path = None) -> tuple:
    """
    ``mpi_job`` in a three-rank MPI job (the caller and two workers).
    """
    command = [mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures"]
    command += ["-m", "test_autofit_csv.mpi_job", str(source), str(output), columns]
    return _run(command, tmp)


def seen_by_caller(output: Path) -> dict:
    return json.loads(Path(f"{output}.json").read_text())


@pytest.fixture
def source(request, output_copy):
    # A private copy of the folders: autofit's own Aggregator never gets the committed fixtures.
    if request.param == "folder":
        return output_copy
    return request.getfixturevalue("sqlite_file")


@pytest.mark.parametrize("source", ["folder", "sqlite"], indirect=True)
def test_mpi_pool_gives_the_serial_bytes(mpiexec, source, tmp_path):
    serial = mpi_job.saved(str(source), str(tmp_path / "serial.csv"), "plain")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    status, output, _ = run_job(mpiexec, source, tmp_path / "mpi.csv", "plain", temporary)
    assert status == 0, output
    on_mpi = seen_by_caller(tmp_path / "mpi.csv")
    assert on_mpi["workers"] == 2
    assert (tmp_path / "mpi.csv").read_bytes() == (tmp_path / "serial.csv").read_bytes()
    assert on_mpi["report"] == json.loads(json.dumps(serial["report"]))
    assert on_mpi["warnings"] == serial["warnings"]
    # The zipped fit (vis/lens_002/source_pix[2]) is read by the workers too...
    assert b"\nvis/lens_002," in (tmp_path / "mpi.csv").read_bytes()
    # ... and the folders they extracted it to are gone when the job ends.
    assert [p.name for p in temporary.iterdir() if p.name.startswith("autofit")] == []


def test_worker_warnings_reach_the_caller_with_their_category(mpiexec, output_copy, tmp_path):
    serial = mpi_job.saved(str(output_copy), str(tmp_path / "serial.csv"), "warns")
    status, output, _ = run_job(mpiexec, output_copy, tmp_path / "mpi.csv", "warns")
    assert status == 0, output
    on_mpi = seen_by_caller(tmp_path / "mpi.csv")
    said = ["test_autofit_csv.worker_functions.WorkerWarning", "said in a worker"]
    # Once per cell the workers filled, plus once in the caller, where the table tries the
    # function on one fit to learn its headers (a dict result would make several).
    rows = read_csv(tmp_path / "mpi.csv")
    filled = sum(1 for row in rows if row["x2"])
    assert filled >= 2
    assert on_mpi["warnings"].count(said) == 1 + filled
    # In the serial build's order, with every other warning.
    assert on_mpi["warnings"] == serial["warnings"]
    # The cells were computed on the two workers, never by the caller.
    ran_on = {float(row["pid"]) for row in rows if row["pid"]}
    assert 1 <= len(ran_on) <= 2
    assert float(on_mpi["pid"]) not in ran_on


def test_a_lost_worker_ends_the_job_and_the_previous_file_stays(mpiexec, output_copy, tmp_path):
    # MPI's default for a process that dies is to end the whole job: mpiexec kills the caller
    # too (SIGKILL), so no WorkerDiedError can be raised; what the contract can still hold is
    # no hang, a failed job, and the previous file intact.
    path = tmp_path / "t.csv"
    path.write_text("previous\n")
    status, output, seconds = run_job(mpiexec, output_copy, path, "dies")
    assert status != 0
    assert f"saved {path}" not in output
    assert seconds < 60, output
    assert path.read_text() == "previous\n"
    assert not Path(f"{path}.json").exists()
    # The caller was killed while writing (rows are built as they are written): its temporary
    # file is left beside the output, and goes with the next save of the same path.
    def written():
        return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".t.csv", "t.csv")))

    left = written()
    assert len(left) == 2 and left[0].startswith(".t.csv.") and left[0].endswith(".tmp"), left
    mpi_job.saved(str(output_copy), str(path), "plain")
    assert written() == ["t.csv"]
    assert path.read_text().startswith("row,er,")


def test_a_lambda_is_a_clear_error_not_a_hang(mpiexec, output_copy, tmp_path):
    status, output, seconds = run_job(mpiexec, output_copy, tmp_path / "t.csv", "lambda")
    assert status != 0
    assert "WorkerDiedError" in output and "must be defined at module level" in output
    assert seconds < 60, output
    assert not (tmp_path / "t.csv").exists()


def test_the_script_of_the_docs_runs_as_written(mpiexec, output_copy, tmp_path):
    # Its column function is defined in the script itself, which the workers import by path.
    page = (REPOSITORY / "docs" / "scale.md").read_text()
    (script,) = re.findall(r"```py\n(# build_catalogue\.py\n.*?)```", page, re.S)
    assert "python -m mpi4py.futures build_catalogue.py" in page
    (tmp_path / "build_catalogue.py").write_text(script)
    command = [mpiexec, "-n", "3", sys.executable, "-m", "mpi4py.futures", "build_catalogue.py"]
    status, output, _ = _run(command, cwd=tmp_path)
    assert status == 0, output
    rows = {row["row"]: row for row in read_csv(tmp_path / "catalogue.csv")}
    assert sorted(rows) == [
        "nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"
    ]
    filled = 0
    for key, row in rows.items():
        location = f"{key}/source_lp[1]"
        if list((output_copy / location).glob("*/files/samples_summary.json")):
            assert float(row["einstein_radius"]) == sample_value(location, ER)
            assert float(row["einstein_radius_x2"]) == 2.0 * sample_value(location, ER)
            filled += 1
        else:  # a fit still running
            assert row["einstein_radius"] == row["einstein_radius_x2"] == ""
    assert filled == 4
