"""
A fit kept as an output folder (``<location>/<identifier>/files/...``), zipped or not.
"""
import os
import re
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

from autofit_csv.errors import FitFileError, MissingFileError, UnreadableFileError
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
        location=_location_from_search(search_output),
        index=index,
        label=label or str(search_output.directory),
    )


def _location_from_search(search_output) -> str:
    directory = Path(search_output.directory)
    try:
        raw = read_json_file(directory / "files" / "search.json", str(directory), "files/search.json")
        location = location_from_search_json(raw)
    except FitFileError:
        location = None
    if location is None:
        # Output written before search.json carried the paths: ask autofit, else the folders.
        try:
            location = join_location(
                search_output.path_prefix, search_output.unique_tag, search_output.name
            )
        except Exception:
            # No readable paths at all: handles_from places the fit by its folder.
            location = ""
    return location


def directory_handles(
    search_outputs: Iterable, root: Path, directories: Optional[List[str]] = None
) -> List[FitHandle]:
    """
    Handles of the fits autofit found below ``root``, their locations read from their folders.

    autofit writes a fit to ``<output root>/<path_prefix>/<unique_tag>/<name>/<identifier>``,
    so the folders below ``root`` are the location, less whatever part of it lies above
    ``root`` when the user pointed at a subfolder. That part is learnt from the ``search.json``
    of three fits (first, middle, last); if their folders disagree with their ``search.json``
    (folders moved or renamed by hand) every fit's ``search.json`` is read instead. This saves
    reading one file per fit, a quarter of the work of a table of medians.

    Parameters
    ----------
    search_outputs
        autofit's ``SearchOutput`` objects, in the aggregator's order.
    root
        The folder autofit's ``Aggregator.from_directory`` scanned.
    directories
        The fits' folders as strings, if known (saves converting each ``Path``).
    """
    outputs = list(search_outputs)
    if directories is None:
        directories = [str(output.directory) for output in outputs]
    # String work, not pathlib: for 10,000 fits PurePath.relative_to alone costs a second.
    prefix = os.path.join(str(root), "")
    placed = [
        _placement(output, directory, root, prefix)
        for output, directory in zip(outputs, directories)
    ]
    above = _part_above_root(outputs, placed)
    handles = []
    for index, (output, (parts, label), directory) in enumerate(zip(outputs, placed, directories)):
        if above is None:
            location = directory_handle(output, index, label).location
            # No readable paths in its search.json: where its folders put it.
            location = location or "/".join(parts) or label
        else:
            location = "/".join(above + parts)
        handles.append(
            FitHandle(
                autofit_fit=output,
                location=location,
                index=index,
                label=label,
                directory=directory,
            )
        )
    return handles


def _placement(search_output, directory: str, root: Path, prefix: str) -> Tuple[List[str], str]:
    """
    The location parts of a fit in ``directory`` below ``root`` (``prefix`` is ``root`` with a
    trailing separator) and the label messages give it.

    A zipped fit is unzipped by autofit into a temporary folder that mirrors the tree; its
    label is the zip's place in the user's tree, not the temporary path.
    """
    temporary = getattr(search_output, "_temporary_directory", None)
    if temporary is not None:
        relative = Path(directory).relative_to(temporary.path)
        return _location_parts(relative.parts), f"{root / relative}.zip"
    if directory.startswith(prefix):
        parts = directory[len(prefix):].split(os.sep)
    else:
        parts = _parts_below(Path(directory), root)
    return _location_parts(parts), directory


def _parts_below(directory: Path, root: Path) -> tuple:
    try:
        return directory.relative_to(root).parts
    except ValueError:
        return directory.parts[-1:]


def _location_parts(parts) -> List[str]:
    parts = list(parts)
    if parts and IDENTIFIER_FOLDER.fullmatch(parts[-1]):
        parts = parts[:-1]
    return parts


def _part_above_root(outputs: list, placed: list) -> Optional[List[str]]:
    if not outputs:
        return []
    above = None
    for index in sorted({0, len(outputs) // 2, len(outputs) - 1}):
        location = _location_from_search(outputs[index])
        if not location:
            continue  # a search.json without readable paths says nothing about the layout
        location = location.split("/")
        parts = placed[index][0]
        if len(location) < len(parts) or location[len(location) - len(parts):] != parts:
            return None
        here = location[: len(location) - len(parts)]
        if above is not None and here != above:
            return None
        above = here
    return above if above is not None else []


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
