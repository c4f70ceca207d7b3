"""
Which fits make a row: everything above the folder a column names is the row's key.

A fit's location is ``path_prefix/unique_tag/name``. A column's ``folder`` must equal the last
whole components of a location (``source_lp[1]`` or ``vis/source_lp[1]``, matched literally);
what stays above it is the key, and all columns whose fits share a key fill one row.
"""
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from typing import Dict, Iterator, List, Optional, Tuple

from autofit_csv.errors import FitFileError, FolderError
from autofit_csv.loaders import FitList, files_for
from autofit_csv.loaders.base import SAMPLES_SUMMARY, FitHandle


class RowKey(str):
    """
    A row's key, e.g. ``vis/lens_001``: a string, with ``.name`` (its last part, ``lens_001``)
    and ``.parts`` for use in path templates (``"dataset/{row.name}/result.json"``).
    """

    __slots__ = ()

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


def key_for(location: str, folder: tuple) -> Optional[str]:
    """
    The row key of a fit at ``location`` for a column with ``folder``, or None if the folder
    is not the end of the location. With no folder the whole location is the key.

    Keys are kept as plain strings (a table holds one per row and folder; a ``str``
    subclass costs twice the memory); a column sees its row's key as a ``RowKey``.
    """
    if not folder:
        return location
    parts = location.split("/") if location else []
    if len(parts) < len(folder) or tuple(parts[len(parts) - len(folder):]) != folder:
        return None
    return "/".join(parts[: len(parts) - len(folder)])


class RowFits(Mapping):
    def __init__(self, fits: FitList, sorted_keys: List[str], positions: array):
        """
        The fit of each row for one folder: a mapping from row key to ``FitHandle``, the
        handle made when asked for. Iteration gives the keys sorted.

        A survey's table holds one for each folder its columns read, so it keeps the keys as
        one sorted list and the fits' positions as machine integers (a dict of Python ints
        weighs twice as much); lookups bisect, and rows asked for in order are found at once.

        Parameters
        ----------
        fits
            The table's fits.
        sorted_keys
            The row keys, sorted, each once.
        positions
            The position in ``fits`` of each key's fit.
        """
        self._fits = fits
        self.sorted_keys = sorted_keys
        self._positions = positions
        self._next = 0  # where the key after the last one found would be
        # The columns of one folder ask for the same row's fit one after another.
        self._last: Tuple[Optional[int], Optional[FitHandle]] = (None, None)

    def _find(self, key) -> int:
        keys, at = self.sorted_keys, self._next
        if at < len(keys) and keys[at] == key:
            found = at
        elif at and keys[at - 1] == key:
            found = at - 1
        else:
            found = bisect_left(keys, key)
            if found == len(keys) or keys[found] != key:
                return -1
        self._next = found + 1
        return found

    def __getitem__(self, key: str) -> FitHandle:
        found = self._find(key)
        if found < 0:
            raise KeyError(key)
        return self._handle_at(found)

    def get(self, key, default=None):
        found = self._find(key)
        return default if found < 0 else self._handle_at(found)

    def _handle_at(self, found: int) -> FitHandle:
        position = self._positions[found]
        last_position, handle = self._last
        if position != last_position:
            handle = self._fits[position]
            self._last = (position, handle)
        return handle

    def __contains__(self, key) -> bool:
        return self._find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.sorted_keys)

    def __len__(self) -> int:
        return len(self.sorted_keys)


class RowIndex:
    def __init__(self, fits: FitList):
        """
        The fits of a table, grouped into rows once per distinct ``folder``.

        Parameters
        ----------
        fits
            Every fit of the aggregator (after any ``path_prefix``).
        """
        self.fits = fits
        self._by_folder: Dict[tuple, RowFits] = {}
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
            return list(self.fits)
        found = [
            self.fits[position]
            for position, location in enumerate(self.fits.locations())
            if key_for(location, folder) is not None
        ]
        if not found:
            raise FolderError(self._no_folder_message(folder))
        return found

    def fits_for(self, folder: tuple) -> RowFits:
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
        import numpy as np

        keys, positions = [], array("q")
        for position, location in enumerate(self.fits.locations()):
            key = key_for(location, folder)
            if key is not None:
                keys.append(key)
                positions.append(position)
        if folder and not keys:
            raise FolderError(self._no_folder_message(folder))
        # Sorted through numpy, not a dict of Python ints: half the memory at survey size.
        # Stable, so that reruns of a key stay in the aggregator's order.
        keys = np.array(keys, dtype=object)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        positions = np.frombuffer(positions, dtype=np.int64)[order]
        # Where a run of equal keys (reruns of one search) starts, and the end of the last.
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1], [True])))
        if not len(keys) or len(starts) == len(keys) + 1:
            sorted_keys, kept = keys.tolist(), array("q", positions.tobytes())
        else:
            sorted_keys, kept = [], array("q")
            for start, end in zip(starts[:-1].tolist(), starts[1:].tolist()):
                sorted_keys.append(keys[start])
                if end - start == 1:
                    kept.append(int(positions[start]))
                else:
                    kept.append(self._pick_rerun(positions[start:end].tolist()))
        del keys, positions, order
        rows = self._by_folder[folder] = RowFits(self.fits, sorted_keys, kept)
        return rows

    def _no_folder_message(self, folder: tuple) -> str:
        locations = [location for location in self.fits.locations() if location]
        names = sorted({location.split("/")[-1] for location in locations})
        tails = sorted({"/".join(location.split("/")[-2:]) for location in locations})
        shown = ", ".join(repr(n) for n in names[:20]) or "(no fits at all)"
        return (
            f"folder={'/'.join(folder)!r} matches no fit among {len(self.fits)}. "
            f"A folder must equal the last part(s) of a fit's location "
            f"(path_prefix/unique_tag/name), matched literally. Search names found: {shown}. "
            f"Two-part folders found: {', '.join(repr(t) for t in tails[:20])}"
        )

    def _pick_rerun(self, positions: List[int]) -> int:
        def rank(position: int):
            handle = self.fits[position]
            log_likelihood = None
            try:
                log_likelihood = files_for(handle).summary(SAMPLES_SUMMARY).max_log_likelihood()
            except FitFileError:
                pass
            if log_likelihood is None:
                log_likelihood = float("-inf")
            return (handle.is_complete, log_likelihood, str(getattr(handle.autofit_fit, "id", "")))

        ranked = sorted(positions, key=rank, reverse=True)
        kept = self.fits[ranked[0]]
        for position in ranked[1:]:
            handle = self.fits[position]
            entry = (
                handle.label,
                f"rerun not kept: shares location {handle.location!r} with {kept.label}, kept "
                f"(a completed fit wins over an unfinished one, then the higher maximum log "
                f"likelihood, then the later identifier)",
            )
            if entry not in self.not_kept:
                self.not_kept.append(entry)
        return ranked[0]
