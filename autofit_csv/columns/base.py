"""
What every column is: a name, the folder its fits come from, the headers it writes, how it looks
at its fits before the first row, and how it turns one fit into cells.

A new kind of column is one subclass in its own module: ``headers()`` (if not just ``name``),
``prepare()`` (if it must look at the fits first), ``cells()``, and ``descriptions()`` /
``numeric_kinds()`` for the catalogue outputs and the data-quality checks. The table adds it with
``AggregatorCSV.add(column)``.
"""
import json
import numbers
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from autofit_csv.errors import ColumnFunctionError, MissingFileError, UnreadableFileError
from autofit_csv.rows import RowKey, folder_parts


class RowContext:
    def __init__(self, key: str):
        """
        What a column may know of the row it is filling: the key, and JSON files outside the
        output that several columns of the row read (each read once per row).

        Parameters
        ----------
        key
            The row's key.
        """
        self.key = key if type(key) is RowKey else RowKey(key)
        self._files = {}
        #: (reason, message) said by columns about this row's fits, collected by the builder.
        self.notes = []

    def json_file(self, path: str, shown_as: Optional[str] = None):
        """
        A JSON file by path (relative to the working directory), parsed once per row.

        Parameters
        ----------
        path
            The file.
        shown_as
            How the report groups this file across rows (a path template); default ``path``.

        Raises
        ------
        MissingFileError, UnreadableFileError
            Named by the row and the file.
        """
        if path not in self._files:
            where, group = f"row {str(self.key)!r}", shown_as or path
            try:
                self._files[path] = json.loads(Path(path).read_bytes())
            except FileNotFoundError:
                error = MissingFileError(where, path, "is missing", grouped_as=group)
            except IsADirectoryError:
                error = UnreadableFileError(where, path, "is a folder", grouped_as=group)
            except PermissionError:
                error = UnreadableFileError(
                    where, path, "is not readable (permission denied)", grouped_as=group
                )
            except OSError as failure:
                error = UnreadableFileError(
                    where, path, "could not be read", str(failure), grouped_as=group
                )
            except (ValueError, UnicodeDecodeError) as failure:
                error = UnreadableFileError(
                    where, path, "is not valid JSON", str(failure), grouped_as=group
                )
            else:
                error = None
            if error is not None:
                self._files[path] = error
        value = self._files[path]
        if isinstance(value, Exception):
            raise value
        return value


class Column(ABC):
    #: False for columns that read no fit (a JSON file found from the row key alone).
    uses_fit = True
    #: True for columns that call a user function: if it fails for every fit, the build stops.
    calls_user_function = False

    def __init__(self, name: str, folder: Optional[str] = None):
        """
        One or more table columns filled from one fit per row.

        Parameters
        ----------
        name
            The header (or the stem of the headers) of the column.
        folder
            The end of the location of the fits this column reads (``source_lp[1]``); None for
            one row per fit.

        Raises
        ------
        ValueError
            An empty name.
        TypeError
            A name that is not a string.
        """
        if not isinstance(name, str):
            raise TypeError(f"a column name must be a string, not {name!r}")
        if not name.strip():
            raise ValueError("a column name must not be empty")
        self.name = name
        self.folder = folder_parts(folder)

    @property
    def folder_text(self) -> str:
        return "/".join(self.folder)

    def headers(self) -> List[str]:
        """
        The table headers this column writes, in order.
        """
        return [self.name]

    def prepare(self, fits: Iterable):
        """
        Look at the column's fits before the first row: to decide what the column reads, to check
        that the request makes sense for these fits, or to learn headers that depend on the data.
        Called once, by ``AggregatorCSV.add``; the default needs nothing.

        Parameters
        ----------
        fits
            ``FitFiles`` of this column's fits, in row order, read lazily (take as few as you
            need).

        Raises
        ------
        ModelPathError, InfoKeyError, ...
            The request fits none of the fits; nothing is added.
        """

    @abstractmethod
    def cells(self, files, row: RowContext) -> list:
        """
        The cells of one row, one per header; None for a blank cell.

        Parameters
        ----------
        files
            The ``FitFiles`` of the row's fit in this column's folder (None for columns that use
            no fit).
        row
            The row being filled.

        Raises
        ------
        FitFileError
            A file the column needs is missing or unreadable: the table blanks the cells.
        PathNotInFitError
            The fit lacks the column's model path or key.
        ColumnFunctionError
            A user function failed.
        """

    def describe(self) -> str:
        """
        How messages name the column.
        """
        where = f", folder {self.folder_text!r}" if self.folder else ""
        return f"column {self.name!r}{where}"

    def source(self) -> str:
        """
        In a few words, what the column holds (for ``descriptions``).
        """
        return type(self).__name__

    def descriptions(self) -> Dict[str, str]:
        """
        One line per header saying what it holds: the source, the section, the folder.
        """
        where = f", folder {self.folder_text}" if self.folder else ""
        return {header: f"{self.source()}{where}" for header in self.headers()}

    def numeric_kinds(self) -> Dict[str, str]:
        """
        For headers that hold a number read from one section of a summary: the section. Two such
        headers of different sections that are equal in every row are flagged (a reader that
        returned the wrong section). Headers left out are never compared.
        """
        return {}

    def blank_reason(self, error: Exception) -> str:
        """
        The reason the report gives for cells this column left blank because of ``error``: the
        same words for every fit with the same problem.
        """
        summary = getattr(error, "summary", None)
        if summary:
            return summary
        return f"unexpected {type(error).__name__}"

    def empty_reason(self) -> str:
        """
        The reason the report gives for a cell this column returned as None.
        """
        return "the value is empty (None or null)"

    def function_name(self, function) -> str:
        return getattr(function, "__name__", None) or repr(function)

    def call_user_function(self, function, argument, label: str):
        """
        Call a user's function, turning anything it raises into a ``ColumnFunctionError`` naming
        the column and the fit.
        """
        try:
            return function(argument)
        except Exception as error:
            name = self.function_name(function)
            raise ColumnFunctionError(
                f"{self.describe()}: {name} raised {type(error).__name__}: {error} for fit {label}",
                f"{name} raised {type(error).__name__}",
            ) from error


#: Result types written as they are, without a closer look.
_PLAIN_CELLS = (float, str, bool, type(None))


def function_cell(column: Column, function, value, label: str):
    """
    One value a user's function returned, as a cell.

    A numpy array of one element is that element. An array of more is refused (numpy's text of
    it keeps 8 digits and shortens long arrays with "..."), and so is a value whose text cannot
    be made (its ``str`` raises, an integer too long to print): one fit's odd result must
    blank its own cell, not fail the whole file when it is written.

    Raises
    ------
    ColumnFunctionError
        Naming the column, the function and the fit.
    """
    if type(value) is str:
        from autofit_csv.output import unwritable_text

        if unwritable_text(value):
            name = column.function_name(function)
            raise ColumnFunctionError(
                f"{column.describe()}: {name} returned text that is not valid Unicode (a lone "
                f"surrogate such as \\ud800, which no UTF-8 file can hold) for fit {label}",
                f"{name} returned text that is not valid Unicode",
            )
        return value
    if type(value) in _PLAIN_CELLS:
        return value
    import numpy

    name = column.function_name(function)
    if isinstance(value, numpy.ndarray):
        if value.size == 1:
            return value.item()
        raise ColumnFunctionError(
            f"{column.describe()}: {name} returned an array of shape {value.shape} for fit "
            f"{label}; a cell holds one value (return a number, or a dict of them for several "
            f"columns)",
            f"{name} returned an array",
        )
    if not isinstance(value, (numbers.Number, str, list, tuple)):
        # An object's text (a prior left in an instance, a set, a generator) reads like data
        # but is not: refuse it rather than write it.
        raise ColumnFunctionError(
            f"{column.describe()}: {name} returned {type(value).__name__} {_short(value)} for "
            f"fit {label}; a cell holds a number or text (return a dict for several columns)",
            f"{name} returned a {type(value).__name__}, not a number or text",
        )
    from autofit_csv.output import cell_text

    try:
        cell_text(value).encode("utf-8")
    except Exception as error:
        raise ColumnFunctionError(
            f"{column.describe()}: {name} returned a value of type {type(value).__name__} "
            f"whose text cannot be written ({type(error).__name__}: {error}) for fit {label}",
            f"{name} returned a value that cannot be written as text",
        ) from error
    return value


def _short(value) -> str:
    try:
        text = repr(value)
    except Exception:
        return "(no text)"
    return text if len(text) <= 60 else text[:57] + "..."


def require_callable(function, argument: str):
    """
    Refuse, at add time, a function argument that cannot be called.

    Raises
    ------
    TypeError
        ``function`` is not callable.
    """
    if not callable(function):
        raise TypeError(f"{argument} must be a function (callable), not {function!r}")
