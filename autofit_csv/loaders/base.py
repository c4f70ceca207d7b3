"""
What every column reads of a fit, whatever holds the fit: the ``FitHandle`` kept for every fit of
a table, and the ``FitFiles`` that reads one fit's files while its row is built.

This module knows no backend; ``autofit_csv.loaders`` chooses one per fit.
"""
import copy
import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Optional

from autofit_csv.errors import FitFileError, MissingFileError, UnreadableFileError
from autofit_csv.loaders.models import MODELS
from autofit_csv.model_paths import ModelPaths
from autofit_csv.summary import Summary

SAMPLES_SUMMARY = "samples_summary"
LATENT_SUMMARY = "latent/latent_summary"


def is_folder_fit(autofit_fit) -> bool:
    """
    Whether autofit's object for a fit reads a folder (a ``SearchOutput``) rather than a database.
    """
    return hasattr(autofit_fit, "directory")


class FitHandle:
    """
    One fit of a table: where it sits, how messages name it, and how to reach autofit's own
    object for it. Made when a row needs the fit (a survey's table keeps its fits in a compact
    ``FitList``, not as handles); files are read through ``FitFiles``.

    Parameters
    ----------
    autofit_fit
        autofit's own object for the fit: a database ``Fit``, or a ``SearchOutput``; None for a
        folder fit known by ``directory``, whose ``SearchOutput`` is made when first asked for.
    location
        ``path_prefix/unique_tag/name`` joined with ``/`` (empty parts left out); None to
        have ``locate(index)`` work it out when first asked (building a row never asks).
    index
        The fit's position in the aggregator (``add_label_column`` pairs values by it).
    label
        How messages name the fit: its folder (a zipped fit's zip), or its database id and
        location.
    completed
        Whether autofit marked the fit as finished; None to look for a folder's
        ``.completed`` file when first asked (most tables never ask).
    directory
        A folder fit's folder as a string, where known. Files are found from it rather than
        from autofit's ``Path``: formatting a ``Path`` fills caches it keeps for good.
    temporary
        For a zipped fit, the temporary extraction holding ``directory`` (kept alive by the
        ``SearchOutput`` made from it).
    locate
        Gives the location from the index, where ``location`` is None.
    """

    __slots__ = (
        "_autofit_fit",
        "_location",
        "_locate",
        "index",
        "label",
        "completed",
        "directory",
        "temporary",
    )

    def __init__(
        self,
        autofit_fit: Any,
        location: str,
        index: int,
        label: str,
        completed: Optional[bool] = None,
        directory: Optional[str] = None,
        temporary: Any = None,
        locate: Optional[Callable[[int], str]] = None,
    ):
        self._autofit_fit = autofit_fit
        self._location = location
        self._locate = locate
        self.index = index
        self.label = label
        self.completed = completed
        self.directory = directory
        self.temporary = temporary

    def __repr__(self) -> str:
        return f"FitHandle({self.label!r}, location={self.location!r}, index={self.index})"

    @property
    def location(self) -> str:
        if self._location is None:
            self._location = self._locate(self.index)
        return self._location

    @property
    def autofit_fit(self):
        """
        autofit's own object for the fit (a ``SearchOutput`` or a database ``Fit``).
        """
        if self._autofit_fit is None and self.directory is not None:
            from autofit.aggregator.search_output import SearchOutput

            self._autofit_fit = SearchOutput(
                Path(self.directory), temporary_directory=self.temporary
            )
        return self._autofit_fit

    @property
    def is_folder(self) -> bool:
        """
        Whether the fit is an output folder (zipped or not) rather than a database row.
        """
        return self.directory is not None or is_folder_fit(self._autofit_fit)

    @property
    def is_zipped(self) -> bool:
        """
        Whether the fit's folder was unzipped into a temporary folder (its label is the zip).
        """
        if self.temporary is not None:
            return True
        return getattr(self._autofit_fit, "_temporary_directory", None) is not None

    @property
    def folder(self) -> str:
        """
        A folder fit's folder, as a string.
        """
        return self.directory if self.directory is not None else str(self._autofit_fit.directory)

    @property
    def is_complete(self) -> bool:
        if self.completed is not None:
            return self.completed
        return os.path.exists(os.path.join(self.folder, ".completed"))


class FitFiles(ABC):
    def __init__(self, handle: FitHandle):
        """
        The files of one fit, each read at most once and only when a column asks for it.

        A ``FitFiles`` lives for one row; dropping it frees everything it read, so memory does
        not grow with the number of fits. Every reader turns any failure into a
        ``FitFileError`` naming the fit and the file, so one odd fit blanks only its own cells.

        Parameters
        ----------
        handle
            The fit.
        """
        self.handle = handle
        # What was read or built, or the FitFileError that reading raised (so a missing file is
        # looked for once, however many columns want it).
        self._cache = {}

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
            The file is not valid JSON, not readable, or not a file.
        """
        return self._cached(f"json:{name}", lambda: self._read_json(name))

    def json_bytes(self, name: str) -> bytes:
        """
        A JSON file's content as bytes, for telling files apart without parsing them (many fits
        share one ``model.json``). The default serialises the parsed document.

        Raises
        ------
        MissingFileError, UnreadableFileError
        """
        return json.dumps(self.json(name), sort_keys=True).encode()

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

    def image_path(self, name: str):
        """
        The path of a file in the fit's ``image/`` folder.

        Raises
        ------
        MissingFileError
            The fit has no such image (database fits keep none).
        """
        raise MissingFileError(self.label, f"image/{name}", "is not kept for this fit")

    def _cached(self, key: str, build):
        """
        ``build()``, once per ``FitFiles``; a ``FitFileError`` it raises is kept and raised again.
        """
        cache = self._cache
        if key not in cache:
            try:
                cache[key] = build()
            except FitFileError as error:
                cache[key] = error
        value = cache[key]
        if isinstance(value, FitFileError):
            raise value
        return value

    def summary(self, name: str = SAMPLES_SUMMARY) -> Summary:
        """
        The numbers of ``samples_summary.json`` or ``latent/latent_summary.json``.

        Raises
        ------
        MissingFileError, UnreadableFileError
            The file is missing, unreadable, or not a samples summary.
        """

        def build():
            raw = self.json(name)
            try:
                return Summary(raw)
            except ValueError as error:
                raise UnreadableFileError(
                    self.label, f"files/{name}.json", "has the wrong shape", str(error)
                )

        return self._cached(f"summary:{name}", build)

    def section(self, name: str, section: str) -> dict:
        """
        One section of a summary file (``median_pdf_sample``, ``values_at_sigma_3``, ...), keyed
        by model path.

        Raises
        ------
        MissingFileError
            The summary is missing, or has no such section.
        UnreadableFileError
            The summary is unreadable or not shaped as autofit writes it.
        """
        file = f"files/{name}.json"
        try:
            values = self.summary(name).section(section)
        except ValueError as error:
            raise UnreadableFileError(self.label, file, "has the wrong shape", str(error))
        if values is None:
            raise MissingFileError(self.label, file, f"has no {section}")
        return values

    def model_paths(self) -> ModelPaths:
        """
        The model's parameter paths and which of them share a prior, from ``model.json``.

        Raises
        ------
        MissingFileError, UnreadableFileError
            ``model.json`` is missing, unreadable, or has no free parameter (no model a search
            fitted: a list, a number, a document of another kind).
        """

        def build():
            paths = ModelPaths(self.json("model"))
            if not paths.paths:
                raise UnreadableFileError(
                    self.label, "files/model.json", "has no free parameters (not a fitted model)"
                )
            return paths

        return self._cached("model_paths", build)

    def model(self):
        """
        autofit's model object for ``model.json``, built once per distinct model in this process
        and shared by the fits of that model (see ``autofit_csv.loaders.models``).

        Raises
        ------
        UnreadableFileError
            autofit could not build the model (a class that no longer imports, a file of the
            wrong shape).
        """
        return self._shared_model().model

    def _shared_model(self):
        def build():
            try:
                return MODELS.model_for(self.json_bytes("model"), lambda: self.json("model"))
            except FitFileError:
                raise
            except Exception as error:
                raise UnreadableFileError(
                    self.label,
                    "files/model.json",
                    "could not be built by autofit",
                    f"{type(error).__name__}: {error}",
                ) from error

        return self._cached("shared_model", build)

    def instance(self, use_max_lh_instance: bool):
        """
        The model instance of the summary's max likelihood sample or its median PDF sample (no
        ``samples.csv`` needed): the instance autofit's own ``SamplesSummary`` gives, made
        from the shared model and the sample's values.

        Raises
        ------
        MissingFileError
            The summary or the model is missing, or the summary has no such sample.
        UnreadableFileError
            autofit could not build the model or the instance.
        """
        file = f"files/{SAMPLES_SUMMARY}.json"
        section = "max_log_likelihood_sample" if use_max_lh_instance else "median_pdf_sample"

        def build():
            values = self.section(SAMPLES_SUMMARY, section)
            shared = self._shared_model()
            try:
                if not values:
                    # No path-keyed values: let autofit decide what the sample means.
                    return self._autofit_instance(use_max_lh_instance, shared.model)
                return shared.model.instance_from_vector(shared.vector(values))
            except FitFileError:
                raise
            except Exception as error:
                raise UnreadableFileError(
                    self.label,
                    file,
                    "could not be made into an autofit instance",
                    f"{type(error).__name__}: {error}",
                ) from error

        return self._cached(f"instance:{use_max_lh_instance}", build)

    def _autofit_instance(self, use_max_lh_instance: bool, model):
        summary = _autofit_object(
            self.json(SAMPLES_SUMMARY), self.label, f"files/{SAMPLES_SUMMARY}.json"
        )
        summary.model = model
        if use_max_lh_instance:
            return summary.instance
        return summary.median_pdf(as_instance=True)

    def samples(self):
        """
        autofit's samples object for the fit (``samples.draw_randomly_via_pdf()`` and friends).
        """
        return self._cached("samples", lambda: self._read_samples(self.model()))


def _autofit_object(raw: dict, label: str, file: str):
    """
    autofit's object for a JSON document. ``from_dict`` consumes the dict it is given, so it
    gets a copy: the parsed file stays cached for other columns.

    Raises
    ------
    UnreadableFileError
        autofit could not build the object; the message names the fit and the file.
    """
    from autonerves.dictable import from_dict

    try:
        return from_dict(copy.deepcopy(raw))
    except Exception as error:
        raise UnreadableFileError(
            label,
            file,
            "could not be built by autofit",
            f"{type(error).__name__}: {error}",
        ) from error


def read_file_bytes(path, label: str, relative: str) -> bytes:
    """
    A file's bytes, with the errors autofit_csv reports.

    Raises
    ------
    MissingFileError
        No such file.
    UnreadableFileError
        A folder, a file this user may not read, or another read error.
    """
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        raise missing_file_error(path, label, relative, "is missing")
    except IsADirectoryError:
        raise UnreadableFileError(label, relative, "is a folder, not a file")
    except PermissionError:
        raise UnreadableFileError(label, relative, "is not readable (permission denied)")
    except OSError as error:
        raise UnreadableFileError(label, relative, "could not be read", str(error))


def missing_file_error(path, label: str, relative: str, reason: str) -> FitFileError:
    """
    The error for a file that could not be found: ``MissingFileError`` with ``reason``, or, if
    the name is a symbolic link to nothing, an ``UnreadableFileError`` saying so (the file is
    not simply absent: something was meant to be there).
    """
    if os.path.islink(path):
        return UnreadableFileError(
            label, relative, "is a broken symbolic link", f"to {os.readlink(path)}"
        )
    return MissingFileError(label, relative, reason)


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

    Raises
    ------
    MissingFileError
        No such file.
    UnreadableFileError
        A folder, a file this user may not read, or not valid JSON.
    """
    return parse_json(read_file_bytes(path, label, relative), label, relative)


def parse_json(data: bytes, label: str, relative: str):
    """
    A JSON document from a file's bytes.

    Raises
    ------
    UnreadableFileError
        Not valid JSON; the message names the fit and the file.
    """
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableFileError(label, relative, "is not valid JSON", str(error))


def location_from_search_json(raw) -> Optional[str]:
    """
    ``path_prefix/unique_tag/name`` from a search's ``search.json``, or None if it holds no
    paths (or is not shaped like one).
    """
    if not isinstance(raw, dict):
        return None
    arguments = raw.get("arguments")
    if not isinstance(arguments, dict):
        return None
    paths = arguments.get("paths")
    paths = paths.get("arguments") if isinstance(paths, dict) else None
    if not isinstance(paths, dict) or not paths:
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
