"""
Reading ``samples.csv`` into autofit ``Sample`` objects, quickly.

autofit's own reader parses the file cell by cell in Python and builds each ``Sample`` through
its constructor, which re-keys every sample's dict; for a 20,000-sample fit that is most of the
time a samples function costs. Here the numbers are parsed by pyarrow's CSV reader where pyarrow
is installed (the ``formats`` extra; about three times faster than numpy), by ``numpy.loadtxt``
otherwise; both round decimal text to the nearest double, as Python's ``float`` does, so the
floats are autofit's. Only the first sample goes through ``Sample``'s constructor; the others are
given the attributes it set, which is why their names are checked against it (a future autofit
that sets more in its constructor gets the constructor for every row).
"""
import io
import os
from typing import Callable, List

from autofit_csv.speed import collector_paused

#: ``Sample``'s constructor arguments besides ``kwargs``: columns of ``samples.csv``.
SAMPLE_COLUMNS = ("log_likelihood", "log_prior", "weight")
#: A column autofit writes but recomputes (``log_likelihood + log_prior``), so never a parameter.
DERIVED_COLUMNS = ("log_posterior",)


def read_sample_list(path) -> List:
    """
    The samples of a ``samples.csv`` written by autofit.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    A list of ``autofit.non_linear.samples.sample.Sample``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a table of numbers under a header, lacks one of the columns
        ``log_likelihood``, ``log_prior``, ``weight``, has no samples, or its last line is cut
        off.
    """
    with open(path, "rb") as raw:
        # autofit ends every line with a line break. A file that does not was cut off while
        # it was written, possibly inside the last number, which would still parse.
        size = raw.seek(0, os.SEEK_END)
        if size:
            raw.seek(size - 1)
            if raw.read(1) not in (b"\n", b"\r"):
                raise ValueError("its last line is cut off (no line break at the end): truncated")
            raw.seek(0)
        file = io.TextIOWrapper(raw, newline="")
        headers = [header.strip() for header in file.readline().split(",")]
        if any(headers) and not file.readline().strip():
            # A samples function would be handed no samples at all.
            raise ValueError("no samples below the header line")
    if not any(headers):
        raise ValueError("no header line")
    missing = [name for name in SAMPLE_COLUMNS if name not in headers]
    if missing:
        raise ValueError(f"no {', '.join(missing)} column under the headers {headers}")
    # Tens of thousands of objects without a cycle among them: each pass of the garbage
    # collector would re-scan them all (and, in a worker process that never froze its own
    # objects, everything else), which costs more than making them.
    with collector_paused():
        columns = _column_reader()(path, len(headers))
        if not columns[0]:
            return []
        parameters = [
            index
            for index, header in enumerate(headers)
            if header not in SAMPLE_COLUMNS and header not in DERIVED_COLUMNS
        ]
        keys = [tuple(headers[index].split(".")) for index in parameters]
        if parameters:
            rows = list(zip(*(columns[index] for index in parameters)))
        else:
            rows = [()] * len(columns[0])
        return _samples(keys, rows, *(columns[headers.index(name)] for name in SAMPLE_COLUMNS))


def _column_reader() -> Callable[[object, int], List[list]]:
    """
    ``columns_by_pyarrow`` where pyarrow is installed, else ``columns_by_numpy``.
    """
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return columns_by_numpy
    return columns_by_pyarrow


def columns_by_pyarrow(path, count: int) -> List[list]:
    """
    The ``count`` columns below the header line of a CSV file of numbers, each as a list of
    Python floats, parsed by pyarrow in this thread (builds in parallel already use the cores).

    Raises
    ------
    ValueError
        A row of another length, or a cell that is not a number (``nan``, ``inf`` are).
    """
    import pyarrow
    import pyarrow.csv

    # Own column names: autofit's headers are padded with spaces, and may repeat.
    names = [f"column_{index}" for index in range(count)]
    table = pyarrow.csv.read_csv(
        path,
        read_options=pyarrow.csv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
        convert_options=pyarrow.csv.ConvertOptions(
            column_types=dict.fromkeys(names, pyarrow.float64()),
            null_values=[],
            strings_can_be_null=False,
        ),
    )
    # tolist() gives Python floats, as autofit's reader does; numpy scalars would leak into
    # user functions.
    return [column.to_numpy().tolist() for column in table.columns]


def columns_by_numpy(path, count: int) -> List[list]:
    """
    As ``columns_by_pyarrow``, parsed by ``numpy.loadtxt``.
    """
    import numpy as np

    with open(path, newline="") as file:
        file.readline()
        if not file.read(1):
            return [[] for _ in range(count)]
        file.seek(0)
        file.readline()
        table = np.loadtxt(file, delimiter=",", ndmin=2, dtype=float)
    if table.size and table.shape[1] != count:
        raise ValueError(f"{table.shape[1]} columns under {count} headers")
    if not table.size:
        return [[] for _ in range(count)]
    return [table[:, index].tolist() for index in range(count)]


def _samples(keys: list, rows: list, log_likelihoods: list, log_priors: list, weights: list):
    """
    One ``Sample`` per row: the first from ``Sample``'s constructor, the rest given the same
    attributes directly (the constructor's per-key checks cost more than reading the file).
    """
    from autofit.non_linear.samples.sample import Sample

    first = Sample(
        log_likelihood=log_likelihoods[0],
        log_prior=log_priors[0],
        weight=weights[0],
        kwargs=dict(zip(keys, rows[0])),
    )
    samples = [first]
    if list(vars(first)) != [*SAMPLE_COLUMNS, "kwargs"]:
        # Not the Sample this module knows: its constructor for every row.
        for values in zip(log_likelihoods[1:], log_priors[1:], weights[1:], rows[1:]):
            samples.append(Sample(*values[:3], kwargs=dict(zip(keys, values[3]))))
        return samples
    new = object.__new__
    for log_likelihood, log_prior, weight, row in zip(
        log_likelihoods[1:], log_priors[1:], weights[1:], rows[1:]
    ):
        sample = new(Sample)
        sample.log_likelihood = log_likelihood
        sample.log_prior = log_prior
        sample.weight = weight
        sample.kwargs = dict(zip(keys, row))
        samples.append(sample)
    return samples
