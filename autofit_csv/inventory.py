"""
Knowing what is there: the folders, model paths, latent paths and info keys of a table's fits,
so that nobody has to open ``model.json`` to guess a path.
"""
import json
from collections import Counter
from typing import Dict, Iterable, List, Optional, Tuple

from autofit_csv.columns.json_column import dotted_keys
from autofit_csv.errors import FitFileError
from autofit_csv.loaders import files_for
from autofit_csv.loaders.base import LATENT_SUMMARY
from autofit_csv.model_paths import ModelPaths
from autofit_csv.rows import RowIndex, folder_parts

#: Paths listed per folder by ``describe`` before "... and N more".
SHOWN_IN_DESCRIBE = 200


class Inventory:
    def __init__(self, index: RowIndex):
        """
        What the fits of a table hold, read on request and remembered.

        Parameters
        ----------
        index
            The table's fits.
        """
        self._index = index
        self._cache: Dict[Tuple[str, tuple], Tuple[List[str], int]] = {}
        #: ``model.json`` content -> its paths: each distinct model parsed once.
        self._model_paths: Dict[bytes, List[str]] = {}

    def folders(self) -> Dict[str, int]:
        """
        Search name (the last part of a fit's location, what ``folder=`` names) -> fit count,
        sorted by name.
        """
        counts = Counter(location.split("/")[-1] for location in self._index.fits.locations())
        return dict(sorted(counts.items()))

    def model_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every model parameter path of the folder's fits (linked-prior aliases included), sorted.
        Each distinct ``model.json`` is parsed once, however many fits share it.
        """
        return self._union("model", folder)[0]

    def latent_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every latent variable path in the folder's ``latent/latent_summary.json`` files, sorted.
        """
        return self._union("latent", folder)[0]

    def info_keys(self, folder: Optional[str] = None) -> List[str]:
        """
        Every key of the folder's ``info.json`` files, nested dicts reached with dots, sorted.
        """
        return self._union("info", folder)[0]

    def _read_model(self, files) -> Iterable[str]:
        content = files.json_bytes("model")
        if content not in self._model_paths:
            self._model_paths[content] = ModelPaths(json.loads(content)).paths
        return self._model_paths[content]

    @staticmethod
    def _read_latent(files) -> Iterable[str]:
        return files.summary(LATENT_SUMMARY).paths()

    @staticmethod
    def _read_info(files) -> Iterable[str]:
        return dotted_keys(files.json("info"))

    def _union(self, what: str, folder: Optional[str]) -> Tuple[List[str], int]:
        """
        The sorted union of what the ``what`` reader (``model``, ``latent``, ``info``) finds in
        the folder's fits, and how many fits could not be read.
        """
        parts = folder_parts(folder)
        key = (what, parts)
        read = getattr(self, f"_read_{what}")
        if key not in self._cache:
            found, unreadable = set(), 0
            for handle in self._index.handles_in(parts):
                try:
                    found.update(read(files_for(handle)))
                except (FitFileError, ValueError):
                    unreadable += 1
            self._cache[key] = (sorted(found), unreadable)
        return self._cache[key]

    def describe(self) -> str:
        """
        All of the above, per folder, for people.
        """
        folders = self.folders()
        lines = [f"{len(self._index.fits)} fit(s) in {len(folders)} folder(s)"]
        if not folders:
            return lines[0]
        for name, count in folders.items():
            lines.append("")
            lines.append(f"folder={name!r}: {count} fit(s)")
            for title, what in (
                ("model paths", "model"),
                ("latent paths", "latent"),
                ("info keys", "info"),
            ):
                paths, unreadable = self._union(what, name)
                note = f"; {unreadable} fit(s) without a readable file" if unreadable else ""
                lines.append(f"  {title} ({len(paths)}{note}):")
                lines.extend(f"    {path}" for path in paths[:SHOWN_IN_DESCRIBE])
                if len(paths) > SHOWN_IN_DESCRIBE:
                    lines.append(f"    ... and {len(paths) - SHOWN_IN_DESCRIBE} more")
        return "\n".join(lines)
