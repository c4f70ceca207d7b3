"""
Reading ``samples.csv`` into autofit ``Sample`` objects, with numpy doing the parsing.

autofit's own reader parses the file cell by cell in Python; for a 20,000-sample fit that is
most of the time a samples function costs. The objects made here are the ones autofit makes:
the same floats (numpy and Python both round decimal text to the nearest double), the same
keys, built through ``Sample``'s own constructor.
"""
import io
import os
from typing import List

import numpy as np


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
        If the file is not a table of numbers under a header, has no samples, or its last
        line is cut off.
    """
    from autofit.non_linear.samples.sample import Sample, sample_args

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
        if not headers or not any(headers):
            raise ValueError("no header line")
        start = file.tell()
        if not file.readline().strip():
            # numpy would only warn, and hand the samples function no samples.
            raise ValueError("no samples below the header line")
        file.seek(start)
        table = np.loadtxt(file, delimiter=",", ndmin=2, dtype=float)
    if table.size and table.shape[1] != len(headers):
        raise ValueError(f"{table.shape[1]} columns under {len(headers)} headers")
    named = {name: headers.index(name) for name in sample_args if name in headers}
    parameters = [
        (index, tuple(header.split(".")))
        for index, header in enumerate(headers)
        if header not in sample_args and header != "log_posterior"
    ]
    # tolist() gives Python floats, as autofit's reader does; numpy scalars would leak into
    # user functions.
    samples = []
    for row in table.tolist():
        samples.append(
            Sample(
                **{name: row[index] for name, index in named.items()},
                kwargs={key: row[index] for index, key in parameters},
            )
        )
    return samples
