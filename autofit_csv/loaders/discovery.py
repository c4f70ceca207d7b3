"""
Finding the fits below an output root: the walk of autofit's ``Aggregator.from_directory``,
pruned and, on request, spread over worker processes.

The result is autofit's own ``Aggregator`` of autofit ``SearchOutput`` objects, so everything
after discovery is autofit's. Two things differ from autofit's walk, both for speed: a fit
folder's ``files/``, ``image/`` and ``search_internal/`` are not walked (they hold a fit's
outputs, never another fit: three of the five folders a fit has), and with ``processes > 1``
subtrees are walked in parallel. Zips are handled as autofit's ``unzip_temporary=True`` does:
extracted into a temporary folder that mirrors the tree, never beside themselves.
"""
import contextlib
import gc
import io
import multiprocessing
import os
import zipfile
from pathlib import Path
from typing import List, Tuple

from autofit.aggregator.aggregator import Aggregator
from autofit.aggregator.search_output import SearchOutput, TemporaryExtraction

#: Sub-folders of a fit folder that hold its outputs, never another fit.
FIT_OUTPUT_FOLDERS = frozenset({"files", "image", "search_internal"})


def _visit(directory: str) -> Tuple[list, list, list]:
    """
    One folder: the fit it is (if any), the zips to extract, the sub-folders to walk.

    Returns
    -------
    ``([(directory, is_complete)] or [], [zip paths], [sub-folder paths])``
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return [], [], []
    folders, files = [], set()
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            folders.append(entry.name)
        else:
            files.add(entry.name)
    zips = []
    for name in sorted(files):
        if not name.endswith(".zip"):
            continue
        stem = name[:-4]
        if stem in folders:
            if os.path.exists(os.path.join(directory, stem, ".completed")):
                continue  # the finished folder beside the zip stands for the fit
            folders.remove(stem)  # files written after archiving: the zip wins, as in autofit
        zips.append(os.path.join(directory, name))
    fit = []
    is_fit = (
        "files" in folders and os.path.exists(os.path.join(directory, "files", "search.json"))
    ) or "metadata" in files
    if is_fit:
        fit = [(directory, ".completed" in files)]
        folders = [f for f in folders if f not in FIT_OUTPUT_FOLDERS]
    return fit, zips, [os.path.join(directory, f) for f in folders]


def _walk(top: str) -> Tuple[list, list]:
    """
    Every fit and zip below ``top``.
    """
    fits, zips, stack = [], [], [top]
    while stack:
        found, found_zips, folders = _visit(stack.pop())
        fits.extend(found)
        zips.extend(found_zips)
        stack.extend(folders)
    return fits, zips


def _walk_all(tops: List[str]) -> Tuple[list, list]:
    """
    ``_walk`` of several subtrees.
    """
    fits, zips = [], []
    for top in tops:
        found, found_zips = _walk(top)
        fits.extend(found)
        zips.extend(found_zips)
    return fits, zips


def _walk_in_parallel(top: str, processes: int) -> Tuple[list, list]:
    """
    ``_walk`` with the tree's subtrees shared among worker processes: the first levels are
    walked here until there are enough subtrees to share.
    """
    fits, zips, frontier = [], [], [top]
    while frontier and len(frontier) < 4 * processes:
        found, found_zips, folders = _visit(frontier.pop(0))
        fits.extend(found)
        zips.extend(found_zips)
        frontier.extend(folders)
    if frontier:
        # Interleaved shares (neighbouring subtrees are often alike in size); this process walks
        # the first share itself while processes - 1 forked workers walk the others.
        shares = [frontier[i::processes] for i in range(processes)]
        context = multiprocessing.get_context("fork")
        with context.Pool(processes - 1) as pool:
            theirs = pool.map_async(_walk_all, shares[1:])
            for found, found_zips in [_walk_all(shares[0])] + theirs.get():
                fits.extend(found)
                zips.extend(found_zips)
    return fits, zips


@contextlib.contextmanager
def _collector_paused():
    """
    Pause the garbage collector while many long-lived objects are made: each of its passes
    would re-scan all those made so far, for nothing (they hold no cycles to free).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def find_fits(root, completed_only: bool = False, processes: int = 1):
    """
    autofit's ``Aggregator`` of every fit below ``root``, ordered by folder as autofit orders
    them.

    Parameters
    ----------
    root
        The output folder.
    completed_only
        Leave out fits without a ``.completed`` file.
    processes
        Walk subtrees in this many processes (forked; 1 walks here).

    Returns
    -------
    ``FoundFits``, an autofit ``Aggregator``; zipped fits are unzipped into a temporary folder
    it keeps alive.
    """
    root = str(Path(root))
    parallel = processes > 1 and "fork" in multiprocessing.get_all_start_methods()
    fits, zips = _walk_in_parallel(root, processes) if parallel else _walk(root)

    temporary = None
    unzipped = []
    while zips:
        zip_path = zips.pop()
        if temporary is None:
            temporary = TemporaryExtraction()
        relative = os.path.relpath(os.path.dirname(zip_path), root)
        target = os.path.normpath(os.path.join(str(temporary.path), relative, Path(zip_path).stem))
        try:
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(target)
        except zipfile.BadZipFile as error:
            raise zipfile.BadZipFile(f"{zip_path} is not a zip file ({error})") from error
        found, found_zips = _walk(target)
        unzipped.extend(found)
        zips.extend(found_zips)

    # Sorted as strings before objects are made: ``str(Path)`` is slow enough to matter.
    chosen = sorted(
        (directory, owner)
        for group, owner in ((fits, None), (unzipped, temporary))
        for directory, complete in group
        if complete or not completed_only
    )
    with _collector_paused():
        outputs: List[SearchOutput] = [
            SearchOutput(Path(directory), temporary_directory=owner)
            for directory, owner in chosen
        ]
    # autofit's Aggregator prints advice to stdout, which would mix with a CSV piped there.
    with contextlib.redirect_stdout(io.StringIO()):
        return FoundFits(outputs, [directory for directory, _ in chosen], temporary)


class FoundFits(Aggregator):
    def __init__(self, search_outputs: list, directories: List[str], temporary_directory):
        """
        autofit's ``Aggregator`` of the fits ``find_fits`` found, remembering each fit's folder
        as the string the walk produced (turning autofit's ``Path`` back into a string costs more
        than the rest of a fit's bookkeeping).

        Parameters
        ----------
        search_outputs
            The fits, in order.
        directories
            Their folders, as strings, in the same order.
        temporary_directory
            Where zipped fits were unzipped, or None.
        """
        super().__init__(search_outputs, [], temporary_directory=temporary_directory)
        self.directories = directories
