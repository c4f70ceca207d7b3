"""
Turning cells into CSV text, and writing files so that a crash never leaves half of one.

Every file autofit_csv writes goes through ``replace_atomically``: a temporary file beside the
target, renamed into place once complete. The temporary name carries the host and process id,
so the next save of the same path can remove what a killed save left behind without touching
a save that is still running elsewhere.
"""
import csv
import json
import numbers
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Union

#: Characters Python's csv writer leaves bare although some reader splits a line at them
#: (``\r``, and the other breaks of ``str.splitlines``), or that no reader keeps (NUL): it quotes
#: only the line terminator's own characters.
_MISHANDLED = re.compile("[\x00\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
#: What makes a cell need quotes when a row is written by hand.
_NEEDS_QUOTES = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029,\"]")

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    str
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
    if isinstance(value, (dict, list, tuple)):
        # A nested value of a JSON file (info.json) is written as the JSON it was.
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def unwritable_text(value) -> bool:
    """
    Whether the text of a text cell (or of a nested JSON value) cannot be written as UTF-8: it
    holds a lone surrogate, as JSON's ``"\\ud800"`` reads, or Python's text of a file name it
    could not decode. Numbers never are.
    """
    if not isinstance(value, (str, dict, list, tuple)):
        return False
    try:
        cell_text(value).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def escape_formula(text: str) -> str:
    """
    ``text`` with a ``'`` in front if a spreadsheet would run it as a formula; numbers
    (``-1.5``, ``+3e8``) are left as they are.
    """
    if text and text.startswith(FORMULA_STARTS):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def check_target(path: Union[str, os.PathLike]) -> Path:
    """
    Refuse, before any row is built, a target that cannot be written as a file.

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    NotADirectoryError
        Something on the way to ``path`` is a file.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name to save the table to")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(
                    f"cannot save to {path}: {parent} is a file, not a folder"
                )
            break
    return path


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def temporary_prefix(path: Path) -> str:
    """
    The start of the name of a temporary file for ``path`` made by this process:
    ``.NAME.HOST.PID.`` (``remove_stale_temporaries`` recognises it).
    """
    return f"{_temporary_prefix(path)}{_host()}.{os.getpid()}."


def _host() -> str:
    # Dots would make the name ambiguous to split; hosts of a cluster differ in any case.
    return socket.gethostname().replace(".", "_") or "host"


def remove_stale_temporaries(path: Path):
    """
    Remove temporary files (and folders: a save's staged images) that saves of ``path`` on this
    host left behind when they were killed (their process no longer runs). Those of live
    processes, and of other hosts sharing the folder, are left alone.
    """
    prefix, host = _temporary_prefix(path), _host()
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        parts = name[len(prefix) : -len(".tmp")].split(".")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if _process_alive(int(parts[1])):
            continue
        stale = path.parent / name
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
            continue
        try:
            os.unlink(stale)
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def replace_atomically(
    path: Union[str, os.PathLike],
    write: Callable,
    mode: str = "w",
) -> Path:
    """
    Write a file through a temporary file beside ``path``, then rename it into place.

    The rename is atomic on POSIX and Windows, so a reader sees either the previous file or the
    complete new one; an exception while writing leaves any previous file untouched and removes
    the temporary file.

    Parameters
    ----------
    path
        The target. Its folder is created if missing.
    write
        Called with the open temporary file (text, ``newline=""``; or binary with ``mode="wb"``;
        or with its path as a string with ``mode="path"``, for writers that open files
        themselves).
    mode
        ``"w"``, ``"wb"`` or ``"path"``.

    Returns
    -------
    Path
        The path written.
    """
    path = check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(
        prefix=temporary_prefix(path), suffix=".tmp", dir=path.parent
    )
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, 0o666 & ~_umask())
        if mode == "path":
            os.close(handle)
            write(temporary)
        else:
            text = mode == "w"
            with os.fdopen(handle, mode, **({"newline": ""} if text else {})) as file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path


class CsvRowWriter:
    def __init__(self, file, escape_formulas: bool = False):
        """
        Writes rows of cell texts so that every cell reads back identical through Python's
        ``csv`` module and pandas: cells holding line breaks of any kind, commas or quotes are
        quoted, NUL characters (which no reader keeps) removed and counted.

        Parameters
        ----------
        file
            A text file opened with ``newline=""``.
        escape_formulas
            Prefix text cells a spreadsheet would run as formulas with ``'``.
        """
        # Plain newlines, as pandas and numpy write them: friendlier to diff and grep.
        self._writer = csv.writer(file, lineterminator="\n")
        self._file = file
        self._escape = escape_formulas
        #: Cells from which NUL characters were removed.
        self.nul_cells = 0
        #: Headers of those cells (first few rows' worth), for the message.
        self.nul_headers: List[str] = []
        self.headers: Optional[List[str]] = None

    def writerow(self, cells: List[str], escape: bool = True):
        """
        Write one row of cell texts.

        Parameters
        ----------
        cells
            The texts.
        escape
            Apply ``escape_formulas`` to this row (not to the header row).
        """
        if escape and self._escape:
            cells = [escape_formula(cell) for cell in cells]
        # One regex pass over the joined row (in C) finds the rare row that needs care.
        if _MISHANDLED.search("".join(cells)) is None:
            self._writer.writerow(cells)
            return
        self._file.write(",".join(self._careful(i, cell) for i, cell in enumerate(cells)) + "\n")

    def _careful(self, position: int, cell: str) -> str:
        if "\x00" in cell:
            cell = cell.replace("\x00", "")
            self.nul_cells += 1
            if self.headers and len(self.nul_headers) < 20:
                header = self.headers[position]
                if header not in self.nul_headers:
                    self.nul_headers.append(header)
        if _NEEDS_QUOTES.search(cell):
            return '"' + cell.replace('"', '""') + '"'
        return cell


def write_csv(file, headers: List[str], rows: Iterable[list], escape_formulas: bool = False):
    """
    Write a CSV (header row, then ``rows``) into an open text file.

    Parameters
    ----------
    file
        Opened with ``newline=""``.
    headers
        The header row.
    rows
        Lists of cell values, written as they are produced (they need not fit in memory);
        strings are written as they are, so cells may come already as CSV text.
    escape_formulas
        Prefix text cells a spreadsheet would run as formulas with ``'`` (never numbers).

    Returns
    -------
    CsvRowWriter
        The writer used, which counts the cells NUL characters were removed from.
    """
    writer = CsvRowWriter(file, escape_formulas)
    writer.headers = list(headers)
    writer.writerow([cell_text(h) for h in headers], escape=False)
    for row in rows:
        writer.writerow([cell if type(cell) is str else cell_text(cell) for cell in row])
    return writer


def write_csv_atomically(
    path: Union[str, Path],
    headers: List[str],
    rows: Iterable[list],
    escape_formulas: bool = False,
) -> Path:
    """
    ``write_csv`` into ``path`` through ``replace_atomically``.

    Returns
    -------
    Path
        The path written.
    """
    return replace_atomically(path, lambda file: write_csv(file, headers, rows, escape_formulas))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
