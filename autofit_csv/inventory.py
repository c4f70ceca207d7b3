"""
Knowing what is there: the folders, model paths, latent paths and info keys of a table's fits,
so that nobody has to open ``model.json`` to guess a path.
"""
from collections import Counter
from typing import Callable, Dict, Iterable, List, Optional, Tuple

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

    def folders(self) -> Dict[str, int]:
        """
        Search name (the last part of a fit's location, what ``folder=`` names) -> fit count,
        sorted by name.
        """
        counts = Counter(h.location.split("/")[-1] for h in self._index.handles)
        return dict(sorted(counts.items()))

    def model_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every model parameter path of the folder's fits (linked-prior aliases included), sorted.
        Each distinct ``model.json`` is parsed once, however many fits share it.
        """
        return self._union("model", folder, self._model_paths_reader())[0]

    def latent_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every latent variable path in the folder's ``latent/latent_summary.json`` files, sorted.
        """
        return self._union("latent", folder, lambda files: files.summary(LATENT_SUMMARY).paths())[0]

    def info_keys(self, folder: Optional[str] = None) -> List[str]:
        """
        Every key of the folder's ``info.json`` files, nested dicts reached with dots, sorted.
        """
        return self._union("info", folder, lambda files: dotted_keys(files.json("info")))[0]

    def _model_paths_reader(self) -> Callable:
        parsed: Dict[bytes, List[str]] = {}

        def read(files) -> Iterable[str]:
            content = files.json_bytes("model")
            if content not in parsed:
                import json

                parsed[content] = ModelPaths(json.loads(content)).paths
            return parsed[content]

        return read

    def _union(self, what: str, folder: Optional[str], read: Callable) -> Tuple[List[str], int]:
        """
        The sorted union of ``read(files)`` over the folder's fits, and how many fits could not
        be read.
        """
        parts = folder_parts(folder)
        key = (what, parts)
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
        lines = [f"{len(self._index.handles)} fit(s) in {len(folders)} folder(s)"]
        if not folders:
            return lines[0]
        for name, count in folders.items():
            lines.append("")
            lines.append(f"folder={name!r}: {count} fit(s)")
            for title, what, reader in (
                ("model paths", "model", self._model_paths_reader()),
                ("latent paths", "latent", lambda f: f.summary(LATENT_SUMMARY).paths()),
                ("info keys", "info", lambda f: dotted_keys(f.json("info"))),
            ):
                paths, unreadable = self._union(what, name, reader)
                note = f"; {unreadable} fit(s) without a readable file" if unreadable else ""
                lines.append(f"  {title} ({len(paths)}{note}):")
                lines.extend(f"    {path}" for path in paths[:SHOWN_IN_DESCRIBE])
                if len(paths) > SHOWN_IN_DESCRIBE:
                    lines.append(f"    ... and {len(paths) - SHOWN_IN_DESCRIBE} more")
        return "\n".join(lines)
