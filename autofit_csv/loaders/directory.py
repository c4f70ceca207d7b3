"""
A fit kept as an output folder (``<location>/<identifier>/files/...``), zipped or not.
"""
import os
import re
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from autofit_csv.errors import FitFileError, MissingFileError, UnreadableFileError
from autofit_csv.loaders.fit_list import FitList
from autofit_csv.loaders.folder_paths import FolderPaths
from autofit_csv.loaders.samples_table import read_sample_list
from autofit_csv.loaders.base import (
    FitFiles,
    FitHandle,
    join_location,
    location_from_search_json,
    missing_file_error,
    parse_json,
    read_file_bytes,
    read_json_file,
)


#: autofit's identifier folder name: the md5 hex digest of the search and model.
IDENTIFIER_FOLDER = re.compile(r"[0-9a-f]{32}")


def directory_handle(search_output, index: int, label: Optional[str] = None) -> FitHandle:
    """
    The handle of one autofit ``SearchOutput``, its location read from its ``search.json``.
    """
    return FitHandle(
        autofit_fit=search_output,
        location=_location_from_search(
            str(search_output.directory), lambda: search_output
        ),
        index=index,
        label=label or str(search_output.directory),
    )


def _location_from_search(directory: str, search_output: Callable) -> str:
    """
    The location a fit's ``files/search.json`` gives; for output written before it carried
    the paths, autofit's answer (``search_output()`` makes the ``SearchOutput`` to ask); ""
    where neither knows.
    """
    try:
        raw = read_json_file(
            os.path.join(directory, "files", "search.json"), directory, "files/search.json"
        )
        location = location_from_search_json(raw)
    except FitFileError:
        location = None
    if location is None:
        try:
            fit = search_output()
            location = join_location(fit.path_prefix, fit.unique_tag, fit.name)
        except Exception:
            # No readable paths at all: the fit is placed by its folder.
            location = ""
    return location


class FolderFits(FitList):
    def __init__(
        self, directories: FolderPaths, temporary=None, positions=None, search_outputs=None
    ):
        """
        The fits found below an output folder, kept as one string each (``FolderPaths``); a
        fit's location, label and ``FitHandle`` are made from it when asked for. A survey's
        table holds this for every fit, so nothing else is kept per fit (autofit's
        ``SearchOutput`` and its ``Path`` alone cost more than the string).

        autofit writes a fit to ``<output root>/<path_prefix>/<unique_tag>/<name>/<identifier>``,
        so the folders below the root are the location, less whatever part of it lies above
        the root when the user pointed at a subfolder. That part is learnt from the
        ``search.json`` of three fits (first, middle, last); if their folders disagree with
        their ``search.json`` (folders moved or renamed by hand) every fit's ``search.json`` is
        read instead. This saves reading one file per fit, a quarter of the work of a table of
        medians.

        Parameters
        ----------
        directories
            The fits' folders, in the aggregator's order, and the root that was walked.
        temporary
            The ``TemporaryExtraction`` zipped fits were unzipped into, or None.
        positions
            See ``FitList``.
        search_outputs
            The aggregator's own ``SearchOutput`` of each fit, in the same order, where the
            user made the aggregator (it holds them anyway): computed columns are given these,
            as autofit's ``AggregateCSV`` gives them, not ones made afresh.
        """
        super().__init__(positions)
        self._directories = directories
        self._search_outputs = search_outputs
        self._root = directories.root
        # String work, not pathlib: for 10,000 fits PurePath.relative_to alone costs a second.
        self._prefix = directories.prefix
        self._temporary = temporary
        self._zip_prefix = os.path.join(str(temporary.path), "") if temporary else None
        self._locations: Optional[List[str]] = None
        self._above = self._part_above_root()
        if self._above is None:
            self._locations = [self._location_read(index) for index in range(self.total)]

    @property
    def total(self) -> int:
        return len(self._directories)

    def _copy(self, positions) -> "FolderFits":
        copy = object.__new__(FolderFits)
        copy.__dict__.update(self.__dict__)  # shares the folder strings
        copy._positions = positions
        return copy

    def _search_output(self, index: int):
        return self._handle(index).autofit_fit

    def directory(self, index: int) -> str:
        return self._directories[index]

    def _is_zipped(self, directory: str) -> bool:
        return self._zip_prefix is not None and directory.startswith(self._zip_prefix)

    def _parts_and_label(self, index: int) -> Tuple[List[str], str]:
        """
        The location parts of a fit given by its folders below the root (or below the
        temporary folder that mirrors the tree, for a zipped fit), and its label: its folder,
        or for a zipped fit the zip's place in the user's tree.
        """
        directory = self.directory(index)
        if self._is_zipped(directory):
            relative = directory[len(self._zip_prefix):]
            parts = relative.split(os.sep)
            label = f"{os.path.join(self._root, relative)}.zip"
        elif directory.startswith(self._prefix):
            parts, label = directory[len(self._prefix):].split(os.sep), directory
        else:
            parts, label = list(_parts_below(Path(directory), Path(self._root))), directory
        if parts and IDENTIFIER_FOLDER.fullmatch(parts[-1]):
            parts = parts[:-1]
        return parts, label

    def _location(self, index: int) -> str:
        if self._locations is not None:
            return self._locations[index]
        return "/".join(self._above + self._parts_and_label(index)[0])

    def _location_read(self, index: int) -> str:
        """
        A fit's location from its own ``search.json``, else where its folders put it.
        """
        directory = self.directory(index)
        location = _location_from_search(directory, lambda: self._search_output(index))
        if location:
            return location
        parts, label = self._parts_and_label(index)
        return "/".join(parts) or label

    def _handle(self, index: int) -> FitHandle:
        directory = self.directory(index)
        zipped = self._is_zipped(directory)
        return FitHandle(
            autofit_fit=None if self._search_outputs is None else self._search_outputs[index],
            location=None,  # worked out if asked for: building a row never asks
            index=index,
            label=self._parts_and_label(index)[1] if zipped else directory,
            directory=directory,
            temporary=self._temporary if zipped else None,
            locate=self._location,
        )

    def _part_above_root(self) -> Optional[List[str]]:
        """
        The location parts above the root, learnt from three fits; None where fits' folders
        and their ``search.json`` disagree.
        """
        if not self.total:
            return []
        above = None
        for index in sorted({0, self.total // 2, self.total - 1}):
            location = _location_from_search(
                self.directory(index), lambda: self._search_output(index)
            )
            if not location:
                continue  # a search.json without readable paths says nothing about the layout
            location = location.split("/")
            parts = self._parts_and_label(index)[0]
            if len(location) < len(parts) or location[len(location) - len(parts):] != parts:
                return None
            here = location[: len(location) - len(parts)]
            if above is not None and here != above:
                return None
            above = here
        return above if above is not None else []


def _parts_below(directory: Path, root: Path) -> tuple:
    try:
        return directory.relative_to(root).parts
    except ValueError:
        return directory.parts[-1:]


class DirectoryFitFiles(FitFiles):
    """
    The files of a fit folder, read straight from disk.
    """

    @property
    def files_path(self) -> Path:
        return Path(self.handle.folder) / "files"

    def _path(self, name: str) -> str:
        # A string path: pathlib's joins cost more than the read for small files.
        return f"{self.handle.folder}{os.sep}files{os.sep}{name}.json"

    def _read_json(self, name: str) -> dict:
        # Through the bytes, which are read once: model.json's also tell models apart.
        return parse_json(self.json_bytes(name), self.label, f"files/{name}.json")

    def json_bytes(self, name: str) -> bytes:
        return self._cached(
            f"bytes:{name}", lambda: read_file_bytes(self._path(name), self.label, f"files/{name}.json")
        )

    def _read_samples(self, model):
        from autonerves.class_path import get_class

        file = "files/samples.csv"
        try:
            sample_list = read_sample_list(self.files_path / "samples.csv")
        except FileNotFoundError:
            raise missing_file_error(
                self.files_path / "samples.csv",
                self.label,
                file,
                "is missing (samples output switched off?)",
            )
        except IsADirectoryError:
            raise UnreadableFileError(self.label, file, "is a folder, not a file")
        except PermissionError:
            raise UnreadableFileError(self.label, file, "is not readable (permission denied)")
        except OSError as error:
            raise UnreadableFileError(self.label, file, "could not be read", str(error))
        except (ValueError, IndexError, UnicodeDecodeError) as error:
            raise UnreadableFileError(self.label, file, "could not be parsed", str(error))
        info = self.json("samples_info")
        try:
            cls = get_class(info["class_path"])
        except Exception as error:
            raise UnreadableFileError(
                self.label, "files/samples_info.json", "names no samples class", str(error)
            )
        try:
            return cls.from_list_info_and_model(
                sample_list=sample_list, samples_info=info, model=model
            )
        except Exception as error:
            raise UnreadableFileError(
                self.label,
                file,
                "could not be made into autofit samples",
                f"{type(error).__name__}: {error}",
            ) from error

    def image_path(self, name: str) -> Path:
        """
        The absolute path of ``image/<name>`` of the fit (a zipped fit's is in the folder it
        was unzipped to).

        Raises
        ------
        MissingFileError
            The fit has no such image.
        """
        path = (Path(self.handle.folder) / "image" / name).absolute()
        if not path.is_file():
            raise MissingFileError(self.label, f"image/{name}", "is missing")
        return path
