"""
A fit kept as an output folder (``<location>/<identifier>/files/...``), zipped or not.
"""
import csv
from pathlib import Path

from autofit_csv.errors import FitFileError, MissingFileError, UnreadableFileError
from autofit_csv.loaders.base import (
    FitFiles,
    FitHandle,
    join_location,
    location_from_search_json,
    read_json_file,
)


def directory_handle(search_output, index: int) -> FitHandle:
    """
    The handle of one autofit ``SearchOutput``; reads only its small ``search.json``.
    """
    directory = Path(search_output.directory)
    label = str(directory)
    try:
        raw = read_json_file(directory / "files" / "search.json", label, "files/search.json")
        location = location_from_search_json(raw)
    except FitFileError:
        location = None
    if location is None:
        # Output written before search.json carried the paths: ask autofit.
        location = join_location(
            search_output.path_prefix, search_output.unique_tag, search_output.name
        )
    return FitHandle(
        fit=search_output,
        location=location,
        index=index,
        label=label,
        is_complete=(directory / ".completed").exists(),
    )


class DirectoryFitFiles(FitFiles):
    """
    The files of a fit folder, read straight from disk.
    """

    @property
    def files_path(self) -> Path:
        return Path(self.handle.fit.directory) / "files"

    def _read_json(self, name: str) -> dict:
        return read_json_file(
            self.files_path / f"{name}.json", self.label, f"files/{name}.json"
        )

    def _read_samples(self, model):
        from autonerves.class_path import get_class
        from autofit.non_linear.samples.sample import samples_from_iterator

        info = self.json("samples_info")
        path = self.files_path / "samples.csv"
        try:
            with open(path, newline="") as file:
                sample_list = samples_from_iterator(csv.reader(file))
        except FileNotFoundError:
            raise MissingFileError(
                self.label,
                "files/samples.csv",
                "is missing (samples output switched off?), needed by a samples function",
            )
        except (ValueError, IndexError) as error:
            raise UnreadableFileError(
                self.label, "files/samples.csv", f"could not be parsed ({error})"
            )
        try:
            cls = get_class(info["class_path"])
        except (KeyError, ImportError, AttributeError) as error:
            raise UnreadableFileError(
                self.label, "files/samples_info.json", f"names no samples class ({error})"
            )
        return cls.from_list_info_and_model(
            sample_list=sample_list, samples_info=info, model=model
        )
