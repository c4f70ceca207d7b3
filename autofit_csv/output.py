"""
Turning cells into CSV text, and writing a CSV file so that a crash never leaves half of one.
"""
import csv
import numbers
import os
import tempfile
from pathlib import Path
from typing import Iterable, List, Union


def cell_text(value) -> str:
    """
    The CSV text of one cell.

    Floats (numpy's included) are written with ``repr`` of a Python float, the shortest text that
    reads back as exactly the same number; ``repr`` of a numpy scalar would write
    ``np.float64(...)``.

    Parameters
    ----------
    value
        None (a blank cell), a bool, an integer, a real number, or anything with a ``str``.

    Returns
    -------
    The text to write.
    """
    # Exact-type checks first: the numbers ABC checks below are slow, and almost every cell is
    # a plain float.
    if type(value) is float:
        return repr(value)
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return str(value)


def write_csv_atomically(
    path: Union[str, Path], headers: List[str], rows: Iterable[list]
) -> Path:
    """
    Write a CSV to a temporary file beside ``path``, then rename it into place.

    The rename is atomic on POSIX and Windows, so a reader sees either the previous file or the
    complete new one; an exception while rows are produced leaves any previous file untouched.

    Parameters
    ----------
    path
        Where the CSV goes. Its folder is created if missing.
    headers
        The header row.
    rows
        Lists of cell values, written as they are produced (they need not fit in memory);
        strings are written as they are, so cells may come already as CSV text.

    Returns
    -------
    The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "w", newline="") as file:
            # Plain newlines, as pandas and numpy write them: friendlier to diff and grep.
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(headers)
            for row in rows:
                writer.writerow([cell_text(value) for value in row])
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
