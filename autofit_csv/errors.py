"""
The exceptions and the warning class of autofit_csv.

Problems with one fit's files never stop a table: they blank the cells that needed the file, are
recorded in the build report with the fit and the file, and are summed up in one counted
``AutofitCSVWarning`` per column and reason. Mistakes in the table's definition (a path, folder or
key that no fit has, a header used twice) stop it at once with an error that says what does exist.
"""
import warnings
from pathlib import Path

_PACKAGE_DIRECTORY = str(Path(__file__).parent)


class AutofitCSVWarning(UserWarning):
    """
    Cells or rows could not be filled, or the table looks wrong; the message says how many, names
    the first fits and the file, and points to ``agg.report`` for all of them.
    """


def warn(message: str, category=AutofitCSVWarning):
    """
    Issue a warning attributed to the user's line (``save()``, ``rows()``, ...), not to this
    package.
    """
    warnings.warn(message, category, skip_file_prefixes=(_PACKAGE_DIRECTORY,))


class FitFileError(Exception):
    def __init__(
        self, fit: str, file: str, reason: str, detail: str = "", grouped_as: str = ""
    ):
        """
        A file a column needs could not be read for one fit.

        Parameters
        ----------
        fit
            The fit's label: its folder, or its database identifier and location.
        file
            The file, relative to the fit (``files/samples.csv``).
        reason
            What went wrong, in a few words that are the same for every fit with this problem
            (``is missing``, ``is not valid JSON``): the report groups fits by it.
        detail
            What is particular to this fit (the parser's message), or empty.
        grouped_as
            How the report names the file when grouping fits (a path template where ``file`` is
            one row's path); default ``file``.
        """
        message = f"{fit}: {file} {reason}" if file else f"{fit}: {reason}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        self.fit = fit
        self.file = file
        self.reason = reason
        self.detail = detail
        self.grouped_as = grouped_as

    def __reduce__(self):
        # Crosses process boundaries (strict builds in workers) with all its parts.
        return type(self), (self.fit, self.file, self.reason, self.detail, self.grouped_as)

    @property
    def summary(self) -> str:
        """
        The problem without the fit: how the report and counted warnings group it.
        """
        file = self.grouped_as or self.file
        return f"{file} {self.reason}" if file else self.reason


class MissingFileError(FitFileError):
    """
    The fit has no such file (samples switched off, search still running, ...).
    """


class UnreadableFileError(FitFileError):
    """
    The file is there but cannot be used: truncated, not JSON, the wrong shape, a folder, not
    readable by this user, or autofit could not build its object from it.
    """


class PathNotInFitError(Exception):
    def __init__(self, message: str, summary: str):
        """
        One fit lacks a model path or key that other fits have.

        Parameters
        ----------
        message
            The whole story, naming the fit and the file.
        summary
            The same for every fit with this problem (``model path not in
            files/samples_summary.json``).
        """
        super().__init__(message)
        self.summary = summary

    def __reduce__(self):
        return type(self), (str(self), self.summary)


class ColumnFunctionError(Exception):
    def __init__(self, message: str, summary: str = "the function failed"):
        """
        A user function given to a column raised, or returned something the column cannot write.

        Parameters
        ----------
        message
            The column, the function, the fit and what happened.
        summary
            The same for every fit with this problem (``latent_func raised ValueError``).
        """
        super().__init__(message)
        self.summary = summary

    def __reduce__(self):
        return type(self), (str(self), self.summary)


class ModelPathError(KeyError):
    """
    A ``model_path`` that no fit in the folder has, in its model or its latent variables.
    """

    def __str__(self):
        # KeyError would repr() the message, quoting it and escaping its line breaks.
        return str(self.args[0])


class InfoKeyError(KeyError, ValueError):
    """
    An ``add_info_column`` key that no fit in the folder has in its ``info.json``.
    """

    def __str__(self):
        return str(self.args[0])


class FolderError(ValueError):
    """
    A ``folder`` that matches the end of no fit's location.
    """


class WorkerDiedError(RuntimeError):
    """
    A worker process building rows died (killed, out of memory, a crash in native code) before
    it returned its rows; the message names the fits it was reading.
    """


class DatabaseError(Exception):
    """
    An autofit database could not be opened or read, or is not one: the message names the file
    or the URL (password masked) and says why. Nothing was written to it.
    """
