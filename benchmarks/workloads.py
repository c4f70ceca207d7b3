"""
The tables the benchmark times, each a function ``(corpus root, output path, **options)`` that
writes its result to the output path, and the checks that compare those results cell by cell.

Only ``AggregatorCSV``'s public calls are used, so that the same functions run on another
checkout of the package (``build_table.py --compare-with``).
"""
import contextlib
import csv
import gc
import io
import json
import logging
import os
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

#: The search folder every copied fit sits in, and the ``folder=`` of the table's columns.
FOLDER = "source_lp[1]"
PATH_PREFIX = "vis"

#: (column name, model path) of the parameters written with median, max lh and 3 sigma values.
PARAMETERS = (
    ("einstein_radius", "galaxies.lens.mass.einstein_radius"),
    ("intensity", "galaxies.source.bulge.intensity"),
    ("effective_radius", "galaxies.source.bulge.effective_radius"),
)
#: (column name, latent path) of the latent variable written with its median.
LATENT = ("einstein_mass", "galaxies.lens.mass.einstein_mass")
#: The parameter whose marginalized value the samples benchmark computes.
SAMPLES_PATH = "galaxies.lens.mass.einstein_radius"
#: The header of the ``latent_func`` table's column.
LATENT_FUNC_HEADER = "einstein_radius_x2"


class CellMismatch(Exception):
    def __init__(self, message: str, problems: List[str]):
        """
        A table whose cells differ from the baseline's; ``problems`` lists where.
        """
        super().__init__(message)
        self.problems = problems


# ---------------------------------------------------------------------------------------- tables


def fit_folders(root: Path) -> Iterator[Tuple[str, str]]:
    """
    ``(row key, fit folder)`` of every fit below ``root`` whose search folder is ``FOLDER``,
    found as autofit finds them: a folder with ``files/search.json``. The row key is the
    location above the search folder (``vis/lens_00001``), as ``AggregatorCSV`` keys rows.
    """
    for current, directories, _ in os.walk(root):
        if "files" in directories and os.path.isfile(os.path.join(current, "files", "search.json")):
            parts = os.path.relpath(current, root).split(os.sep)
            if len(parts) >= 3 and parts[-2] == FOLDER:
                yield "/".join(parts[:-2]), current


def table_headers() -> List[str]:
    """
    The headers written by (a) and (c), and (after its ``id``) by (b).
    """
    headers = []
    for name, _ in PARAMETERS:
        headers += [name, f"{name}_lower_3_sigma", f"{name}_upper_3_sigma", f"{name}_max_lh"]
    return headers + [LATENT[0]]


def json_baseline_table(root: Path, output: Path):
    """
    (a) The plain script: ``json.load`` the two summaries of each fit and write the CSV.

    Parameters
    ----------
    root
        The corpus.
    output
        The CSV written.
    """
    rows = []
    for key, folder in fit_folders(root):
        with open(os.path.join(folder, "files", "samples_summary.json")) as file:
            summary = json.load(file)["arguments"]
        with open(os.path.join(folder, "files", "latent", "latent_summary.json")) as file:
            latent = json.load(file)["arguments"]
        median = summary["median_pdf_sample"]["arguments"]["kwargs"]["arguments"]
        max_lh = summary["max_log_likelihood_sample"]["arguments"]["kwargs"]["arguments"]
        sigma_3 = summary["values_at_sigma_3"]["arguments"]
        row = [key]
        for _, path in PARAMETERS:
            lower, upper = sigma_3[path]["values"]
            row += [median[path], lower, upper, max_lh[path]]
        row.append(latent["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][LATENT[1]])
        rows.append(row)
    rows.sort(key=lambda row: row[0])
    with open(output, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["row"] + table_headers())
        writer.writerows(rows)


def autofit_aggregate_csv_table(root: Path, output: Path):
    """
    (b) autofit's ``AggregateCSV`` over ``Aggregator.from_directory``, the same columns.
    """
    from autofit.aggregator.aggregator import Aggregator
    from autofit.aggregator.summary.aggregate_csv import AggregateCSV
    from autofit.aggregator.summary.aggregate_csv.column import ValueType

    table = AggregateCSV(Aggregator.from_directory(root))
    for name, path in PARAMETERS:
        table.add_variable(
            path,
            name=name,
            value_types=[ValueType.Median, ValueType.MaxLogLikelihood, ValueType.ValuesAt3Sigma],
        )
    table.add_variable(LATENT[1], name=LATENT[0], value_types=[ValueType.Median])
    table.save(Path(output))


def open_aggregator_csv(root: Path, **options):
    """
    ``AggregatorCSV.from_directory(root, progress=False, **options)``.
    """
    from autofit_csv import AggregatorCSV

    return AggregatorCSV.from_directory(root, progress=False, **options)


def aggregator_csv_table(root: Path, output: Path, **options):
    """
    (c) ``AggregatorCSV``: for each parameter its median with 3 sigma values and its max
    likelihood value, then the latent variable.

    Parameters
    ----------
    root
        The corpus.
    output
        The file written; its suffix picks the format (``.csv``, ``.parquet``, ``.fits``).
    options
        Extra ``from_directory`` keywords (``processes=``, ``executor=``).
    """
    table = open_aggregator_csv(root, **options)
    for name, path in PARAMETERS:
        table.add_column(name, model_path=path, folder=FOLDER, error="values_at_sigma_3")
        table.add_column(f"{name}_max_lh", model_path=path, folder=FOLDER, use_max_lh_instance=True)
    table.add_column(LATENT[0], model_path=LATENT[1], folder=FOLDER)
    table.save(output)


def medians_table(root: Path, output: Path, **options):
    """
    A table of medians: one column, the median PDF value of ``einstein_radius``.
    """
    table = open_aggregator_csv(root, **options)
    table.add_column(PARAMETERS[0][0], model_path=PARAMETERS[0][1], folder=FOLDER)
    table.save(output)


def einstein_radius_x2(instance) -> float:
    """
    The ``latent_func`` of the latent table (``lambda instance: 2 * ...einstein_radius``).
    """
    return 2 * instance.galaxies.lens.mass.einstein_radius


def latent_func_table(root: Path, output: Path, **options):
    """
    A ``latent_func`` table: one column, ``einstein_radius_x2`` of the median PDF instance
    autofit builds for each fit.
    """
    table = open_aggregator_csv(root, **options)
    table.add_column(LATENT_FUNC_HEADER, latent_func=einstein_radius_x2, folder=FOLDER)
    table.save(output)


def describe_text(root: Path, output: Path, **options):
    """
    ``AggregatorCSV.from_directory(root).describe()``, written to ``output`` for checking.
    """
    table = open_aggregator_csv(root, **options)
    Path(output).write_text(table.describe())


# ---------------------------------------------------------------------------------------- samples


def marginalized(values, weights) -> Tuple[float, float, float]:
    """
    The weighted median and 3 sigma values of one parameter (autofit's ``af.marginalize``,
    which is numpy), as Python floats.
    """
    import autofit as af

    return tuple(float(value) for value in af.marginalize(values, sigma=3.0, weight_list=weights))


def numpy_samples_table(root: Path, output: Path):
    """
    (i) The plain script: ``np.loadtxt`` each fit's ``samples.csv`` and marginalize one column.
    """
    import numpy as np

    rows = []
    for key, folder in fit_folders(root):
        path = os.path.join(folder, "files", "samples.csv")
        with open(path, newline="") as file:
            headers = [header.strip() for header in next(csv.reader(file))]
        table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        column = headers.index(SAMPLES_PATH)
        rows.append([key, *marginalized(table[:, column], table[:, headers.index("weight")])])
    rows.sort(key=lambda row: row[0])
    with open(output, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["row"] + samples_headers())
        writer.writerows(rows)


def samples_headers() -> List[str]:
    """
    The headers ``add_x3_columns_with_errors("einstein_radius", ...)`` writes after the row key.
    """
    return ["einstein_radius", "einstein_radius_lower", "einstein_radius_upper"]


def einstein_radius_via_samples(samples) -> Tuple[float, float, float]:
    """
    The samples function of (ii): the same marginalization from autofit's samples object.
    """
    values = samples.values_for_path(tuple(SAMPLES_PATH.split(".")))
    return marginalized(values, samples.weight_list)


def aggregator_csv_samples_table(root: Path, output: Path, **options):
    """
    (ii) ``AggregatorCSV.add_x3_columns_with_errors`` with ``einstein_radius_via_samples``.
    ``options`` go to ``from_directory`` (``executor=``).
    """
    table = open_aggregator_csv(root, **options)
    table.add_x3_columns_with_errors(
        "einstein_radius", samples_func=einstein_radius_via_samples, folder=FOLDER
    )
    table.save(output)


# ---------------------------------------------------------------------------------------- checks


def read_table(path: Path, key_header: str = "row") -> Dict[str, Dict[str, str]]:
    """
    A CSV as ``{row key: {header: text}}``.
    """
    with open(path, newline="") as file:
        return {row.pop(key_header): row for row in csv.DictReader(file)}


def read_catalogue(path: Path) -> Dict[str, Dict[str, object]]:
    """
    A Parquet or FITS file as ``{row key: {header: value}}`` (pyarrow, astropy).
    """
    if Path(path).suffix == ".parquet":
        import pyarrow.parquet

        records = pyarrow.parquet.read_table(path).to_pylist()
    else:
        from astropy.table import Table

        table = Table.read(path)
        records = [{name: row[name] for name in table.colnames} for row in table]
    result = {}
    for record in records:
        key = record.pop("row")
        result[key.decode() if isinstance(key, bytes) else str(key)] = record
    return result


def differences(expected: Dict[str, dict], actual: Dict[str, dict]) -> List[str]:
    """
    Where two tables differ: missing or extra rows and headers, and cells that are not the same
    number (floats compared exactly) or, for text, the same text.
    """
    found = []
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing:
        found.append(f"{len(missing)} rows missing, e.g. {missing[:3]}")
    if extra:
        found.append(f"{len(extra)} rows extra, e.g. {extra[:3]}")
    for key in sorted(set(expected) & set(actual)):
        want, got = expected[key], actual[key]
        if set(want) != set(got):
            found.append(f"row {key}: headers {sorted(want)} != {sorted(got)}")
            continue
        for header, text in want.items():
            if not same_cell(text, got[header]):
                found.append(f"row {key}, {header}: expected {text!r}, got {got[header]!r}")
    return found


def same_cell(expected, actual) -> bool:
    """
    Whether two cells are the same number (exactly) or, for text, the same text.
    """
    try:
        return float(expected) == float(actual)
    except (TypeError, ValueError):
        return expected == actual


def check_tables(
    expected_path: Path, actual_path: Path, what: str, key_map: Optional[dict] = None
) -> List[str]:
    """
    Compare a table with the baseline's; ``key_map`` renames the actual table's keys (autofit's
    ``AggregateCSV`` keys rows by fit id). The actual table may be Parquet or FITS.
    """
    expected = read_table(expected_path)
    if Path(actual_path).suffix in (".parquet", ".fits"):
        actual = read_catalogue(actual_path)
    elif key_map is None:
        actual = read_table(actual_path)
    else:
        actual = {key_map.get(key, key): row for key, row in read_table(actual_path, "id").items()}
    found = differences(expected, actual)
    if not expected:
        found.insert(0, f"{what}: the baseline table is empty")
    return found


def check_derived_column(
    baseline_path: Path, actual_path: Path, header: str, derive: Callable[[float], float], what: str
) -> List[str]:
    """
    Compare a one-column table with a column derived from the json baseline's ``einstein_radius``
    (``derive`` applied to each float), exactly.
    """
    expected = {
        key: {header: repr(derive(float(row[PARAMETERS[0][0]])))}
        for key, row in read_table(baseline_path).items()
    }
    found = differences(expected, read_table(actual_path))
    if not expected:
        found.insert(0, f"{what}: the baseline table is empty")
    return found


def check_description(path: Path, fits: int) -> List[str]:
    """
    What ``describe()`` must say of a corpus: its fit count, the folder, every model and latent
    path of the tables, and the ``info.json`` key.
    """
    text = Path(path).read_text()
    wanted = [f"{fits} fit(s)", f"folder={FOLDER!r}: {fits} fit(s)", "id_str", LATENT[1]]
    wanted += [path for _, path in PARAMETERS]
    return [f"describe() does not mention {item!r}" for item in wanted if item not in text]


def identifier_to_row_key(root: Path) -> Dict[str, str]:
    """
    The row key of each fit identifier of the corpus (to compare ``AggregateCSV``'s rows).
    """
    return {os.path.basename(folder): key for key, folder in fit_folders(root)}


def raise_if(problems: List[str], message: str):
    """
    Raise ``CellMismatch(message, problems)`` if there are problems.
    """
    if problems:
        raise CellMismatch(message, problems)


# ---------------------------------------------------------------------------------------- timing


@contextlib.contextmanager
def quiet():
    """
    Keep autofit's stdout chatter (and its INFO logging) out of the report.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def time_call(function: Callable, *args, **kwargs) -> float:
    """
    Seconds one call takes, after a garbage collection, with stdout silenced.
    """
    gc.collect()
    with quiet():
        start = time.perf_counter()
        function(*args, **kwargs)
        return time.perf_counter() - start


def import_tools():
    """
    Import everything the timed code uses, so that no timing includes an import: autofit, the
    package, numpy, pyarrow (samples.csv parsing, Parquet) and astropy (FITS) where installed,
    and the classes the fixture's model names.
    """
    import numpy  # noqa: F401
    import autofit  # noqa: F401
    import autofit_csv  # noqa: F401
    import autofit_csv.example.lens_model  # noqa: F401
    from autofit.aggregator.aggregator import Aggregator  # noqa: F401
    from autofit.aggregator.summary.aggregate_csv import AggregateCSV  # noqa: F401
    from autofit.text.formatter import write_table  # noqa: F401
    from autonerves.dictable import from_dict  # noqa: F401

    optional_modules = (
        "pyarrow.csv",
        "pyarrow.parquet",
        "astropy.io.fits",
        "astropy.table",
        "autofit_csv.formats",
    )
    for optional in optional_modules:
        try:
            __import__(optional)
        except ImportError:
            pass
    logging.getLogger("autofit").setLevel(logging.WARNING)


def corpus_fits(root: Path) -> int:
    """
    The number of datasets (fits) of a corpus.
    """
    return len(os.listdir(Path(root) / PATH_PREFIX))


def samples_per_fit(root: Path, marker: str = ".benchmark_corpus.json") -> int:
    return json.loads((Path(root) / marker).read_text())["samples_per_fit"]
