"""
What every column reads of a fit, whatever holds the fit.
"""
import copy
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from autofit_csv.errors import FitFileError, MissingFileError, UnreadableFileError
from autofit_csv.model_paths import ModelPaths
from autofit_csv.summary import Summary

SAMPLES_SUMMARY = "samples_summary"
LATENT_SUMMARY = "latent/latent_summary"


@dataclass(frozen=True)
class FitHandle:
    """
    One fit found by an aggregator: the autofit object, where it sits, and its place in the
    aggregator. Small and cheap to keep for every fit of a large table; files are read later,
    through ``FitFiles``.

    Attributes
    ----------
    fit
        autofit's ``SearchOutput`` or database ``Fit``.
    location
        ``path_prefix/unique_tag/name`` joined with ``/`` (empty parts left out).
    index
        The fit's position in the aggregator (``add_label_column`` pairs values by it).
    label
        How messages name the fit: its folder, or its database id and location.
    completed
        Whether autofit marked the fit as finished; None to look for a folder's
        ``.completed`` file when first asked (most tables never ask).
    """

    fit: Any
    location: str
    index: int
    label: str
    completed: Optional[bool] = None

    @property
    def is_complete(self) -> bool:
        if self.completed is not None:
            return self.completed
        return os.path.exists(os.path.join(str(self.fit.directory), ".completed"))


class FitFiles(ABC):
    def __init__(self, handle: FitHandle):
        """
        The files of one fit, each read at most once and only when a column asks for it.

        A ``FitFiles`` lives for one row; dropping it frees everything it read, so memory does
        not grow with the number of fits.

        Parameters
        ----------
        handle
            The fit.
        """
        self.handle = handle
        # Whatever was read or built, or the FitFileError that reading raised (so a missing
        # file is looked for once, however many columns want it).
        self._derived = {}

    @property
    def label(self) -> str:
        return self.handle.label

    def json(self, name: str) -> dict:
        """
        A JSON file of the fit, parsed.

        Parameters
        ----------
        name
            The file's name below ``files/`` without ``.json`` (``samples_summary``,
            ``latent/latent_summary``, ``info``, ``model``, ``search``).

        Raises
        ------
        MissingFileError
            The fit has no such file.
        UnreadableFileError
            The file is not valid JSON.
        """
        return self._cached(f"json:{name}", lambda: self._read_json(name))

    @abstractmethod
    def _read_json(self, name: str) -> dict:
        """
        Read one JSON file, raising ``MissingFileError`` / ``UnreadableFileError``.
        """

    @abstractmethod
    def _read_samples(self, model):
        """
        autofit's samples object for the fit, raising ``MissingFileError`` where the samples were
        not kept.
        """

    def _cached(self, key: str, build):
        """
        ``build()``, once per ``FitFiles``; a ``FitFileError`` it raises is kept and raised again.
        """
        if key not in self._derived:
            try:
                self._derived[key] = build()
            except FitFileError as error:
                self._derived[key] = error
        value = self._derived[key]
        if isinstance(value, FitFileError):
            raise value
        return value

    def summary(self, name: str = SAMPLES_SUMMARY) -> Summary:
        """
        The numbers of ``samples_summary.json`` or ``latent/latent_summary.json``.
        """

        def build():
            raw = self.json(name)
            try:
                return Summary(raw)
            except ValueError as error:
                raise UnreadableFileError(self.label, f"files/{name}.json", str(error))

        return self._cached(f"summary:{name}", build)

    def model_paths(self) -> ModelPaths:
        """
        The model's parameter paths and which of them share a prior, from ``model.json``.
        """
        return self._cached("model_paths", lambda: ModelPaths(self.json("model")))

    def model(self):
        """
        autofit's model object, rebuilt from ``model.json`` (imports the model's classes).
        """
        return self._cached("model", lambda: _autofit_object(self.json("model")))

    def instance(self, use_max_lh_instance: bool):
        """
        The model instance autofit builds from the summary's max likelihood sample or its
        median PDF sample (no ``samples.csv`` needed).

        Raises
        ------
        MissingFileError
            The summary or the model is missing, or the summary has no median PDF sample.
        """

        def build():
            summary = _autofit_object(self.json(SAMPLES_SUMMARY))
            summary.model = self.model()
            if use_max_lh_instance:
                return summary.instance
            if summary.median_pdf_sample is None:
                raise _no_median(self.label)
            return summary.median_pdf(as_instance=True)

        return self._cached(f"instance:{use_max_lh_instance}", build)

    def samples(self):
        """
        autofit's samples object for the fit (``samples.draw_randomly_via_pdf()`` and friends).
        """
        return self._cached("samples", lambda: self._read_samples(self.model()))


def _autofit_object(raw: dict):
    """
    autofit's object for a JSON document. ``from_dict`` consumes the dict it is given, so it
    gets a copy: the parsed file stays cached for other columns.
    """
    from autonerves.dictable import from_dict

    return from_dict(copy.deepcopy(raw))


def _no_median(label: str):
    return MissingFileError(
        label, f"files/{SAMPLES_SUMMARY}.json", "has no median PDF sample"
    )


def read_json_file(path, label: str, relative: str) -> dict:
    """
    ``json.load`` with the errors autofit_csv reports.

    Parameters
    ----------
    path
        The file.
    label
        The fit, for messages.
    relative
        The file's name as messages give it.
    """
    try:
        with open(path, "rb") as file:
            return json.loads(file.read())
    except FileNotFoundError:
        raise MissingFileError(label, relative, "is missing")
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableFileError(label, relative, f"is not valid JSON ({error})")


def location_from_search_json(raw: dict) -> Optional[str]:
    """
    ``path_prefix/unique_tag/name`` from a search's ``search.json``, or None if it holds no
    paths.
    """
    arguments = raw.get("arguments", {})
    paths = arguments.get("paths", {})
    paths = paths.get("arguments", {}) if isinstance(paths, dict) else {}
    if not paths:
        return None
    return join_location(
        paths.get("path_prefix", arguments.get("path_prefix")),
        paths.get("unique_tag", arguments.get("unique_tag")),
        paths.get("name", arguments.get("name")),
    )


def join_location(path_prefix, unique_tag, name) -> str:
    """
    The location of a fit as autofit lays out its folders, with ``/`` between parts.
    """
    if isinstance(path_prefix, dict):
        path_prefix = path_prefix.get("path")
    parts = []
    for part in (path_prefix, unique_tag, name):
        if part:
            parts.extend(p for p in str(part).replace("\\", "/").split("/") if p and p != ".")
    return "/".join(parts)


def handles_from(aggregator: Iterable, root=None) -> List[FitHandle]:
    """
    A ``FitHandle`` for every fit of an autofit aggregator, folder- or database-backed.

    Parameters
    ----------
    aggregator
        Any autofit aggregator.
    root
        The folder a folder aggregator scanned, if known: locations then come from the fits'
        folders instead of one ``search.json`` read per fit.
    """
    from autofit_csv.loaders.database import database_handle
    from autofit_csv.loaders.directory import directory_handle, directory_handles

    fits = list(aggregator)
    if root is not None and all(hasattr(fit, "directory") for fit in fits):
        return directory_handles(fits, root, vars(aggregator).get("directories"))
    return [
        directory_handle(fit, index) if hasattr(fit, "directory") else database_handle(fit, index)
        for index, fit in enumerate(fits)
    ]
