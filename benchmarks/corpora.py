"""
The benchmark corpora: one complete fixture fit written N times, laid out as autofit writes
output (``vis/<dataset>/source_lp[1]/<identifier>``), each copy its own dataset with its own
numbers. Built once and reused while the marker file in the corpus matches.
"""
import copy
import csv
import hashlib
import io
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from autofit_csv.summary import INTERVAL_SECTIONS, SAMPLE_SECTIONS

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
FIXTURE_OUTPUT = REPOSITORY / "test_autofit_csv" / "fixtures" / "output"
#: Where the fixture fit copied into every dataset of a corpus is (the fit folder below it is found
#: by ``find_fixture_fit``; its identifier changes if the fixtures are regenerated differently).
FIXTURE_SEARCH = FIXTURE_OUTPUT / "vis" / "lens_001" / "source_lp[1]"

#: The search folder every copied fit sits in, and the ``folder=`` of the table's columns.
FOLDER = "source_lp[1]"
PATH_PREFIX = "vis"

#: The parameter each copy perturbs, so that rows differ; the latent variable scales as its square.
PERTURBED_PATH = "galaxies.lens.mass.einstein_radius"
PERTURBED_LATENT_PATH = "galaxies.lens.mass.einstein_mass"

#: The columns autofit writes after the parameters of a ``samples.csv``.
SAMPLES_TAIL = ["log_likelihood", "log_prior", "log_posterior", "weight"]

#: Bumped whenever the corpus layout changes, so older corpora are rebuilt rather than reused.
CORPUS_FORMAT = 1
CORPUS_MARKER = ".benchmark_corpus.json"

#: What a slim corpus leaves out of every copy: the files no table of the benchmark reads except
#: the samples ones (samples.csv, samples_info.json), and what autofit writes for people or for
#: resuming (images, covariance, logs, text summaries). A slim copy keeps .completed, .identifier
#: and files/{search,model,info,samples_summary}.json and files/latent/latent_summary.json: all
#: that the medians, errors, latent, latent_func and describe() tables open.
SLIM_DROPPED = (
    "files/samples.csv",
    "files/samples_info.json",
    "files/covariance.csv",
    "image/",
    "search_internal/",
    "model.info",
    "model.results",
    "latent.results",
    "search.log",
    "search.summary",
)


def dropped_in_slim(relative: Path) -> bool:
    """
    Whether a slim corpus leaves out the fit file at ``relative`` (to the fit folder).
    """
    text = relative.as_posix()
    return any(
        text.startswith(entry) if entry.endswith("/") else text == entry for entry in SLIM_DROPPED
    )


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
    slim: bool = False,
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
    slim
        Leave out the files of ``SLIM_DROPPED``.

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
        if slim and dropped_in_slim(relative):
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
    scale_summary_value(latent, PERTURBED_LATENT_PATH, factor**2)
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
    fits: int, samples_per_fit: Optional[int], fixture: Optional[Path], slim: bool = False
) -> dict:
    """
    What a corpus holds, as written to its marker file (a corpus is reused only if it matches).
    ``fixture`` None stands for the default fixture fit, so that a corpus is reused even while
    the fixtures are being regenerated. ``slim`` is only written when true, so that corpora
    built before slim ones existed are still reused.
    """
    if fixture is not None:
        fixture = fixture.resolve()
        try:
            fixture = fixture.relative_to(REPOSITORY)
        except ValueError:
            pass
    description = {
        "format": CORPUS_FORMAT,
        "fits": fits,
        "samples_per_fit": samples_per_fit,
        "fixture": "default" if fixture is None else str(fixture),
    }
    if slim:
        description["slim"] = list(SLIM_DROPPED)
    return description


def ensure_corpus(
    directory: Path,
    fits: int,
    rebuild: bool = False,
    samples_per_fit: Optional[int] = None,
    fixture: Optional[Path] = None,
    seed: int = 0,
    slim: bool = False,
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
    slim
        Leave out of every copy the files of ``SLIM_DROPPED`` (no samples then).

    Returns
    -------
    ``directory``.
    """
    if slim and samples_per_fit:
        raise ValueError("a slim corpus has no samples.csv: samples_per_fit must be None")
    directory = directory.resolve()
    if FIXTURE_OUTPUT.resolve() in (directory, *directory.parents):
        raise ValueError(f"refusing to write a corpus inside the fixtures ({directory})")
    description = corpus_description(fits, samples_per_fit, fixture, slim)
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

    from tqdm import tqdm

    what = f"{fits} fits" + (f" of {samples_per_fit} samples" if samples_per_fit else "")
    what += " (slim)" if slim else ""
    template = FixtureFit.load(fixture or find_fixture_fit())
    rng = random.Random(seed)
    generator = None
    if samples_per_fit:
        generator = SamplesGenerator(template.copied[Path("files/samples.csv")])
    progress = tqdm(
        total=fits, desc=f"corpus {directory.name}: {what}", unit="fit", file=sys.stderr,
        mininterval=1.0,
    )
    with progress:
        for number, dataset in enumerate(dataset_names(fits), start=1):
            writer = None
            if generator is not None:
                writer = generator.writer(samples_per_fit, seed=seed * 1_000_003 + number)
            factor = rng.uniform(0.8, 1.2)
            copy_fit(template, building, dataset, factor=factor, samples_writer=writer, slim=slim)
            progress.update()
    write_json(building / CORPUS_MARKER, description)
    building.rename(directory)
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