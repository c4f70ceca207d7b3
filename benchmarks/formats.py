"""
Benchmark the catalogue writers against the CSV writer on the same rows.

Rows come from a real table over the committed fixture fits (``AggregatorCSV.from_directory``,
15 columns: medians, 3 sigma values, max likelihood, a latent variable, a second search's
value, ``info.json`` text and numbers, a bool), repeated to N rows, each with its own key. Then,
after one warm-up call of each writer (its imports and first-call costs, reported apart), each
writer is timed ``--repeats`` times, interleaved, on the same list of rows, and the median kept:

- ``write_csv_atomically`` (the CSV save), the baseline;
- ``write_table`` to ``.parquet``, ``.fits``, ``.ecsv`` and ``.html``;
- ``to_astropy_table``.

It prints each time and its ratio to the CSV's, and the targets (Parquet and FITS at most
1.3x the CSV). A report, not a test: the exit status is 0 whatever the ratios.

Run from the repository root::

    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/formats.py
    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/formats.py --rows 3000
"""
import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from autofit_csv import AggregatorCSV  # noqa: E402
from autofit_csv.formats import to_astropy_table, write_table  # noqa: E402
from autofit_csv.output import write_csv_atomically  # noqa: E402

FIXTURE_OUTPUT = REPOSITORY / "test_autofit_csv" / "fixtures" / "output"
ER = "galaxies.lens.mass.einstein_radius"

#: Writers whose ratio to the CSV has a target, and the target.
TARGETS = {"parquet": 1.3, "fits": 1.3}


def fixture_rows():
    """
    Headers and rows (lists of raw cells) of a 15-column table over the fixture fits.
    """
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as folder:
        warnings.simplefilter("ignore")
        with contextlib.chdir(folder):
            agg = AggregatorCSV.from_directory(FIXTURE_OUTPUT, progress=False)
            lp = "source_lp[1]"
            agg.add_column("einstein_radius", model_path=ER, folder=lp, error="values_at_sigma_3")
            agg.add_column("einstein_radius_max_lh", model_path=ER, folder=lp,
                           use_max_lh_instance=True)
            agg.add_column("intensity", model_path="galaxies.source.bulge.intensity", folder=lp,
                           error="values_at_sigma_3")
            agg.add_column("effective_radius", model_path="galaxies.source.bulge.effective_radius",
                           folder=lp)
            agg.add_column("einstein_mass", model_path="galaxies.lens.mass.einstein_mass",
                           folder=lp)
            agg.add_column("intensity_pix", model_path="galaxies.source.bulge.intensity",
                           folder="source_pix[2]")
            agg.add_info_column("id_str", key="id_str", folder=lp)
            agg.add_info_column("band", key="band", folder=lp)
            agg.add_info_column("einstein_radius_true", key="einstein_radius_true", folder=lp)
            agg.add_column("big_lens", folder=lp,
                           latent_func=lambda i: i.galaxies.lens.mass.einstein_radius > 1.0)
            headers = agg.headers
            rows = [[row[h] for h in headers] for row in agg.rows()]
            agg.close()
    return headers, rows


def repeated(rows: list, count: int) -> list:
    """
    ``count`` rows cycling through ``rows``, each with its own key.
    """
    result = []
    for number in range(count):
        row = list(rows[number % len(rows)])
        row[0] = f"{row[0]}/copy_{number:05d}"
        result.append(row)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the table (10000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per writer (7)")
    arguments = parser.parse_args(argv)

    headers, base = fixture_rows()
    rows = repeated(base, arguments.rows)
    descriptions = {h: f"{h}: benchmark column" for h in headers}
    print(f"{len(rows)} rows x {len(headers)} columns ({len(base)} fixture rows repeated)")

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        writers = {
            "csv": lambda: write_csv_atomically(folder / "t.csv", headers, rows),
            "parquet": lambda: write_table(folder / "t.parquet", headers, rows, descriptions),
            "fits": lambda: write_table(folder / "t.fits", headers, rows, descriptions),
            "ecsv": lambda: write_table(folder / "t.ecsv", headers, rows, descriptions),
            "html": lambda: write_table(folder / "t.html", headers, rows, descriptions),
            "astropy Table": lambda: to_astropy_table(headers, rows, descriptions),
        }
        first = {}
        for name, write in writers.items():
            start = time.perf_counter()
            write()
            first[name] = time.perf_counter() - start
        times = {name: [] for name in writers}
        for _ in range(arguments.repeats):
            for name, write in writers.items():
                start = time.perf_counter()
                write()
                times[name].append(time.perf_counter() - start)
        sizes = {
            name: (folder / f"t.{name}").stat().st_size
            for name in writers
            if (folder / f"t.{name}").exists()
        }

    medians = {name: statistics.median(values) for name, values in times.items()}
    csv_time = medians["csv"]
    print(f"\nmedian of {arguments.repeats} runs (first call, with imports, apart); load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'writer':<15}{'median s':>10}{'x CSV':>8}{'target':>9}{'first s':>9}{'size MB':>9}")
    for name, median in medians.items():
        target = TARGETS.get(name)
        ratio = median / csv_time
        verdict = "" if target is None else f"<= {target}{' ok' if ratio <= target else ' MISSED'}"
        size = f"{sizes[name] / 1e6:.2f}" if name in sizes else ""
        print(f"{name:<15}{median:>10.3f}{ratio:>8.2f}{verdict:>12}{first[name]:>9.3f}{size:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
