"""
Deciding, once per column, whether a ``model_path`` is a model parameter or a latent variable,
and saying clearly when it is neither.
"""
import difflib
from typing import Iterable

from autofit_csv.errors import FitFileError, ModelPathError
from autofit_csv.loaders.base import LATENT_SUMMARY, SAMPLES_SUMMARY

MODEL = "model"
LATENT = "latent"


def kind_of_path(model_path: str, fits: Iterable, folder_text: str) -> str:
    """
    Whether ``model_path`` is a model parameter (``samples_summary.json``, aliases through
    ``model.json``) or a latent variable (``latent/latent_summary.json``).

    Fits are looked at in turn until one has the path, so usually only the first fit's summary
    is read.

    Parameters
    ----------
    model_path
        The dotted path the user gave.
    fits
        ``FitFiles`` of the column's fits, in row order.
    folder_text
        The column's folder, for the message.

    Returns
    -------
    ``MODEL`` or ``LATENT``.

    Raises
    ------
    ModelPathError
        No fit has the path; the message lists the closest model and latent paths.
    """
    model_paths, latent_paths = set(), set()
    for files in fits:
        for name, kind, found in (
            (SAMPLES_SUMMARY, MODEL, model_paths),
            (LATENT_SUMMARY, LATENT, latent_paths),
        ):
            try:
                paths = files.summary(name).paths()
            except (FitFileError, ValueError):
                paths = set()
            if model_path in paths:
                return kind
            found.update(paths)
            if kind == MODEL:
                try:
                    model = files.model_paths().paths
                except FitFileError:
                    model = []
                if model_path in model:
                    return MODEL
                found.update(model)
    raise ModelPathError(_message(model_path, folder_text, model_paths, latent_paths))


def _message(model_path, folder_text, model_paths, latent_paths) -> str:
    where = f" in folder {folder_text!r}" if folder_text else ""
    lines = [f"model_path {model_path!r} is in no fit{where}."]
    for title, paths in (("model paths", model_paths), ("latent paths", latent_paths)):
        close = difflib.get_close_matches(model_path, sorted(paths), n=5, cutoff=0.5)
        if close:
            lines.append(f"Closest {title}: {', '.join(close)}")
        elif paths:
            lines.append(f"No close {title}; there are {len(paths)}, e.g. {sorted(paths)[0]}")
        else:
            lines.append(f"No {title} found in these fits.")
    return "\n".join(lines)
