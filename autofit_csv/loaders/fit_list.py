"""
The fits of a table, in the aggregator's order, as a sequence of ``FitHandle``.

A survey's table holds every fit for as long as it lives, so how a fit is kept decides the
table's memory: ``FolderFits`` (``directory.py``) keeps one string per fit and makes a handle
when a row asks for it; ``HandleList`` keeps the handles of any other aggregator as they are.
"""
from abc import ABC, abstractmethod
from array import array
from typing import Callable, Iterator, List, Optional

from autofit_csv.loaders.base import FitHandle


class FitList(ABC):
    def __init__(self, positions: Optional[array] = None):
        """
        The fits of a table. ``len``, iteration and ``fits[i]`` (a ``FitHandle``) work as on a
        list; ``location(i)`` answers without making a handle.

        Parameters
        ----------
        positions
            For a list cut down by ``where``: the kept fits' positions in the full list.
        """
        self._positions = positions

    @property
    @abstractmethod
    def total(self) -> int:
        """
        How many fits the aggregator had before any ``where``: every ``FitHandle.index`` is
        below it.
        """

    @abstractmethod
    def _location(self, index: int) -> str:
        """
        The location of the fit at ``index`` of the full list.
        """

    @abstractmethod
    def _handle(self, index: int) -> FitHandle:
        """
        The handle of the fit at ``index`` of the full list.
        """

    @abstractmethod
    def _copy(self, positions: array) -> "FitList":
        """
        This list's fits at ``positions`` of the full list, sharing what it stores.
        """

    def _index(self, position: int) -> int:
        if self._positions is None:
            if not 0 <= position < self.total:
                raise IndexError(position)
            return position
        return self._positions[position]

    def __len__(self) -> int:
        return self.total if self._positions is None else len(self._positions)

    def __getitem__(self, position: int) -> FitHandle:
        return self._handle(self._index(position))

    def __iter__(self) -> Iterator[FitHandle]:
        for position in range(len(self)):
            yield self[position]

    def location(self, position: int) -> str:
        """
        ``path_prefix/unique_tag/name`` of the fit at ``position``.
        """
        return self._location(self._index(position))

    def locations(self) -> Iterator[str]:
        """
        Every fit's location, in order.
        """
        for position in range(len(self)):
            yield self.location(position)

    def where(self, keep: Callable[[str], bool]) -> "FitList":
        """
        The fits whose location ``keep`` accepts, in order; their handles keep their ``index``.
        """
        kept = array("q", (self._index(p) for p in range(len(self)) if keep(self.location(p))))
        return self._copy(kept)


class HandleList(FitList):
    def __init__(self, handles: List[FitHandle], positions: Optional[array] = None):
        """
        The fits of an aggregator kept as their handles (a database, or an aggregator the user
        made).

        Parameters
        ----------
        handles
            A handle per fit, in the aggregator's order.
        positions
            See ``FitList``.
        """
        super().__init__(positions)
        self._handles = handles

    @property
    def total(self) -> int:
        return len(self._handles)

    def _location(self, index: int) -> str:
        return self._handles[index].location

    def _handle(self, index: int) -> FitHandle:
        return self._handles[index]

    def _copy(self, positions: array) -> "HandleList":
        return HandleList(self._handles, positions)
