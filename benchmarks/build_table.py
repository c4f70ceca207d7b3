"""
Benchmark ``AggregatorCSV`` against a plain ``json.load`` script, autofit's ``AggregateCSV``,
numpy, itself in other configurations, and (``--compare-with``) another checkout of itself.

The corpora (``corpora.py``) are real autofit fit folders: one complete fixture fit copied into
N datasets, laid out as autofit writes them. The tables timed (``workloads.py``) are, for each N,

(a) a plain script: ``os.walk`` for ``files/search.json``, ``json.load`` of
    ``samples_summary.json`` and ``latent/latent_summary.json``, the ``csv`` module;
(b) autofit's ``AggregateCSV`` over ``Aggregator.from_directory`` with the same columns;
(c) ``AggregatorCSV.from_directory`` with the same columns (medians, 3 sigma values, max
    likelihood values, a latent variable),

with (c)'s cells checked equal to (a)'s, (c)'s peak memory in a fresh process, and (c) with
``processes=1`` and ``2``. At one size (``--extras-size``, 10,000) a table of medians is timed
against a ``latent_func`` table and ``describe()``, and (c) saved as CSV against Parquet and
FITS. Over large ``samples.csv`` files a samples function is timed against numpy, and serially
against a Dask ``LocalCluster`` of two worker processes. Every ratio is printed with its target,
PASS or MISS, and the load average when it was measured. A report, not a test: the exit status
is 0 whatever the ratios, 2 if any table's cells differ from its baseline.

Run from the repository root::

    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/build_table.py
    PYAUTO_SKIP_WORKSPACE_VERSION_CHECK=1 .venv/bin/python benchmarks/build_table.py \\
        --sizes 200 1000 --profile 1000 --no-extras --no-samples --no-dask
"""
import argparse
import dataclasses
import gc
import json
import logging
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

from corpora import BENCHMARKS, REPOSITORY, ensure_corpus  # noqa: E402
from workloads import (  # noqa: E402
    LATENT_FUNC_HEADER,
    PARAMETERS,
    CellMismatch,
    aggregator_csv_samples_table,
    aggregator_csv_table,
    autofit_aggregate_csv_table,
    check_derived_column,
    check_description,
    check_tables,
    corpus_fits,
    describe_text,
    identifier_to_row_key,
    import_tools,
    json_baseline_table,
    latent_func_table,
    medians_table,
    numpy_samples_table,
    quiet,
    raise_if,
    samples_per_fit,
    time_call,
)

#: Targets of the summary.
TARGET_OURS_OVER_JSON = 1.5  # (c) at most this many times slower than (a), at every N
TARGET_AUTOFIT_OVER_OURS = 5.0  # (b) at least this many times slower than (c)
TARGET_MEMORY_RATIO = 1.3  # peak RSS at a larger N over peak RSS at --memory-reference
TARGET_PROCESSES_SPEEDUP = 1.6  # processes=1 time over processes=2 time (2 cores), issue 5
TARGET_LATENT_OVER_MEDIANS = 2.5  # latent_func table over a table of medians
TARGET_DESCRIBE_OVER_MEDIANS = 2.0  # describe() over a table of medians (strictly under)
TARGET_FORMAT_OVER_CSV = 1.3  # a Parquet or FITS save over the CSV save of the same table
TARGET_SAMPLES_RATIO = 2.0  # per fit, AggregatorCSV samples function over the numpy script
TARGET_DASK_SPEEDUP = 1.6  # serial time over a 2-worker Dask LocalCluster
TARGET_NEW_OVER_OLD = 1.05  # --compare-with: this checkout at most 5% slower than the other

#: Saves compared at the extras size: the suffixes, CSV (the baseline) first.
SAVE_FORMATS = (".csv", ".parquet", ".fits")


def load_average() -> Tuple[float, float]:
    """
    The 1- and 5-minute load averages now (other processes share the machine's cores).
    """
    one, five, _ = os.getloadavg()
    return one, five


def log(message: str):
    """
    Progress, to stderr (the report goes to stdout).
    """
    print(message, file=sys.stderr, flush=True)


def median(values: List[float]) -> float:
    return statistics.median(values)


# ---------------------------------------------------------------------------------------- sizes


@dataclass
class SizeResult:
    """
    The figures of one corpus size.
    """

    fits: int
    slim: bool
    json_seconds: float
    autofit_seconds: Optional[float]
    ours_seconds: float
    load: Tuple[float, float]
    autofit_matches: Optional[bool] = None
    memory: Optional[dict] = None
    memory_load: Optional[Tuple[float, float]] = None
    processes: Optional[Dict[int, float]] = None
    processes_load: Optional[Tuple[float, float]] = None


def benchmark_size(
    root: Path, output: Path, repeats: int, with_autofit: bool, slim: bool
) -> SizeResult:
    """
    Time (a), (b) and (c) ``repeats`` times each (interleaved), check the cells, return medians.

    Raises
    ------
    CellMismatch
        If (c)'s cells are not (a)'s.
    """
    fits = corpus_fits(root)
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
    raise_if(
        check_tables(paths["json"], paths["ours"], "AggregatorCSV"),
        f"N={fits}: AggregatorCSV cells differ from the json baseline",
    )
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
        slim=slim,
        json_seconds=median(timings["json"]),
        autofit_seconds=median(timings["autofit"]) if with_autofit else None,
        ours_seconds=median(timings["ours"]),
        load=load_average(),
        autofit_matches=autofit_matches,
    )


def benchmark_processes(root: Path, output: Path, repeats: int) -> Dict[int, float]:
    """
    Median seconds of (c) with ``processes=1`` and ``processes=2`` (runs interleaved).

    Raises
    ------
    CellMismatch
        If the ``processes=2`` table's cells are not the json baseline's.
    """
    fits = corpus_fits(root)
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
    raise_if(
        check_tables(output / f"json_{fits}.csv", paths[2], "AggregatorCSV processes=2"),
        f"N={fits}: AggregatorCSV(processes=2) cells differ from the json baseline",
    )
    return {processes: median(seconds) for processes, seconds in runs.items()}


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


def run_child(*arguments: str) -> dict:
    """
    This script in a fresh process with ``arguments``; its last stdout line, parsed as JSON.
    """
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYAUTO_SKIP_WORKSPACE_VERSION_CHECK="1"),
    )
    if result.returncode != 0:
        raise RuntimeError(f"the subprocess {arguments[0]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_memory(root: Path, output: Path) -> dict:
    """
    Peak RSS of (c) over ``root``, measured in a fresh subprocess.

    Returns
    -------
    ``{"after_imports_kb": ..., "peak_kb": ...}``
    """
    return run_child("--memory-child", str(root), str(output))


# ---------------------------------------------------------------------------------------- extras


@dataclass
class ExtrasResult:
    """
    The figures at the extras size: a table of medians against a ``latent_func`` table and
    ``describe()``, and the saves of (c) in each format.
    """

    fits: int
    medians_seconds: float
    latent_seconds: float
    describe_seconds: float
    load: Tuple[float, float]
    latent_stdout: str
    saves: Dict[str, float] = field(default_factory=dict)
    saves_load: Optional[Tuple[float, float]] = None


def stdout_child(root: str, output: str):
    """
    Build the ``latent_func`` table once in this (fresh) process, autofit's model built for the
    first time here, with file descriptor 1 pointed at a file; print, as JSON, what was written
    to it (Python's prints and anything below Python alike).
    """
    import_tools()
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 1)
        try:
            latent_func_table(Path(root), Path(output))
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        printed = captured.read().decode("utf-8", "replace")
    print(json.dumps({"stdout": printed}))


def benchmark_extras(root: Path, output: Path, repeats: int) -> ExtrasResult:
    """
    Time a table of medians, a ``latent_func`` table and ``describe()`` (each opening the
    corpus with ``from_directory``; interleaved), check what they give, check that a fresh
    process building the ``latent_func`` table prints nothing; then time (c) saved as CSV,
    Parquet and FITS (after one untimed save of each; interleaved; each a whole save, rows built
    included) and check that the Parquet and FITS cells are the json baseline's.

    Raises
    ------
    CellMismatch
        A table's cells differ from the json baseline, or ``describe()`` misses something.
    """
    fits = corpus_fits(root)
    baseline = output / f"json_{fits}.csv"
    if not baseline.exists():
        json_baseline_table(root, baseline)
    tools = {
        "medians": (medians_table, output / f"medians_{fits}.csv"),
        "latent": (latent_func_table, output / f"latent_func_{fits}.csv"),
        "describe": (describe_text, output / f"describe_{fits}.txt"),
    }
    runs = {name: [] for name in tools}
    for repeat in range(repeats):
        for name, (function, path) in tools.items():
            runs[name].append(time_call(function, root, path))
        log(
            f"  N={fits} repeat {repeat + 1}/{repeats}: "
            + "  ".join(f"{name} {seconds[-1]:.3f}s" for name, seconds in runs.items())
        )
    load = load_average()
    raise_if(
        check_derived_column(baseline, tools["medians"][1], PARAMETERS[0][0], float, "medians"),
        f"N={fits}: the medians table differs from the json baseline",
    )
    raise_if(
        check_derived_column(
            baseline, tools["latent"][1], LATENT_FUNC_HEADER, lambda value: 2 * value, "latent"
        ),
        f"N={fits}: the latent_func table is not twice the json baseline's einstein_radius",
    )
    raise_if(check_description(tools["describe"][1], fits), f"N={fits}: describe() is incomplete")
    log(f"  N={fits}: medians and latent_func cells equal the json baseline's; describe() complete")
    printed = run_child("--stdout-child", str(root), str(output / "latent_func_fresh.csv"))["stdout"]
    log(f"  N={fits}: a fresh process building the latent_func table printed {len(printed)} chars")

    saves = {suffix: [] for suffix in SAVE_FORMATS}
    for suffix in SAVE_FORMATS:
        # Untimed: each writer's first call (its imports, first-call costs).
        time_call(aggregator_csv_table, root, output / f"ours_{fits}{suffix}")
    for repeat in range(repeats):
        for suffix, seconds in saves.items():
            seconds.append(time_call(aggregator_csv_table, root, output / f"ours_{fits}{suffix}"))
        log(
            f"  N={fits} repeat {repeat + 1}/{repeats}: "
            + "  ".join(f"save{suffix} {seconds[-1]:.3f}s" for suffix, seconds in saves.items())
        )
    for suffix in SAVE_FORMATS:
        raise_if(
            check_tables(baseline, output / f"ours_{fits}{suffix}", f"save{suffix}"),
            f"N={fits}: the {suffix} save's cells differ from the json baseline",
        )
    log(f"  N={fits}: CSV, Parquet and FITS cells equal the json baseline's")
    return ExtrasResult(
        fits=fits,
        medians_seconds=median(runs["medians"]),
        latent_seconds=median(runs["latent"]),
        describe_seconds=median(runs["describe"]),
        load=load,
        latent_stdout=printed,
        saves={suffix: median(seconds) for suffix, seconds in saves.items()},
        saves_load=load_average(),
    )


# ---------------------------------------------------------------------------------------- samples


@dataclass
class SamplesResult:
    fits: int
    samples_per_fit: int
    numpy_seconds: float
    ours_seconds: float
    load: Tuple[float, float]


def benchmark_samples(root: Path, output: Path, repeats: int) -> SamplesResult:
    """
    Time (i) numpy and (ii) the samples function ``repeats`` times each, check that they agree
    exactly, return medians.

    Raises
    ------
    CellMismatch
        If (ii)'s cells are not (i)'s.
    """
    fits = corpus_fits(root)
    numpy_runs, ours_runs = [], []
    numpy_path, ours_path = output / "samples_numpy.csv", output / "samples_ours.csv"
    for repeat in range(repeats):
        numpy_runs.append(time_call(numpy_samples_table, root, numpy_path))
        ours_runs.append(time_call(aggregator_csv_samples_table, root, ours_path))
        log(
            f"  samples repeat {repeat + 1}/{repeats}: numpy {numpy_runs[-1]:.2f}s  "
            f"ours {ours_runs[-1]:.2f}s"
        )
    raise_if(
        check_tables(numpy_path, ours_path, "AggregatorCSV samples"),
        "samples: AggregatorCSV cells differ from the numpy baseline",
    )
    log(f"  samples: AggregatorCSV cells equal the numpy baseline ({fits} rows)")
    return SamplesResult(
        fits=fits,
        samples_per_fit=samples_per_fit(root),
        numpy_seconds=median(numpy_runs),
        ours_seconds=median(ours_runs),
        load=load_average(),
    )


@dataclass
class DaskResult:
    fits: int
    samples_per_fit: int
    serial_seconds: float
    dask_seconds: float
    load: Tuple[float, float]


def _warm_dask_worker() -> str:
    """
    Run on each Dask worker before timing: the imports a table needs (so that no timing
    includes them); returns where ``autofit_csv`` came from.
    """
    import workloads

    workloads.import_tools()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    import autofit_csv

    return autofit_csv.__file__


def benchmark_dask(root: Path, output: Path, repeats: int) -> DaskResult:
    """
    The samples function table built serially and on a Dask ``LocalCluster(n_workers=2,
    threads_per_worker=1, processes=True)`` through ``executor=client.get_executor()``,
    interleaved; the cluster is started, and its workers import everything, before timing.

    Raises
    ------
    CellMismatch
        The Dask table's cells differ from the serial table's.
    """
    import distributed

    # Spawned workers import the samples function from workloads.py by name, and keep their
    # INFO logging (which autofit's logging setup would send to stdout) to themselves.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(BENCHMARKS)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    )
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"
    fits = corpus_fits(root)
    serial_path, dask_path = output / "samples_serial.csv", output / "samples_dask.csv"
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with quiet(), distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster, distributed.Client(cluster) as client:
        imported = client.run(_warm_dask_worker)
        log(f"  dask: {len(imported)} workers, autofit_csv from {sorted(set(imported.values()))}")
        executor = client.get_executor()
        serial_runs, dask_runs = [], []
        for repeat in range(repeats):
            serial_runs.append(time_call(aggregator_csv_samples_table, root, serial_path))
            dask_runs.append(
                time_call(aggregator_csv_samples_table, root, dask_path, executor=executor)
            )
            log(
                f"  dask repeat {repeat + 1}/{repeats}: serial {serial_runs[-1]:.2f}s  "
                f"LocalCluster(2 workers) {dask_runs[-1]:.2f}s"
            )
        load = load_average()
    raise_if(
        check_tables(serial_path, dask_path, "AggregatorCSV on Dask"),
        "dask: the LocalCluster table's cells differ from the serial table's",
    )
    log(f"  dask: cells equal the serial table's ({fits} rows)")
    return DaskResult(
        fits=fits,
        samples_per_fit=samples_per_fit(root),
        serial_seconds=median(serial_runs),
        dask_seconds=median(dask_runs),
        load=load,
    )


# ---------------------------------------------------------------------------------------- compare


@dataclass
class Comparison:
    """
    One workload timed on this checkout (new) and another (old), interleaved.
    """

    label: str
    new_seconds: float
    old_seconds: float
    load: Tuple[float, float]


@dataclass
class CompareResult:
    new: str
    old: str
    comparisons: List[Comparison]


def compare_workloads(corpus: Path, sizes: List[int], samples_root: Optional[Path]) -> list:
    """
    ``(label, workload, corpus root, options)`` of what ``--compare-with`` times: (c) at every
    size of ``sizes``, and at the largest with ``processes=2``, the ``latent_func`` table and
    a table of medians; the samples function table if ``samples_root`` is given.
    """
    planned = []
    for fits in sizes:
        root = corpus / f"fits_{fits}"
        planned.append((f"(c) medians+errors+latent N={fits}", "aggregator_csv_table", root, {}))
    largest = corpus / f"fits_{max(sizes)}"
    planned += [
        (f"(c) processes=2 N={max(sizes)}", "aggregator_csv_table", largest, {"processes": 2}),
        (f"table of medians N={max(sizes)}", "medians_table", largest, {}),
        (f"latent_func table N={max(sizes)}", "latent_func_table", largest, {}),
    ]
    if samples_root is not None:
        fits, per_fit = corpus_fits(samples_root), samples_per_fit(samples_root)
        planned.append(
            (f"samples_func {fits} fits x {per_fit}", "aggregator_csv_samples_table", samples_root, {})
        )
    return planned


def benchmark_compare(
    other: Path, planned: list, output: Path, repeats: int
) -> CompareResult:
    """
    Time each planned workload in two worker processes, one importing ``autofit_csv`` from this
    repository, one from ``other``, alternating which goes first; check that both give the same
    cells.

    Raises
    ------
    CellMismatch
        The two checkouts' tables differ.
    """
    from compare_checkout import CheckoutWorker

    folder = output / "compare"
    folder.mkdir(exist_ok=True)
    workers = {}
    try:
        for name, checkout in (("new", REPOSITORY), ("old", other)):
            workers[name] = CheckoutWorker(checkout, name, folder / f"{name}_worker.log")
            log(f"  compare: {name} = {checkout} (commit {workers[name].commit}), "
                f"autofit_csv imported from {workers[name].package_file}")
        comparisons = []
        for number, (label, workload, root, options) in enumerate(planned):
            runs = {"new": [], "old": []}
            paths = {name: folder / f"{name}_{number}.csv" for name in runs}
            for repeat in range(repeats):
                order = ("new", "old") if (repeat + number) % 2 == 0 else ("old", "new")
                for name in order:
                    runs[name].append(workers[name].time(workload, root, paths[name], **options))
                log(
                    f"  compare {label} repeat {repeat + 1}/{repeats}: "
                    f"new {runs['new'][-1]:.3f}s  old {runs['old'][-1]:.3f}s"
                )
            raise_if(
                check_tables(paths["old"], paths["new"], label),
                f"compare {label}: the two checkouts' cells differ",
            )
            comparisons.append(
                Comparison(label, median(runs["new"]), median(runs["old"]), load_average())
            )
        return CompareResult(
            new=f"{REPOSITORY} ({workers['new'].commit})",
            old=f"{Path(other).resolve()} ({workers['old'].commit})",
            comparisons=comparisons,
        )
    finally:
        for worker in workers.values():
            worker.close()


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
    lines = [f"profile of AggregatorCSV at N={corpus_fits(root)}: {total:.3f}s in all"]
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


def format_load(load: Optional[Tuple[float, float]]) -> str:
    if load is None:
        return ""
    return f"  [load {load[0]:.2f} {load[1]:.2f}]"


def ratio_line(
    what: str, ratio: float, target: float, at_most: bool, load, strict=False, digits=2
) -> str:
    """
    ``what ratio=R (target<=T) PASS [load ...]``; ``strict`` for a target that must be beaten;
    ``digits`` of the ratio printed.
    """
    if at_most:
        passed = ratio < target if strict else ratio <= target
        sign = "<" if strict else "<="
    else:
        passed, sign = ratio >= target, ">="
    return (
        f"{what} ratio={ratio:.{digits}f} (target{sign}{target:g}) {verdict(passed)}"
        f"{format_load(load)}"
    )


def summary_lines(
    sizes: List[SizeResult],
    memory_reference: int,
    extras: Optional[ExtrasResult],
    samples: Optional[SamplesResult],
    dask: Optional[DaskResult],
    compare: Optional[CompareResult],
) -> List[str]:
    """
    The final report: one line per figure, each with its target, PASS or MISS, and the 1- and
    5-minute load averages when it was measured.
    """
    lines = ["", "=" * 100, f"SUMMARY  ({os.cpu_count()} cores; [load 1-min 5-min] after each)"]
    lines.append("=" * 100)
    for size in sizes:
        slim = " (slim corpus)" if size.slim else ""
        lines.append(
            ratio_line(
                f"N={size.fits:<6}{slim} json {format_seconds(size.json_seconds)}  "
                f"AggregatorCSV {format_seconds(size.ours_seconds)}  ours/json",
                size.ours_seconds / size.json_seconds,
                TARGET_OURS_OVER_JSON,
                True,
                size.load,
            )
        )
        if size.autofit_seconds is not None:
            lines.append(
                ratio_line(
                    f"N={size.fits:<6} AggregateCSV {format_seconds(size.autofit_seconds)}  "
                    f"autofit/ours",
                    size.autofit_seconds / size.ours_seconds,
                    TARGET_AUTOFIT_OVER_OURS,
                    False,
                    size.load,
                )
            )

    if sizes:
        checked = ", ".join(str(size.fits) for size in sizes)
        line = f"cells   AggregatorCSV == json baseline at N={checked} (exact floats)"
        autofit = [size.autofit_matches for size in sizes if size.autofit_matches is not None]
        if autofit:
            line += f"; AggregateCSV == json baseline: {'yes' if all(autofit) else 'NO'}"
        lines.append(line)

    measured = [size for size in sizes if size.memory]
    for size in measured:
        memory = size.memory
        lines.append(
            f"memory  N={size.fits} peak {memory['peak_kb'] / 1024:.0f} MB (after imports "
            f"{memory['after_imports_kb'] / 1024:.0f} MB, "
            f"+{(memory['peak_kb'] - memory['after_imports_kb']) / 1024:.0f} MB)"
            + format_load(size.memory_load)
        )
    if len(measured) >= 2:
        by_size = {size.fits: size for size in measured}
        reference = by_size.get(memory_reference, measured[0])
        for size in measured:
            if size.fits > reference.fits:
                lines.append(
                    ratio_line(
                        f"memory  peak({size.fits})/peak({reference.fits})",
                        size.memory["peak_kb"] / reference.memory["peak_kb"],
                        TARGET_MEMORY_RATIO,
                        True,
                        size.memory_load,
                    )
                )

    for size in sizes:
        if size.processes:
            lines.append(
                ratio_line(
                    f"processes N={size.fits:<6} processes=1 {format_seconds(size.processes[1])}  "
                    f"processes=2 {format_seconds(size.processes[2])}  speed-up",
                    size.processes[1] / size.processes[2],
                    TARGET_PROCESSES_SPEEDUP,
                    False,
                    size.processes_load,
                )
            )

    if extras is not None:
        n = f"N={extras.fits}"
        lines.append(
            ratio_line(
                f"latent  {n} medians {format_seconds(extras.medians_seconds)}  latent_func "
                f"{format_seconds(extras.latent_seconds)}  latent/medians",
                extras.latent_seconds / extras.medians_seconds,
                TARGET_LATENT_OVER_MEDIANS,
                True,
                extras.load,
            )
        )
        printed = extras.latent_stdout
        lines.append(
            f"latent  {n} stdout of a fresh process building it: "
            + ("nothing PASS" if not printed else f"{len(printed)} chars {printed[:60]!r} MISS")
        )
        lines.append(
            ratio_line(
                f"describe {n} describe() {format_seconds(extras.describe_seconds)}  "
                f"describe/medians",
                extras.describe_seconds / extras.medians_seconds,
                TARGET_DESCRIBE_OVER_MEDIANS,
                True,
                extras.load,
                strict=True,
            )
        )
        csv_seconds = extras.saves[".csv"]
        for suffix in SAVE_FORMATS[1:]:
            lines.append(
                ratio_line(
                    f"save    {n} (c) whole save{suffix} {format_seconds(extras.saves[suffix])}"
                    f"  .csv {format_seconds(csv_seconds)}  {suffix[1:]}/csv",
                    extras.saves[suffix] / csv_seconds,
                    TARGET_FORMAT_OVER_CSV,
                    True,
                    extras.saves_load,
                )
            )

    if samples is not None:
        numpy_per_fit = samples.numpy_seconds / samples.fits
        ours_per_fit = samples.ours_seconds / samples.fits
        lines.append(
            ratio_line(
                f"samples {samples.fits} fits x {samples.samples_per_fit} samples  "
                f"numpy {numpy_per_fit * 1000:.1f} ms/fit  "
                f"AggregatorCSV {ours_per_fit * 1000:.1f} ms/fit  ours/numpy",
                ours_per_fit / numpy_per_fit,
                TARGET_SAMPLES_RATIO,
                True,
                samples.load,
            )
        )

    if dask is not None:
        lines.append(
            ratio_line(
                f"dask    {dask.fits} fits x {dask.samples_per_fit} samples  serial "
                f"{format_seconds(dask.serial_seconds)}  LocalCluster(2x1, processes) "
                f"{format_seconds(dask.dask_seconds)}  speed-up",
                dask.serial_seconds / dask.dask_seconds,
                TARGET_DASK_SPEEDUP,
                False,
                dask.load,
            )
        )

    if compare is not None:
        lines.append(f"compare new = {compare.new}")
        lines.append(f"        old = {compare.old}")
        for item in compare.comparisons:
            lines.append(
                ratio_line(
                    f"compare {item.label}: new {item.new_seconds:.4f}s  old "
                    f"{item.old_seconds:.4f}s  new/old",
                    item.new_seconds / item.old_seconds,
                    TARGET_NEW_OVER_OLD,
                    True,
                    item.load,
                    digits=3,
                )
            )
    return lines


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


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
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 10000, 100000],
        help="corpus sizes N (default 1000 10000 100000)",
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
        "--slim-above",
        type=int,
        default=10000,
        metavar="N",
        help="corpora larger than N leave out the files no table reads (see corpora.SLIM_DROPPED; "
        "default 10000)",
    )
    parser.add_argument(
        "--skip-autofit-above",
        type=int,
        default=10000,
        metavar="N",
        help="do not time autofit's AggregateCSV for corpora larger than N (default 10000; it is "
        "slow)",
    )
    parser.add_argument(
        "--skip-processes-above",
        type=int,
        default=10000,
        metavar="N",
        help="time processes=1 vs 2 only for corpora of at most N fits (default 10000)",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak memory subprocesses"
    )
    parser.add_argument(
        "--memory-reference",
        type=int,
        default=10000,
        metavar="N",
        help="peak memory of larger N is compared with this N's (default 10000; the smallest "
        "measured N if it is not measured)",
    )
    parser.add_argument(
        "--no-processes", action="store_true", help="skip processes=1 vs processes=2"
    )
    parser.add_argument(
        "--extras-size",
        type=int,
        default=10000,
        metavar="N",
        help="N of the latent_func, describe() and Parquet/FITS figures (default 10000)",
    )
    parser.add_argument(
        "--no-extras", action="store_true", help="skip latent_func, describe() and the formats"
    )
    samples = parser.add_mutually_exclusive_group()
    samples.add_argument(
        "--samples-mode",
        action="store_true",
        help="run only the samples benchmarks (numpy and Dask)",
    )
    samples.add_argument("--no-samples", action="store_true", help="skip the samples benchmark")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    parser.add_argument("--samples-fits", type=int, default=200, help="fits of the samples corpus")
    parser.add_argument("--samples-per-fit", type=int, default=20000, help="samples per fit")
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        metavar="PATH",
        help="another checkout of the package (e.g. a worktree of an older commit): time it "
        "against this one on the same corpora, interleaved, each in its own process",
    )
    parser.add_argument(
        "--compare-sizes",
        type=int,
        nargs="+",
        default=[1000, 10000],
        metavar="N",
        help="sizes of the --compare-with tables (default 1000 10000)",
    )
    parser.add_argument(
        "--compare-repeats",
        type=int,
        default=5,
        metavar="R",
        help="timed runs of each --compare-with workload in each checkout (default 5: a 5%% "
        "target needs more than --repeats on a shared machine)",
    )
    parser.add_argument(
        "--compare-only",
        action="store_true",
        help="with --compare-with: time nothing but the comparison",
    )
    parser.add_argument(
        "--compare-samples",
        action="store_true",
        help="--compare-with also times the samples function table",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=1000,
        default=None,
        metavar="N",
        help="print a cProfile of AggregatorCSV at N fits (default 1000)",
    )
    # Internal: the fresh processes of measure_memory and of the stdout check.
    parser.add_argument(
        "--memory-child", nargs=2, metavar=("CORPUS", "CSV"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--stdout-child", nargs=2, metavar=("CORPUS", "CSV"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.memory_child:
        memory_child(*arguments.memory_child)
        return 0
    if arguments.stdout_child:
        stdout_child(*arguments.stdout_child)
        return 0

    corpus = arguments.corpus.resolve()
    output = corpus / "tables"
    output.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(arguments.sizes))
    started = uptime()
    log(f"start: {started}")
    import_tools()

    def corpus_of(fits: int) -> Path:
        return ensure_corpus(
            corpus / f"fits_{fits}",
            fits,
            rebuild=arguments.rebuild,
            fixture=arguments.fixture,
            slim=fits > arguments.slim_above,
        )

    def samples_corpus() -> Path:
        return ensure_corpus(
            corpus / f"samples_{arguments.samples_fits}x{arguments.samples_per_fit}",
            arguments.samples_fits,
            rebuild=arguments.rebuild,
            samples_per_fit=arguments.samples_per_fit,
            fixture=arguments.fixture,
        )

    results: List[SizeResult] = []
    extras = samples_result = dask_result = compare_result = None
    profile_report = None
    if arguments.compare_only and arguments.compare_with is None:
        print("--compare-only needs --compare-with", file=sys.stderr)
        return 2
    if arguments.compare_only:
        arguments.samples_mode = arguments.no_samples = True
    try:
        if not arguments.samples_mode:
            for fits in sizes:
                root = corpus_of(fits)
                limit = arguments.skip_autofit_above
                with_autofit = limit is None or fits <= limit
                log(f"timing N={fits} ({arguments.repeats} repeats) ...")
                result = benchmark_size(
                    root, output, arguments.repeats, with_autofit, fits > arguments.slim_above
                )
                if not arguments.no_memory:
                    result.memory = measure_memory(root, output / f"ours_memory_{fits}.csv")
                    result.memory_load = load_average()
                    log(f"  N={fits}: peak RSS {result.memory['peak_kb'] / 1024:.0f} MB")
                if not arguments.no_processes and fits <= arguments.skip_processes_above:
                    result.processes = benchmark_processes(root, output, arguments.repeats)
                    result.processes_load = load_average()
                results.append(result)
            if not arguments.no_extras:
                fits = arguments.extras_size
                log(f"timing latent_func, describe() and the formats at N={fits} ...")
                extras = benchmark_extras(corpus_of(fits), output, arguments.repeats)
            if arguments.profile is not None:
                profile_report = profile_ours(corpus_of(arguments.profile), output)
        if not arguments.no_samples:
            root = samples_corpus()
            log(f"timing the samples benchmark ({arguments.repeats} repeats) ...")
            samples_result = benchmark_samples(root, output, arguments.repeats)
            if not arguments.no_dask:
                log(f"timing the samples table on Dask ({arguments.repeats} repeats) ...")
                dask_result = benchmark_dask(root, output, arguments.repeats)
        if arguments.compare_with is not None:
            compare_sizes = sorted(set(arguments.compare_sizes))
            for fits in compare_sizes:
                corpus_of(fits)
            planned = compare_workloads(
                corpus, compare_sizes, samples_corpus() if arguments.compare_samples else None
            )
            repeats = arguments.compare_repeats
            log(f"comparing with {arguments.compare_with} ({repeats} repeats) ...")
            compare_result = benchmark_compare(arguments.compare_with, planned, output, repeats)
    except CellMismatch as mismatch:
        print(f"FAILED: {mismatch}", file=sys.stderr)
        for problem in mismatch.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        if len(mismatch.problems) > 20:
            print(f"  ... and {len(mismatch.problems) - 20} more", file=sys.stderr)
        return 2

    if profile_report:
        print(profile_report)
    lines = summary_lines(
        results, arguments.memory_reference, extras, samples_result, dask_result, compare_result
    )
    for line in lines:
        print(line)
    ended = uptime()
    print(f"uptime at start: {started}")
    print(f"uptime at end:   {ended}")
    figures = {
        "argv": sys.argv[1:],
        "uptime": [started, ended],
        "sizes": [dataclasses.asdict(result) for result in results],
        "extras": dataclasses.asdict(extras) if extras else None,
        "samples": dataclasses.asdict(samples_result) if samples_result else None,
        "dask": dataclasses.asdict(dask_result) if dask_result else None,
        "compare": dataclasses.asdict(compare_result) if compare_result else None,
    }
    (output / "figures.json").write_text(json.dumps(figures, indent=2))
    log(f"every figure, unrounded: {output / 'figures.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
