"""
Reading ``samples.csv`` into autofit ``Sample`` objects, with numpy doing the parsing.

autofit's own reader parses the file cell by cell in Python and builds each ``Sample`` through
its constructor, which re-keys every sample's dict; for a 20,000-sample fit that is most of the
time a samples function costs. The objects made here hold what autofit's hold: the same floats
(numpy and Python both round decimal text to the nearest double), the same keys in the same
order, the same attributes. Only the first sample goes through ``Sample``'s constructor; the
others are given the state it produced, which is why the attribute names are checked against
it (a future autofit that sets more in its constructor gets the constructor for every row).
"""
from typing import List

import numpy as np

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
        If the file is not a table of numbers under a header, or lacks one of the columns
        ``log_likelihood``, ``log_prior``, ``weight``.
    """
    with open(path, newline="") as file:
        headers = [header.strip() for header in file.readline().split(",")]
        if not headers or not any(headers):
            raise ValueError("no header line")
        table = np.loadtxt(file, delimiter=",", ndmin=2, dtype=float)
    if table.size and table.shape[1] != len(headers):
        raise ValueError(f"{table.shape[1]} columns under {len(headers)} headers")
    missing = [name for name in SAMPLE_COLUMNS if name not in headers]
    if missing:
        raise ValueError(f"no {', '.join(missing)} column under the headers {headers}")
    if not table.size:
        return []
    parameters = [
        index
        for index, header in enumerate(headers)
        if header not in SAMPLE_COLUMNS and header not in DERIVED_COLUMNS
    ]
    keys = [tuple(headers[index].split(".")) for index in parameters]
    # tolist() gives Python floats, as autofit's reader does; numpy scalars would leak into
    # user functions.
    columns = [table[:, headers.index(name)].tolist() for name in SAMPLE_COLUMNS]
    return _samples(keys, table[:, parameters].tolist(), *columns)


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
        sample.__dict__ = {
            "log_likelihood": log_likelihood,
            "log_prior": log_prior,
            "weight": weight,
            "kwargs": dict(zip(keys, row)),
        }
        samples.append(sample)
    return samples
