"""
Benchmark ``AggregatorCSV`` against a plain ``json.load`` script and autofit's ``AggregateCSV``.

The script builds corpora of real autofit fit folders by copying one complete fixture fit into
N dataset names, laid out as autofit writes them (``vis/<dataset>/source_lp[1]/<identifier>``),
then, for each N, times

(a) a plain script: ``os.walk`` for ``files/search.json``, ``json.load`` of
    ``samples_summary.json`` and ``latent/latent_summary.json``, the ``csv`` module;
(b) autofit's ``AggregateCSV`` over ``Aggregator.from_directory`` with the same columns;
(c) ``AggregatorCSV.from_directory`` with the same columns,

checks that (c) writes exactly the cells of (a), measures the peak memory of (c) in a fresh
process, times (c) with ``processes=1`` and ``processes=2``, and compares a samples function
over large ``samples.csv`` files with a numpy script. It ends with a summary of ratios and their
targets. The exit status is 0 whatever the ratios (the script is a report); it is 2 if (c)'s
cells differ from (a)'s.

Run from the repository root::

    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/build_table.py
    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/build_table.py \\
        --sizes 200 1000 --profile 1000
"""
import argparse
import contextlib
import copy
import csv
import gc
import hashlib
import io
import json
import logging
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

from autofit_csv.summary import INTERVAL_SECTIONS, SAMPLE_SECTIONS  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
FIXTURE_OUTPUT = REPOSITORY / "test_autofit_csv" / "fixtures" / "output"
#: Where the fixture fit copied into every dataset of a corpus is (the fit folder below it is found
#: by ``find_fixture_fit``; its identifier changes if the fixtures are regenerated differently).
FIXTURE_SEARCH = FIXTURE_OUTPUT / "vis" / "lens_001" / "source_lp[1]"

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
#: The parameter each copy perturbs, so that rows differ; the latent variable scales as its square.
PERTURBED_PATH = "galaxies.lens.mass.einstein_radius"
#: The parameter whose marginalized value the samples benchmark computes.
SAMPLES_PATH = "galaxies.lens.mass.einstein_radius"

#: The columns autofit writes after the parameters of a ``samples.csv``.
SAMPLES_TAIL = ["log_likelihood", "log_prior", "log_posterior", "weight"]

#: Bumped whenever the corpus layout changes, so older corpora are rebuilt rather than reused.
CORPUS_FORMAT = 1
CORPUS_MARKER = ".benchmark_corpus.json"

#: Targets of the summary.
TARGET_OURS_OVER_JSON = 1.5  # (c) at most this many times slower than (a)
TARGET_AUTOFIT_OVER_OURS = 5.0  # (b) at least this many times slower than (c)
TARGET_MEMORY_RATIO = 1.3  # peak RSS at the largest N over peak RSS at the smallest N
TARGET_PROCESSES_SPEEDUP = 1.6  # processes=1 time over processes=2 time (2 cores), issue 5
TARGET_SAMPLES_RATIO = 3.0  # per fit, AggregatorCSV samples function over the numpy script


# ---------------------------------------------------------------------------------------- corpus


@dataclass
class FixtureFit:
    """
    The fixture fit, parsed once, as a template for every copy.

    Attributes
    ----------
    directory
        The fit folder (``<location>/<identifier>``).
    unique_tag
        Its dataset name, replaced in each copy.
    search, samples_summary, latent_summary, info
        Its JSON files, rewritten in each copy.
    identifier_lines
        The lines of its ``.identifier`` file (autofit's identifier is the md5 of them joined by
        ``.``).
    copied
        The bytes of the files copied unchanged, by path relative to ``directory`` (read once,
        so a fixture regenerated during a build cannot mix two versions into a corpus).
    """

    directory: Path
    unique_tag: str
    search: dict
    samples_summary: dict
    latent_summary: dict
    info: Optional[dict]
    identifier_lines: List[str]
    copied: Dict[Path, bytes] = field(default_factory=dict)

    #: The files a fit needs to serve as the template.
    REQUIRED = (
        Path(".completed"),
        Path(".identifier"),
        Path("files/search.json"),
        Path("files/model.json"),
        Path("files/samples.csv"),
        Path("files/samples_info.json"),
        Path("files/samples_summary.json"),
        Path("files/latent/latent_summary.json"),
    )

    #: The files rewritten per copy, relative to the fit folder.
    REWRITTEN = (
        Path("files/search.json"),
        Path("files/samples_summary.json"),
        Path("files/latent/latent_summary.json"),
        Path("files/info.json"),
        Path(".identifier"),
    )

    @classmethod
    def load(cls, directory: Path) -> "FixtureFit":
        """
        Parse the fixture fit at ``directory``.

        Raises
        ------
        FileNotFoundError
            If the folder lacks a file the benchmark needs (e.g. the fixtures are being
            regenerated).
        """
        missing = [str(path) for path in cls.REQUIRED if not (directory / path).is_file()]
        if missing:
            raise FileNotFoundError(
                f"the fixture fit {directory} lacks {', '.join(missing)} (are the fixtures "
                f"being regenerated? wait, or pass --fixture)"
            )
        files = directory / "files"
        search = json.loads((files / "search.json").read_text())
        info_path = files / "info.json"
        fixture = cls(
            directory=directory,
            unique_tag=search["arguments"]["paths"]["arguments"]["unique_tag"],
            search=search,
            samples_summary=json.loads((files / "samples_summary.json").read_text()),
            latent_summary=json.loads((files / "latent" / "latent_summary.json").read_text()),
            info=json.loads(info_path.read_text()) if info_path.exists() else None,
            identifier_lines=(directory / ".identifier").read_text().split("\n"),
        )
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if path.is_file() and relative not in cls.REWRITTEN:
                fixture.copied[relative] = path.read_bytes()
        return fixture

    def identifier_for(self, dataset: str) -> Tuple[List[str], str]:
        """
        The ``.identifier`` lines of a copy for ``dataset``, and the identifier autofit derives
        from them (``md5(".".join(lines))``, as ``SearchOutput.persisted_identifier``).
        """
        lines = [dataset if line == self.unique_tag else line for line in self.identifier_lines]
        return lines, hashlib.md5(".".join(lines).encode("utf-8")).hexdigest()


def scale_summary_value(summary: dict, path: str, factor: float):
    """
    Multiply every entry of ``path`` in a ``samples_summary.json`` / ``latent_summary.json``
    document by ``factor``: the median and max likelihood samples, and both ends of every
    interval.

    Parameters
    ----------
    summary
        The parsed document, changed in place.
    path
        The model or latent path.
    factor
        The scale.
    """
    arguments = summary["arguments"]
    for section in SAMPLE_SECTIONS:
        entry = arguments.get(section)
        if entry:
            kwargs = entry["arguments"]["kwargs"]["arguments"]
            if path in kwargs:
                kwargs[path] *= factor
    for section in INTERVAL_SECTIONS:
        entry = (arguments.get(section) or {}).get("arguments", {})
        if path in entry:
            entry[path]["values"] = [value * factor for value in entry[path]["values"]]


def write_json(path: Path, document: dict):
    """
    Write JSON as autofit does (indent 4; ``Infinity`` kept as autofit writes it).
    """
    path.write_text(json.dumps(document, indent=4))


def copy_fit(
    fixture: FixtureFit,
    root: Path,
    dataset: str,
    factor: float,
    samples_writer: Optional[Callable[[Path], None]] = None,
) -> Path:
    """
    Write one copy of the fixture fit for ``dataset`` below ``root``, as autofit would lay it out.

    ``unique_tag`` is rewritten in both places of ``search.json`` (the search's arguments and its
    paths), the identifier is recomputed from the rewritten ``.identifier``, and the perturbed
    parameter is scaled by ``factor`` (its latent mass by ``factor**2``) so that rows differ.

    Parameters
    ----------
    fixture
        The template fit.
    root
        The output root of the corpus.
    dataset
        The copy's dataset name (its ``unique_tag``).
    factor
        The scale of the perturbed parameter.
    samples_writer
        If given, writes the copy's ``samples.csv`` (given its path) instead of copying the
        fixture's.

    Returns
    -------
    The copy's fit folder.
    """
    identifier_lines, identifier = fixture.identifier_for(dataset)
    fit = root / PATH_PREFIX / dataset / FOLDER / identifier
    (fit / "files" / "latent").mkdir(parents=True)
    for relative, content in fixture.copied.items():
        if samples_writer is not None and relative == Path("files/samples.csv"):
            continue
        target = fit / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if samples_writer is not None:
        samples_writer(fit / "files" / "samples.csv")

    search = copy.deepcopy(fixture.search)
    search["arguments"]["unique_tag"] = dataset
    paths = search["arguments"]["paths"]["arguments"]
    paths["unique_tag"] = dataset
    paths["identifier"] = identifier
    write_json(fit / "files" / "search.json", search)

    summary = copy.deepcopy(fixture.samples_summary)
    scale_summary_value(summary, PERTURBED_PATH, factor)
    write_json(fit / "files" / "samples_summary.json", summary)

    latent = copy.deepcopy(fixture.latent_summary)
    scale_summary_value(latent, LATENT[1], factor**2)
    write_json(fit / "files" / "latent" / "latent_summary.json", latent)

    if fixture.info is not None:
        info = dict(fixture.info, id_str=dataset)
        write_json(fit / "files" / "info.json", info)
    (fit / ".identifier").write_text("\n".join(identifier_lines))
    return fit


def dataset_names(count: int) -> List[str]:
    """
    ``lens_00001``, ``lens_00002``, ...: zero-padded so that names sort in number order.
    """
    width = max(5, len(str(count)))
    return [f"lens_{index:0{width}d}" for index in range(1, count + 1)]


def find_fixture_fit(search_folder: Path = FIXTURE_SEARCH) -> Path:
    """
    The first complete fit folder (with ``.completed``) in a search folder of the fixtures.

    Raises
    ------
    FileNotFoundError
        If there is none.
    """
    if search_folder.is_dir():
        for fit in sorted(search_folder.iterdir()):
            if (fit / ".completed").is_file() and (fit / "files" / "samples.csv").is_file():
                return fit
    raise FileNotFoundError(
        f"no complete fit in {search_folder} (are the fixtures being regenerated? "
        f"wait, or pass --fixture)"
    )


def corpus_description(
    fits: int, samples_per_fit: Optional[int], fixture: Optional[Path]
) -> dict:
    """
    What a corpus holds, as written to its marker file (a corpus is reused only if it matches).
    ``fixture`` None stands for the default fixture fit, so that a corpus is reused even while
    the fixtures are being regenerated.
    """
    if fixture is not None:
        fixture = fixture.resolve()
        try:
            fixture = fixture.relative_to(REPOSITORY)
        except ValueError:
            pass
    return {
        "format": CORPUS_FORMAT,
        "fits": fits,
        "samples_per_fit": samples_per_fit,
        "fixture": "default" if fixture is None else str(fixture),
    }


def ensure_corpus(
    directory: Path,
    fits: int,
    rebuild: bool = False,
    samples_per_fit: Optional[int] = None,
    fixture: Optional[Path] = None,
    seed: int = 0,
) -> Path:
    """
    The corpus of ``fits`` copies of the fixture fit at ``directory``, built unless a matching
    one is there already.

    The corpus is built in a sibling folder and renamed into place when complete, so an
    interrupted build is never reused.

    Parameters
    ----------
    directory
        The corpus's output root.
    fits
        The number of fits (datasets).
    rebuild
        Build even if a matching corpus exists.
    samples_per_fit
        If given, each fit gets a generated ``samples.csv`` of this many samples (see
        ``SamplesGenerator``); otherwise the fixture's is copied.
    fixture
        The fit folder copied (default: ``find_fixture_fit()``).
    seed
        Seeds the perturbations and generated samples.

    Returns
    -------
    ``directory``.
    """
    directory = directory.resolve()
    if FIXTURE_OUTPUT.resolve() in (directory, *directory.parents):
        raise ValueError(f"refusing to write a corpus inside the fixtures ({directory})")
    description = corpus_description(fits, samples_per_fit, fixture)
    marker = directory / CORPUS_MARKER
    if not rebuild and marker.exists():
        try:
            if json.loads(marker.read_text()) == description:
                return directory
        except ValueError:
            pass
    building = directory.with_name(directory.name + ".building")
    for stale in (building, directory):
        if stale.exists():
            if stale == directory and not marker.exists() and any(directory.iterdir()):
                raise ValueError(
                    f"{directory} exists, is not empty and is not a benchmark corpus: "
                    f"choose another --corpus"
                )
            shutil.rmtree(stale)
    building.mkdir(parents=True)

    what = f"{fits} fits" + (f" of {samples_per_fit} samples" if samples_per_fit else "")
    log(f"building a corpus of {what} in {directory} ...")
    start = time.perf_counter()
    template = FixtureFit.load(fixture or find_fixture_fit())
    rng = random.Random(seed)
    generator = None
    if samples_per_fit:
        generator = SamplesGenerator(template.copied[Path("files/samples.csv")])
    for number, dataset in enumerate(dataset_names(fits), start=1):
        writer = None
        if generator is not None:
            writer = generator.writer(samples_per_fit, seed=seed * 1_000_003 + number)
        copy_fit(template, building, dataset, factor=rng.uniform(0.8, 1.2), samples_writer=writer)
        if number % 1000 == 0:
            log(f"  {number}/{fits} fits ({time.perf_counter() - start:.0f}s)")
    write_json(building / CORPUS_MARKER, description)
    building.rename(directory)
    log(f"built in {time.perf_counter() - start:.1f}s")
    return directory


class SamplesGenerator:
    def __init__(self, samples_csv: bytes):
        """
        Makes large ``samples.csv`` files by resampling and jittering the rows of a real one.

        Parameters
        ----------
        samples_csv
            The content of a ``samples.csv`` autofit wrote: parameter columns, then
            ``log_likelihood``, ``log_prior``, ``log_posterior`` and ``weight``.
        """
        import numpy as np

        text = samples_csv.decode("utf-8")
        self.headers = [header.strip() for header in next(csv.reader(io.StringIO(text)))]
        self.rows = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, ndmin=2)
        self.parameters = len(self.headers) - len(SAMPLES_TAIL)
        if self.headers[self.parameters :] != SAMPLES_TAIL:
            raise ValueError(f"unexpected samples.csv columns {self.headers}")

    def table(self, count: int, seed: int):
        """
        ``count`` samples: rows drawn at random from the real ones, parameters jittered by 1% of
        their spread, log posterior recomputed, weights the drawn rows' weights jittered and
        normalised to sum to 1 (so all positive).

        Returns
        -------
        A ``(count, columns)`` array in the column order of ``headers``.
        """
        import numpy as np

        rng = np.random.default_rng(seed)
        table = self.rows[rng.integers(0, len(self.rows), size=count)].copy()
        spread = self.rows[:, : self.parameters].std(axis=0)
        table[:, : self.parameters] += rng.normal(0.0, 0.01, size=(count, self.parameters)) * spread
        table[:, -2] = table[:, -4] + table[:, -3]  # log_posterior = log_likelihood + log_prior
        weights = table[:, -1] * rng.uniform(0.5, 1.5, size=count)
        table[:, -1] = weights / weights.sum()
        return table

    def writer(self, count: int, seed: int) -> Callable[[Path], None]:
        """
        A function writing ``count`` generated samples to a path, with autofit's own table
        writer (the padded columns of every ``samples.csv``).
        """

        def write(path: Path):
            from autofit.text.formatter import write_table

            rows = [[float(value) for value in row] for row in self.table(count, seed)]
            write_table(headers=self.headers, rows=rows, filename=path)

        return write


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
    ``AggregatorCSV.from_directory(root, **options)``.
    """
    from autofit_csv import AggregatorCSV

    return AggregatorCSV.from_directory(root, **options)


def aggregator_csv_table(root: Path, output: Path, **options):
    """
    (c) ``AggregatorCSV``: for each parameter its median with 3 sigma values and its max
    likelihood value, then the latent variable.

    Parameters
    ----------
    root
        The corpus.
    output
        The CSV written.
    options
        Extra ``from_directory`` keywords (``processes=``); ``progress=False`` is always asked.
    """
    table = open_aggregator_csv(root, progress=False, **options)
    for name, path in PARAMETERS:
        table.add_column(name, model_path=path, folder=FOLDER, error="values_at_sigma_3")
        table.add_column(f"{name}_max_lh", model_path=path, folder=FOLDER, use_max_lh_instance=True)
    table.add_column(LATENT[0], model_path=LATENT[1], folder=FOLDER)
    table.save(output)


# ---------------------------------------------------------------------------------------- checks


def read_table(path: Path, key_header: str = "row") -> Dict[str, Dict[str, str]]:
    """
    A CSV as ``{row key: {header: text}}``.
    """
    with open(path, newline="") as file:
        return {row.pop(key_header): row for row in csv.DictReader(file)}


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


def same_cell(expected: str, actual: str) -> bool:
    try:
        return float(expected) == float(actual)
    except ValueError:
        return expected == actual


def check_tables(
    expected_path: Path, actual_path: Path, what: str, key_map: Optional[dict] = None
) -> List[str]:
    """
    Compare a table with the baseline's; ``key_map`` renames the actual table's keys (autofit's
    ``AggregateCSV`` keys rows by fit id).
    """
    expected = read_table(expected_path)
    if key_map is None:
        actual = read_table(actual_path)
    else:
        actual = {key_map.get(key, key): row for key, row in read_table(actual_path, "id").items()}
    found = differences(expected, actual)
    if not expected:
        found.insert(0, f"{what}: the baseline table is empty")
    return found


def identifier_to_row_key(root: Path) -> Dict[str, str]:
    """
    The row key of each fit identifier of the corpus (to compare ``AggregateCSV``'s rows).
    """
    return {os.path.basename(folder): key for key, folder in fit_folders(root)}


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
    Import everything the timed code uses, so that no timing includes an import.
    """
    import numpy  # noqa: F401
    import autofit  # noqa: F401
    import autofit_csv  # noqa: F401
    from autofit.aggregator.aggregator import Aggregator  # noqa: F401
    from autofit.aggregator.summary.aggregate_csv import AggregateCSV  # noqa: F401
    from autofit.text.formatter import write_table  # noqa: F401
    from autonerves.dictable import from_dict  # noqa: F401

    logging.getLogger("autofit").setLevel(logging.WARNING)


@dataclass
class SizeResult:
    """
    The figures of one corpus size.
    """

    fits: int
    json_seconds: float
    autofit_seconds: Optional[float]
    ours_seconds: float
    autofit_matches: Optional[bool] = None
    memory: Optional[dict] = None
    processes: Optional[Dict[int, float]] = None


def benchmark_size(
    root: Path, output: Path, repeats: int, with_autofit: bool
) -> SizeResult:
    """
    Time (a), (b) and (c) ``repeats`` times each (interleaved), check the cells, return medians.

    Raises
    ------
    CellMismatch
        If (c)'s cells are not (a)'s.
    """
    fits = len(dataset_names_in(root))
    timings = {"json": [], "autofit": [], "ours": []}
    paths = {name: output / f"{name}_{fits}.csv" for name in timings}
    for repeat in range(repeats):
        timings["json"].append(time_call(json_baseline_table, root, paths["json"]))
        if with_autofit:
            timings["autofit"].append(
                time_call(autofit_aggregate_csv_table, root, paths["autofit"])
            )
        timings["ours"].append(time_call(aggregator_csv_table, root, paths["ours"]))
        latest = [f"{name} {runs[-1]:.3f}s" for name, runs in timings.items() if runs]
        log(f"  N={fits} repeat {repeat + 1}/{repeats}: " + "  ".join(latest))
    problems = check_tables(paths["json"], paths["ours"], "AggregatorCSV")
    if problems:
        raise CellMismatch(f"N={fits}: AggregatorCSV cells differ from the json baseline", problems)
    log(f"  N={fits}: AggregatorCSV cells equal the json baseline ({fits} rows)")
    autofit_matches = None
    if with_autofit:
        autofit_problems = check_tables(
            paths["json"], paths["autofit"], "AggregateCSV", identifier_to_row_key(root)
        )
        autofit_matches = not autofit_problems
        if autofit_problems:
            log(
                f"  N={fits}: note, AggregateCSV cells differ from the json baseline: "
                f"{autofit_problems[:3]}"
            )
    return SizeResult(
        fits=fits,
        json_seconds=statistics.median(timings["json"]),
        autofit_seconds=statistics.median(timings["autofit"]) if with_autofit else None,
        ours_seconds=statistics.median(timings["ours"]),
        autofit_matches=autofit_matches,
    )


def dataset_names_in(root: Path) -> List[str]:
    return sorted(os.listdir(root / PATH_PREFIX))


class CellMismatch(Exception):
    def __init__(self, message: str, problems: List[str]):
        """
        A table whose cells differ from the baseline's; ``problems`` lists where.
        """
        super().__init__(message)
        self.problems = problems


def benchmark_processes(root: Path, output: Path, repeats: int) -> Dict[int, float]:
    """
    Median seconds of (c) with ``processes=1`` and ``processes=2`` (runs interleaved).

    Raises
    ------
    CellMismatch
        If the ``processes=2`` table's cells are not the json baseline's.
    """
    fits = len(dataset_names_in(root))
    runs = {1: [], 2: []}
    paths = {processes: output / f"ours_p{processes}_{fits}.csv" for processes in runs}
    for repeat in range(repeats):
        for processes, seconds in runs.items():
            path = paths[processes]
            seconds.append(time_call(aggregator_csv_table, root, path, processes=processes))
        log(
            f"  N={fits} repeat {repeat + 1}/{repeats}: processes=1 {runs[1][-1]:.3f}s  "
            f"processes=2 {runs[2][-1]:.3f}s"
        )
    problems = check_tables(output / f"json_{fits}.csv", paths[2], "AggregatorCSV processes=2")
    if problems:
        raise CellMismatch(
            f"N={fits}: AggregatorCSV(processes=2) cells differ from the json baseline", problems
        )
    return {processes: statistics.median(seconds) for processes, seconds in runs.items()}


# ---------------------------------------------------------------------------------------- memory


def peak_rss_kb() -> int:
    """
    The peak resident set size of this process so far, in kB.

    On Linux this is ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` of
    ``resource.getrusage`` survives ``exec``, so in a subprocess started from a large parent it
    reports the parent's size (the benchmark's own process, which grows with N). Elsewhere it is
    ``ru_maxrss`` (kB on Linux, bytes on macOS, converted).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def memory_child(root: str, output: str):
    """
    Run (c) once in this (fresh) process and print, as JSON, the peak RSS after the imports and
    at the end (see ``peak_rss_kb``), and ``ru_maxrss`` at the end for reference.
    """
    import_tools()
    after_imports = peak_rss_kb()
    with quiet():
        aggregator_csv_table(Path(root), Path(output))
    print(
        json.dumps(
            {
                "after_imports_kb": after_imports,
                "peak_kb": peak_rss_kb(),
                "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def measure_memory(root: Path, output: Path) -> dict:
    """
    Peak RSS of (c) over ``root``, measured in a fresh subprocess.

    Returns
    -------
    ``{"after_imports_kb": ..., "peak_kb": ...}``
    """
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(root), str(output)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYAUTO_SKIP_WORKSPACE_VERSION_CHECK="1"),
    )
    if result.returncode != 0:
        raise RuntimeError(f"the memory subprocess failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


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


def aggregator_csv_samples_table(root: Path, output: Path):
    """
    (ii) ``AggregatorCSV.add_x3_columns_with_errors`` with ``einstein_radius_via_samples``.
    """
    table = open_aggregator_csv(root, progress=False)
    table.add_x3_columns_with_errors(
        "einstein_radius", samples_func=einstein_radius_via_samples, folder=FOLDER
    )
    table.save(output)


@dataclass
class SamplesResult:
    fits: int
    samples_per_fit: int
    numpy_seconds: float
    ours_seconds: float


def benchmark_samples(root: Path, output: Path, repeats: int) -> SamplesResult:
    """
    Time (i) and (ii) ``repeats`` times each, check that they agree exactly, return medians.

    Raises
    ------
    CellMismatch
        If (ii)'s cells are not (i)'s.
    """
    fits = len(dataset_names_in(root))
    samples_per_fit = json.loads((root / CORPUS_MARKER).read_text())["samples_per_fit"]
    numpy_runs, ours_runs = [], []
    numpy_path, ours_path = output / "samples_numpy.csv", output / "samples_ours.csv"
    for repeat in range(repeats):
        numpy_runs.append(time_call(numpy_samples_table, root, numpy_path))
        ours_runs.append(time_call(aggregator_csv_samples_table, root, ours_path))
        log(
            f"  samples repeat {repeat + 1}/{repeats}: numpy {numpy_runs[-1]:.2f}s  "
            f"ours {ours_runs[-1]:.2f}s"
        )
    problems = check_tables(numpy_path, ours_path, "AggregatorCSV samples")
    if problems:
        raise CellMismatch("samples: AggregatorCSV cells differ from the numpy baseline", problems)
    log(f"  samples: AggregatorCSV cells equal the numpy baseline ({fits} rows)")
    return SamplesResult(
        fits=fits,
        samples_per_fit=samples_per_fit,
        numpy_seconds=statistics.median(numpy_runs),
        ours_seconds=statistics.median(ours_runs),
    )


# ---------------------------------------------------------------------------------------- profile


def profile_ours(root: Path, output: Path, top: int = 10) -> str:
    """
    cProfile of one run of (c): the ``top`` entries by cumulative time whose code is in
    ``autofit_csv`` or ``autofit``.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    gc.collect()
    with quiet():
        profiler.runcall(aggregator_csv_table, root, output / "ours_profile.csv")
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    wanted = re.compile(r"[/\\](autofit_csv|autofit)[/\\]")
    entries = []
    for (filename, line, function), (_, calls, _, cumulative, _) in stats.stats.items():
        if wanted.search(filename):
            entries.append((cumulative, calls, filename, line, function))
    entries.sort(reverse=True)
    lines = [f"profile of AggregatorCSV at N={len(dataset_names_in(root))}: {total:.3f}s in all"]
    lines.append(f"  {'cumulative':>10} {'calls':>8}  function")
    for cumulative, calls, filename, line, function in entries[:top]:
        lines.append(f"  {cumulative:>9.3f}s {calls:>8}  {short_path(filename)}:{line}({function})")
    return "\n".join(lines)


def short_path(filename: str) -> str:
    """
    A source path from its package folder on (``autofit_csv/table.py``).
    """
    match = re.search(r"(autofit_csv|autofit)[/\\].*$", filename)
    return match.group(0) if match else filename


# ---------------------------------------------------------------------------------------- report


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def format_seconds(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.3g}s" if seconds >= 0.01 else f"{seconds * 1000:.2g}ms"


def summary_lines(sizes: List[SizeResult], samples: Optional[SamplesResult]) -> List[str]:
    """
    The final report: one line per corpus size, then memory, processes and samples.
    """
    lines = ["", "=" * 100, "SUMMARY", "=" * 100]
    for size in sizes:
        ours_over_json = size.ours_seconds / size.json_seconds
        line = (
            f"N={size.fits:<6} json {format_seconds(size.json_seconds)}  "
            f"AggregateCSV {format_seconds(size.autofit_seconds)}  "
            f"AggregatorCSV {format_seconds(size.ours_seconds)}  "
            f"ratio(ours/json)={ours_over_json:.2f} (target<={TARGET_OURS_OVER_JSON:g}) "
            f"{verdict(ours_over_json <= TARGET_OURS_OVER_JSON)}"
        )
        if size.autofit_seconds is not None:
            autofit_over_ours = size.autofit_seconds / size.ours_seconds
            line += (
                f"  ratio(autofit/ours)={autofit_over_ours:.1f} "
                f"(target>={TARGET_AUTOFIT_OVER_OURS:g}) "
                f"{verdict(autofit_over_ours >= TARGET_AUTOFIT_OVER_OURS)}"
            )
        lines.append(line)

    if sizes:
        checked = ", ".join(str(size.fits) for size in sizes)
        line = f"cells   AggregatorCSV == json baseline at N={checked} (exact floats)"
        autofit = [size.autofit_matches for size in sizes if size.autofit_matches is not None]
        if autofit:
            line += f"; AggregateCSV == json baseline: {'yes' if all(autofit) else 'NO'}"
        lines.append(line)

    measured = [size for size in sizes if size.memory]
    if measured:
        parts = [
            f"N={size.fits} peak {size.memory['peak_kb'] / 1024:.0f} MB "
            f"(after imports {size.memory['after_imports_kb'] / 1024:.0f} MB, "
            f"+{(size.memory['peak_kb'] - size.memory['after_imports_kb']) / 1024:.0f} MB)"
            for size in measured
        ]
        line = "memory  " + "  ".join(parts)
        if len(measured) >= 2:
            small, large = measured[0], measured[-1]
            ratio = large.memory["peak_kb"] / small.memory["peak_kb"]
            line += (
                f"  ratio peak({large.fits})/peak({small.fits})={ratio:.2f} "
                f"(target<={TARGET_MEMORY_RATIO:g}) {verdict(ratio <= TARGET_MEMORY_RATIO)}"
            )
        lines.append(line)

    for size in sizes:
        if size.processes:
            speedup = size.processes[1] / size.processes[2]
            lines.append(
                f"processes N={size.fits:<6} processes=1 {format_seconds(size.processes[1])}  "
                f"processes=2 {format_seconds(size.processes[2])}  speed-up={speedup:.2f} "
                f"(target>={TARGET_PROCESSES_SPEEDUP:g}) "
                f"{verdict(speedup >= TARGET_PROCESSES_SPEEDUP)}"
            )

    if samples is not None:
        numpy_per_fit = samples.numpy_seconds / samples.fits
        ours_per_fit = samples.ours_seconds / samples.fits
        ratio = ours_per_fit / numpy_per_fit
        lines.append(
            f"samples {samples.fits} fits x {samples.samples_per_fit} samples  "
            f"numpy {numpy_per_fit * 1000:.1f} ms/fit  "
            f"AggregatorCSV {ours_per_fit * 1000:.1f} ms/fit  "
            f"ratio(ours/numpy)={ratio:.2f} (target<={TARGET_SAMPLES_RATIO:g}) "
            f"{verdict(ratio <= TARGET_SAMPLES_RATIO)}"
        )
    return lines


def log(message: str):
    """
    Progress, to stderr (the report goes to stdout).
    """
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------- main


def parse_arguments(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=BENCHMARKS / "corpus",
        help="folder for the corpora and tables (default: benchmarks/corpus, git-ignored)",
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes N"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of each tool (the median is kept)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild corpora even if present")
    parser.add_argument(
        "--fixture",
        type=Path,
        default=None,
        help="the complete fit folder copied into the corpora (default: the first complete fit "
        "in test_autofit_csv/fixtures/output/vis/lens_001/source_lp[1])",
    )
    parser.add_argument(
        "--skip-autofit-above",
        type=int,
        default=None,
        metavar="N",
        help="do not time autofit's AggregateCSV for corpora larger than N (it is slow)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak memory subprocesses"
    )
    parser.add_argument(
        "--no-processes", action="store_true", help="skip processes=1 vs processes=2"
    )
    samples = parser.add_mutually_exclusive_group()
    samples.add_argument(
        "--samples-mode", action="store_true", help="run only the samples benchmark"
    )
    samples.add_argument("--no-samples", action="store_true", help="skip the samples benchmark")
    parser.add_argument("--samples-fits", type=int, default=200, help="fits of the samples corpus")
    parser.add_argument("--samples-per-fit", type=int, default=20000, help="samples per fit")
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=1000,
        default=None,
        metavar="N",
        help="print a cProfile of AggregatorCSV at N fits (default 1000)",
    )
    # Internal: the fresh process in which measure_memory runs (c).
    parser.add_argument(
        "--memory-child", nargs=2, metavar=("CORPUS", "CSV"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.memory_child:
        memory_child(*arguments.memory_child)
        return 0

    corpus = arguments.corpus.resolve()
    output = corpus / "tables"
    output.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(arguments.sizes))
    import_tools()

    results: List[SizeResult] = []
    samples_result = None
    profile_report = None
    try:
        if not arguments.samples_mode:
            for fits in sizes:
                root = ensure_corpus(
                    corpus / f"fits_{fits}",
                    fits,
                    rebuild=arguments.rebuild,
                    fixture=arguments.fixture,
                )
                limit = arguments.skip_autofit_above
                with_autofit = limit is None or fits <= limit
                log(f"timing N={fits} ({arguments.repeats} repeats) ...")
                result = benchmark_size(root, output, arguments.repeats, with_autofit)
                if not arguments.no_memory:
                    result.memory = measure_memory(root, output / f"ours_memory_{fits}.csv")
                    log(f"  N={fits}: peak RSS {result.memory['peak_kb'] / 1024:.0f} MB")
                if not arguments.no_processes:
                    result.processes = benchmark_processes(root, output, arguments.repeats)
                results.append(result)
            if arguments.profile is not None:
                size = arguments.profile
                root = ensure_corpus(corpus / f"fits_{size}", size, fixture=arguments.fixture)
                profile_report = profile_ours(root, output)
        if not arguments.no_samples:
            root = ensure_corpus(
                corpus / f"samples_{arguments.samples_fits}x{arguments.samples_per_fit}",
                arguments.samples_fits,
                rebuild=arguments.rebuild,
                samples_per_fit=arguments.samples_per_fit,
                fixture=arguments.fixture,
            )
            log(f"timing the samples benchmark ({arguments.repeats} repeats) ...")
            samples_result = benchmark_samples(root, output, arguments.repeats)
    except CellMismatch as mismatch:
        print(f"FAILED: {mismatch}", file=sys.stderr)
        for problem in mismatch.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        if len(mismatch.problems) > 20:
            print(f"  ... and {len(mismatch.problems) - 20} more", file=sys.stderr)
        return 2

    if profile_report:
        print(profile_report)
    for line in summary_lines(results, samples_result):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
