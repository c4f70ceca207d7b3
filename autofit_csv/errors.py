"""
The exceptions and the warning class of autofit_csv.

Problems with one fit's files never stop a table: they become an ``AutofitCSVWarning`` naming the
fit and the file, and blank cells. Mistakes in the table's definition (a path or folder that no fit
has) stop it at once with an error that says what does exist.
"""
import warnings
from pathlib import Path

_PACKAGE_DIRECTORY = str(Path(__file__).parent)


class AutofitCSVWarning(UserWarning):
    """
    A cell or row could not be filled; the message names the fit, the file and the column.
    """


def warn(message: str):
    """
    Issue an ``AutofitCSVWarning`` attributed to the user's line (``save()``, ``rows()``, ...),
    not to this package.
    """
    warnings.warn(message, AutofitCSVWarning, skip_file_prefixes=(_PACKAGE_DIRECTORY,))


class FitFileError(Exception):
    def __init__(self, fit: str, file: str, reason: str):
        """
        A file a column needs could not be read for one fit.

        Parameters
        ----------
        fit
            The fit's folder, or its database identifier and location.
        file
            The file, relative to the fit (``files/samples.csv``).
        reason
            What went wrong, in words.
        """
        super().__init__(f"{fit}: {file} {reason}")
        self.fit = fit
        self.file = file
        self.reason = reason


class MissingFileError(FitFileError):
    """
    The fit has no such file (samples switched off, search still running, ...).
    """


class UnreadableFileError(FitFileError):
    """
    The file is there but is not valid JSON / CSV (truncated, corrupted).
    """


class PathNotInFitError(Exception):
    """
    One fit's summary lacks a model path that other fits have.
    """


class ColumnFunctionError(Exception):
    """
    A user function given to a column raised, or returned something the column cannot write.
    """


class ModelPathError(KeyError):
    """
    A ``model_path`` that no fit in the folder has, in its model or its latent variables.
    """

    def __str__(self):
        # KeyError would repr() the message, quoting it and escaping its line breaks.
        return str(self.args[0])


class FolderError(ValueError):
    """
    A ``folder`` that matches the end of no fit's location.
    """
