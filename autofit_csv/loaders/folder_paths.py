"""
The folders of a survey's fits, kept as the part below the output folder they share.
"""
import heapq
import os
from collections.abc import Sequence
from typing import List


class FolderPaths(Sequence):
    def __init__(self, root: str, paths: List[str]):
        """
        Folder paths, most of them below ``root``, each kept as the part below it: a table
        keeps every fit's folder for as long as it lives, and a survey's output folder is
        often a long path. Indexing gives the whole path back.

        Parameters
        ----------
        root
            The folder most paths are below.
        paths
            The paths, in order. The list is taken over and its items shortened in place, so
            that the whole paths are freed one by one rather than held twice.
        """
        self.root = str(root)
        self.prefix = os.path.join(self.root, "")
        # Below a relative root the paths are kept whole (a relative part could not be told
        # from a whole relative path), and so they are where any path is relative although the
        # root is not (a user's aggregator made from "output", its root named absolutely).
        whole = not os.path.isabs(self.prefix) or not all(map(os.path.isabs, paths))
        self._strip = 0 if whole else len(self.prefix)
        for index, path in enumerate(paths):
            paths[index] = self.part(path)
        self._parts = paths

    def part(self, path: str) -> str:
        """
        What is kept of ``path``: the part below the root, or the whole path.
        """
        if self._strip and path.startswith(self.prefix):
            return path[self._strip:]
        return path

    @classmethod
    def sorted(cls, root: str, parts: List[str]) -> "FolderPaths":
        """
        The paths of ``parts`` (each as ``part`` gives it, or whole) sorted as whole paths,
        without making every whole path at once.
        """
        paths = cls(root, [])  # parts are relative: they must not make it keep paths whole
        below = sorted(part for part in parts if paths._strip and not os.path.isabs(part))
        whole = sorted(part for part in parts if not paths._strip or os.path.isabs(part))
        if below and whole:
            merged = list(heapq.merge(below, whole, key=paths._whole))
        else:
            merged = below or whole
        paths._parts = merged
        return paths

    def _whole(self, part: str) -> str:
        if not self._strip or os.path.isabs(part):
            return part
        return self.prefix + part

    def __len__(self) -> int:
        return len(self._parts)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self[index] for index in range(*item.indices(len(self)))]
        return self._whole(self._parts[item])
