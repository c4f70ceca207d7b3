"""
The program the MPI tests run under ``mpiexec -n N python -m mpi4py.futures``: rank 0 builds a
table with ``executor=MPIPoolExecutor()``, the other ranks are its workers.

Run it as::

    mpiexec -n 3 python -m mpi4py.futures -m test_autofit_csv.mpi_job SOURCE OUTPUT COLUMNS
    python -m test_autofit_csv.mpi_job SOURCE OUTPUT COLUMNS --serial

SOURCE is an output folder or a SQLite file, OUTPUT the table to save, COLUMNS one of
``plain``, ``warns`` (a function column that warns, and one that gives the process that ran
it), ``dies`` (a function column whose worker ``os._exit``\\ s) or ``lambda`` (a function
column given a lambda). Beside OUTPUT it writes ``OUTPUT.json``: what the caller saw (see
``saved``).
"""
import json
import os
import sys
import time
import warnings

from test_autofit_csv.worker_functions import doubled, doubled_with_a_warning
from test_autofit_csv.conftest import EINSTEIN_MASS, ER

#: Set by ``main`` in the process that builds the table, so ``dies_in_a_worker`` spares it.
CALLER_VARIABLE = "AUTOFIT_CSV_MPI_CALLER"


def process_id(instance):
    return float(os.getpid())


def dies_in_a_worker(instance):
    if os.environ.get(CALLER_VARIABLE) != str(os.getpid()):
        os._exit(7)
    return 1.0


def spread(samples):
    values = [v[0] for v in samples.parameter_lists[:20]]
    return sum(values) / len(values), min(values), max(values)


def define(agg, columns: str = "plain"):
    """
    The columns of every MPI test: a value with errors, a max likelihood value, a function of
    the instance, a function of the samples and an info key, over both folders of the fixtures.
    """
    function = {
        "plain": doubled,
        "warns": doubled_with_a_warning,
        "dies": dies_in_a_worker,
        "lambda": lambda instance: 1.0,  # cannot be pickled, so never reaches a worker
    }[columns]
    errors = ["values_at_sigma_3", "errors_at_sigma_1"]
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=errors)
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]", use_max_lh_instance=True)
    agg.add_column("x2", latent_func=function, folder="source_pix[2]")
    agg.add_x3_columns_with_errors("s", spread, folder="source_pix[2]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    if columns == "warns":
        agg.add_column("pid", latent_func=process_id, folder="source_lp[1]")
    return agg


def table(source: str, executor=None):
    """
    An ``AggregatorCSV`` over ``source``: an output folder, or a SQLite file.
    """
    from autofit_csv import AggregatorCSV

    if os.path.isdir(source):
        return AggregatorCSV.from_directory(source, executor=executor)
    return AggregatorCSV.from_database(source, executor=executor)


def saved(source: str, output: str, columns: str, executor=None) -> dict:
    """
    Save the table to ``output``; what the caller saw: the seconds it took (from making the
    table to the file written), its process id, its warnings (category as ``module.qualname``,
    message), and the build report.
    """
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = define(table(source, executor), columns)
        agg.save(output)
    return {
        "seconds": time.perf_counter() - start,
        "pid": os.getpid(),
        "warnings": [
            [f"{w.category.__module__}.{w.category.__qualname__}", str(w.message)] for w in caught
        ],
        "report": agg.report.to_dict(),
    }


def main(argv=None):
    """
    Build the table on an ``MPIPoolExecutor`` (or serially with ``--serial``) and write what
    the caller saw to ``OUTPUT.json``.
    """
    argv = sys.argv[1:] if argv is None else argv
    serial = "--serial" in argv
    source, output, columns = [a for a in argv if a != "--serial"]
    os.environ[CALLER_VARIABLE] = str(os.getpid())
    if serial:
        seen = saved(source, output, columns)
    else:
        from mpi4py.futures import MPIPoolExecutor

        with MPIPoolExecutor() as executor:
            seen = saved(source, output, columns, executor)
            seen["workers"] = executor.num_workers
    with open(output + ".json", "w") as file:
        json.dump(seen, file)
    print("saved", output, flush=True)


if __name__ == "__main__":
    # Run as __main__, this file's functions and warning class would be named ``__main__.*``;
    # imported by its own name, they are named as in the tests' serial builds, which import it.
    from test_autofit_csv import mpi_job

    mpi_job.main()
