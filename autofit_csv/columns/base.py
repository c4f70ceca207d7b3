"""
What every column is: a name, the folder its fits come from, the headers it writes, and how it
turns one fit into cells.
"""
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable, List, Optional

from autofit_csv.errors import ColumnFunctionError, MissingFileError, UnreadableFileError
from autofit_csv.rows import RowKey, folder_parts


class RowContext:
    def __init__(self, key: RowKey):
        """
        What a column may know of the row it is filling: the key, and JSON files outside the
        output that several columns of the row read (each read once per row).

        Parameters
        ----------
        key
            The row's key.
        """
        self.key = key
        self._files = {}

    def json_file(self, path: str):
        """
        A JSON file by path (relative to the working directory), parsed once per row.

        Raises
        ------
        MissingFileError, UnreadableFileError
        """
        if path not in self._files:
            try:
                self._files[path] = json.loads(Path(path).read_bytes())
            except FileNotFoundError:
                self._files[path] = MissingFileError(f"row {self.key!r}", path, "is missing")
            except (ValueError, UnicodeDecodeError) as error:
                self._files[path] = UnreadableFileError(
                    f"row {self.key!r}", path, f"is not valid JSON ({error})"
                )
        value = self._files[path]
        if isinstance(value, Exception):
            raise value
        return value


class Column(ABC):
    #: False for columns that read no fit (a JSON file found from the row key alone).
    uses_fit = True

    def __init__(self, name: str, folder: Optional[str] = None):
        """
        One or more CSV columns filled from one fit per row.

        Parameters
        ----------
        name
            The header (or the stem of the headers) of the column.
        folder
            The end of the location of the fits this column reads (``source_lp[1]``); None for
            one row per fit.
        """
        self.name = name
        self.folder = folder_parts(folder)

    @property
    def folder_text(self) -> str:
        return "/".join(self.folder)

    def headers(self) -> List[str]:
        """
        The CSV headers this column writes, in order.
        """
        return [self.name]

    def prepare(self, fits: Iterable):
        """
        Look at the column's fits before the first row, for columns whose headers depend on the
        data. The default needs nothing.

        Parameters
        ----------
        fits
            ``FitFiles`` of this column's fits, in row order, read lazily.
        """

    @abstractmethod
    def cells(self, fit, row: RowContext) -> list:
        """
        The cells of one row, one per header.

        Parameters
        ----------
        fit
            The row's ``FitFiles`` for this column's folder (None for columns that use no fit).
        row
            The row being filled.

        Raises
        ------
        FitFileError
            A file the column needs is missing or unreadable: the table blanks the cells.
        PathNotInFitError
            The fit lacks the column's model path.
        ColumnFunctionError
            A user function failed.
        """

    def describe(self) -> str:
        """
        How messages name the column.
        """
        where = f", folder {self.folder_text!r}" if self.folder else ""
        return f"column {self.name!r}{where}"

    def call_user_function(self, function, argument, fit_label: str):
        """
        Call a user's function, turning anything it raises into a ``ColumnFunctionError``
        naming the column and the fit.
        """
        try:
            return function(argument)
        except Exception as error:
            raise ColumnFunctionError(
                f"{self.describe()}: {getattr(function, '__name__', function)!s} raised "
                f"{type(error).__name__}: {error} for fit {fit_label}"
            ) from error
