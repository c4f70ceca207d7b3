"""
Which fits make a row: everything above the folder a column names is the row's key.

A fit's location is ``path_prefix/unique_tag/name``. A column's ``folder`` must equal the last
whole components of a location (``source_lp[1]`` or ``vis/source_lp[1]``, matched literally);
what stays above it is the key, and all columns whose fits share a key fill one row.
"""
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Tuple

from autofit_csv.errors import FitFileError, FolderError
from autofit_csv.loaders import files_for
from autofit_csv.loaders.base import SAMPLES_SUMMARY, FitHandle


class RowKey(str):
    """
    A row's key, e.g. ``vis/lens_001``: a string, with ``.name`` (its last part, ``lens_001``)
    and ``.parts`` for use in path templates (``"dataset/{row.name}/result.json"``).
    """

    @property
    def parts(self) -> List[str]:
        return self.split("/") if self else []

    @property
    def name(self) -> str:
        parts = self.parts
        return parts[-1] if parts else ""


def folder_parts(folder: Optional[str]) -> tuple:
    """
    The components of a ``folder`` argument (``"vis/source_lp[1]"`` -> two parts).
    """
    if folder is None:
        return ()
    parts = tuple(p for p in str(folder).replace("\\", "/").split("/") if p)
    if not parts:
        raise FolderError(f"folder={folder!r} names no folder")
    return parts


def location_under(location: str, path_prefix: str) -> bool:
    """
    Whether ``location`` starts with the whole folders of ``path_prefix``.
    """
    prefix = folder_parts(path_prefix)
    return tuple(location.split("/")[: len(prefix)]) == prefix


def key_for(location: str, folder: tuple) -> Optional[RowKey]:
    """
    The row key of a fit at ``location`` for a column with ``folder``, or None if the folder
    is not the end of the location. With no folder the whole location is the key.
    """
    parts = location.split("/") if location else []
    if not folder:
        return RowKey(location)
    if len(parts) < len(folder) or tuple(parts[len(parts) - len(folder):]) != folder:
        return None
    return RowKey("/".join(parts[: len(parts) - len(folder)]))


class RowIndex:
    def __init__(self, handles: Iterable[FitHandle]):
        """
        The fits of a table, grouped into rows once per distinct ``folder``.

        Parameters
        ----------
        handles
            Every fit of the aggregator.
        """
        self.handles: List[FitHandle] = list(handles)
        self._by_folder: Dict[tuple, Dict[RowKey, FitHandle]] = {}
        #: ``(fit label, reason)`` of fits that share a location with a fit kept in their stead.
        self.not_kept: List[Tuple[str, str]] = []

    def handles_in(self, folder: tuple) -> List[FitHandle]:
        """
        Every fit whose location ends with ``folder`` (all fits for an empty folder), reruns
        included, in aggregator order.

        Raises
        ------
        FolderError
            If the folder is the end of no fit's location.
        """
        if not folder:
            return list(self.handles)
        found = [h for h in self.handles if key_for(h.location, folder) is not None]
        if not found:
            raise FolderError(self._no_folder_message(folder))
        return found

    def fits_for(self, folder: tuple) -> Dict[RowKey, FitHandle]:
        """
        The fit of each row for a column with ``folder``.

        Where several fits share a location (the same search rerun with other settings) one is
        kept, by a rule that gives the same answer on every machine and backend: a completed fit
        over an unfinished one, then the higher maximum log likelihood, then the identifier that
        sorts last. The fits not kept are listed in ``not_kept`` (and so in the build report).

        Parameters
        ----------
        folder
            The column's folder parts (empty: one row per fit).

        Raises
        ------
        FolderError
            If the folder is the end of no fit's location; the message lists the folders that exist.
        """
        if folder in self._by_folder:
            return self._by_folder[folder]
        grouped = defaultdict(list)
        for handle in self.handles:
            key = key_for(handle.location, folder)
            if key is not None:
                grouped[key].append(handle)
        if folder and not grouped:
            raise FolderError(self._no_folder_message(folder))
        chosen = {}
        for key, handles in grouped.items():
            chosen[key] = handles[0] if len(handles) == 1 else self._pick_rerun(handles)
        self._by_folder[folder] = chosen
        return chosen

    def _no_folder_message(self, folder: tuple) -> str:
        names = sorted({h.location.split("/")[-1] for h in self.handles if h.location})
        tails = sorted(
            {"/".join(h.location.split("/")[-2:]) for h in self.handles if h.location}
        )
        shown = ", ".join(repr(n) for n in names[:20]) or "(no fits at all)"
        return (
            f"folder={'/'.join(folder)!r} matches no fit among {len(self.handles)}. "
            f"A folder must equal the last part(s) of a fit's location "
            f"(path_prefix/unique_tag/name), matched literally. Search names found: {shown}. "
            f"Two-part folders found: {', '.join(repr(t) for t in tails[:20])}"
        )


    def _pick_rerun(self, handles: List[FitHandle]) -> FitHandle:
        def rank(handle: FitHandle):
            log_likelihood = None
            try:
                log_likelihood = files_for(handle).summary(SAMPLES_SUMMARY).max_log_likelihood()
            except FitFileError:
                pass
            if log_likelihood is None:
                log_likelihood = float("-inf")
            return (handle.is_complete, log_likelihood, str(getattr(handle.autofit_fit, "id", "")))

        ranked = sorted(handles, key=rank, reverse=True)
        kept = ranked[0]
        for handle in ranked[1:]:
            entry = (
                handle.label,
                f"rerun not kept: shares location {handle.location!r} with {kept.label}, kept "
                f"(a completed fit wins over an unfinished one, then the higher maximum log "
                f"likelihood, then the later identifier)",
            )
            if entry not in self.not_kept:
                self.not_kept.append(entry)
        return kept
