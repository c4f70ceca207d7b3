"""
Finding the fits below an output root: the walk of autofit's ``Aggregator.from_directory``,
pruned, spread over worker processes on request, and never stopped by what it finds.

The result is autofit's own ``Aggregator`` of autofit ``SearchOutput`` objects, so everything
after discovery is autofit's. Where it differs from autofit's walk:

- Speed: a fit folder's ``files/``, ``image/`` and ``search_internal/`` are not walked (they
  hold a fit's outputs, never another fit: three of the five folders a fit has), and with
  ``processes > 1`` subtrees are walked in parallel. Zips are handled as autofit's
  ``unzip_temporary=True`` does: extracted into a temporary folder that mirrors the tree, never
  beside themselves.
- Nothing in the tree stops the walk, and nothing is dropped silently. What cannot be read is
  recorded in ``FoundFits.skipped`` as ``(path, reason)``; the reason starts with one of
  ``SKIP_KINDS`` (``skip_kind`` gives it), so callers can group entries without parsing them.
- Symbolic links to folders (autofit never follows them): a link whose real target lies outside
  the output tree and outside every folder walked so far is followed, so scratch space linked
  into an output folder is found; its fits keep the link's path. Any other link to a folder is
  recorded: one pointing to a folder above itself is a loop, one pointing into the tree or into
  a folder already followed would find the same fits twice. Links are decided in sorted order
  of their paths, so which of two links to one folder is followed is the same on every machine.
  Only links cost system calls beyond autofit's walk: plain folders are told apart by the
  directory listing alone.
"""
import bisect
import contextlib
import errno
import heapq
import io
import multiprocessing
import os
import shutil
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import List, NamedTuple, Optional, Tuple

from autofit.aggregator.aggregator import Aggregator
from autofit_csv.loaders.folder_paths import FolderPaths
from autofit.aggregator.search_output import SearchOutput, TemporaryExtraction

#: Sub-folders of a fit folder that hold its outputs, never another fit.
FIT_OUTPUT_FOLDERS = frozenset({"files", "image", "search_internal"})

#: Files below ``files/`` that show a folder holds a fit's output, whatever else is missing.
FIT_OUTPUT_FILES = frozenset({"samples_summary.json", "model.json", "samples.csv", "info.json"})

# The kinds of skipped entry: the first words of every reason.
SYMLINK_LOOP = "symlink loop"
SYMLINK_WALKED = "symlink to a folder already walked"
BROKEN_SYMLINK = "broken symlink"
UNREADABLE_FOLDER = "unreadable folder"
BAD_ZIP = "bad zip"
NO_SEARCH_JSON = "no readable files/search.json"
SKIP_KINDS = (SYMLINK_LOOP, SYMLINK_WALKED, BROKEN_SYMLINK, UNREADABLE_FOLDER, BAD_ZIP, NO_SEARCH_JSON)

#: What reading a damaged zip raises: a bad directory or CRC, a truncated or corrupt member,
#: an unreadable file, an encrypted or unsupported member.
BAD_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)

#: Errors of the temporary folder, not of a zip: every later zip would fail alike, so they stop
#: the walk rather than being blamed on one zip after another.
EXTRACTION_SPACE_ERRORS = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EROFS") if hasattr(errno, name)
)


class Skipped(NamedTuple):
    """
    An entry of the output tree discovery could not use: ``(path, reason)``.
    """

    path: str
    reason: str

    @property
    def kind(self) -> str:
        return skip_kind(self.reason)


def skip_kind(reason: str) -> str:
    """
    The kind of a skip reason (one of ``SKIP_KINDS``): its words before any `` (``.

    Parameters
    ----------
    reason
        A reason of ``FoundFits.skipped``, such as ``"bad zip (BadZipFile: File is not a zip
        file)"``.

    Returns
    -------
    str
        ``"bad zip"`` for the example.
    """
    return reason.partition(" (")[0]


def _reason(kind: str, detail: str) -> str:
    return f"{kind} ({detail})"


def _describe(error: BaseException) -> str:
    """
    An error as ``Type: message``, without the file name an ``OSError`` repeats.
    """
    name = type(error).__name__
    if name == "error":  # zlib.error
        name = f"{type(error).__module__}.error"
    message = getattr(error, "strerror", None) or str(error)
    return f"{name}: {message}" if message else name


def _readable(path: str) -> bool:
    # One access() call, as many as the existence test autofit makes.
    return os.access(path, os.R_OK)


def _why_unreadable(path: str) -> Optional[str]:
    """
    Why ``path`` cannot be read (``"missing"``, or the error), or None if it can.
    """
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return _describe(error)
    return None


def _fit_without_search_json(directory: str, has_files: bool, files: set) -> list:
    """
    ``_visit``'s answer for a folder whose ``files/search.json`` ``access()`` found unreadable:
    ``[]`` if it holds no fit output (it is then walked as any folder), else the fit with the
    reason it cannot be used.
    """
    if ".is_grid_search" in files:
        return []  # a grid search's own folder: its fits are below it
    complete = ".completed" in files
    if not has_files:
        return [(directory, complete, _reason(NO_SEARCH_JSON, "no files/ folder beside .completed"))]
    why = _why_unreadable(os.path.join(directory, "files", "search.json"))
    if why is None:
        return [(directory, complete, None)]  # access() and open() disagree (setuid): open decides
    try:
        with os.scandir(os.path.join(directory, "files")) as entries:
            holds_output = any(entry.name in FIT_OUTPUT_FILES for entry in entries)
    except OSError:
        holds_output = False  # walked next, where its unreadable folder is recorded if not here
    if holds_output or complete:
        return [(directory, complete, _reason(NO_SEARCH_JSON, why))]
    return []


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError as error:
        return _describe(error)


def _visit(directory: str) -> Tuple[list, list, list, list, list]:
    """
    One folder: the fit it is (if any), the zips to extract, the sub-folders to walk, what
    cannot be read, and the links to folders (decided after the walk).

    Returns
    -------
    tuple
        ``([(directory, is_complete, None or skip reason)] or [], [zip paths],
        [sub-folder paths], [(path, reason)], [link paths])``
    """
    folders, files, links, skipped = [], set(), [], []
    try:
        # Entry by entry: a folder of 100,000 datasets listed at once would hold 100,000
        # DirEntry objects, the walk's largest cost in memory.
        with os.scandir(directory) as listing:
            for entry in listing:
                # The listing's file types answer both tests without a system call; only links
                # stat.
                if entry.is_symlink():
                    try:
                        is_folder = entry.is_dir()
                    except OSError as error:
                        kind = SYMLINK_LOOP if error.errno == errno.ELOOP else BROKEN_SYMLINK
                        skipped.append((entry.path, _reason(kind, _describe(error))))
                        continue
                    if is_folder:
                        links.append(entry.name)
                    elif os.path.exists(entry.path):
                        files.add(entry.name)
                    else:
                        target = _link_target(entry.path)
                        skipped.append((entry.path, _reason(BROKEN_SYMLINK, f"points to {target}")))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    files.add(entry.name)
    except OSError as error:
        return [], [], [], [(directory, _reason(UNREADABLE_FOLDER, _describe(error)))], []
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
    # autofit's os.walk lists a linked folder among the folders, so a linked files/ counts.
    has_files = "files" in folders or "files" in links
    if (has_files and _readable(os.path.join(directory, "files", "search.json"))) or (
        "metadata" in files
    ):
        fit = [(directory, ".completed" in files, None)]
    elif has_files or ".completed" in files:
        fit = _fit_without_search_json(directory, has_files, files)
    if fit:
        folders = [f for f in folders if f not in FIT_OUTPUT_FOLDERS]
        links = [f for f in links if f not in FIT_OUTPUT_FOLDERS]
    return (
        fit,
        zips,
        [os.path.join(directory, f) for f in folders],
        skipped,
        [os.path.join(directory, f) for f in links],
    )


class _Found:
    """
    What a walk found: fits, zips, skipped entries ``(path, reason)`` and links to folders.

    A survey's walk finds a fit per dataset, so fits are kept as compactly as the table keeps
    them: the folder (``FolderPaths``' part below the root) and a completed flag; fit folders
    that cannot be used are kept apart as ``(directory, is_complete, reason)``.
    """

    __slots__ = ("fits", "complete", "lost", "zips", "skipped", "links", "_paths")

    def __init__(self, root: str):
        self.fits, self.complete, self.lost = [], bytearray(), []
        self.zips, self.skipped, self.links = [], [], []
        self._paths = FolderPaths(root, [])

    def add(self, fits, zips, skipped, links):
        """
        Add what ``_visit`` returns for one folder.
        """
        for directory, complete, lost in fits:
            if lost is None:
                self.fits.append(self._paths.part(directory))
                self.complete.append(complete)
            else:
                self.lost.append((directory, complete, lost))
        self.zips.extend(zips)
        self.skipped.extend(skipped)
        self.links.extend(links)

    def merge(self, other: tuple):
        """
        Add another walk's ``as_tuple`` (of the same root).
        """
        fits, complete, lost, zips, skipped, links = other
        self.fits.extend(fits)
        self.complete.extend(complete)
        self.lost.extend(lost)
        self.zips.extend(zips)
        self.skipped.extend(skipped)
        self.links.extend(links)

    def as_tuple(self) -> tuple:
        return self.fits, self.complete, self.lost, self.zips, self.skipped, self.links


def _walk(top: str, root: str) -> tuple:
    """
    Every fit, zip, skipped entry and link to a folder below ``top``, as ``_Found.as_tuple``
    (fits kept below ``root``).
    """
    found, stack = _Found(root), [top]
    while stack:
        fits, zips, folders, skipped, links = _visit(stack.pop())
        found.add(fits, zips, skipped, links)
        stack.extend(folders)
    return found.as_tuple()


def _walk_all(tops: List[str], root: str) -> tuple:
    """
    ``_walk`` of several subtrees.
    """
    found = _Found(root)
    for top in tops:
        found.merge(_walk(top, root))
    return found.as_tuple()


def _walk_in_parallel(top: str, processes: int) -> tuple:
    """
    ``_walk`` with the tree's subtrees shared among worker processes: the first levels are
    walked here until there are enough subtrees to share.
    """
    found, frontier = _Found(top), [top]
    while frontier and len(frontier) < 4 * processes:
        fits, zips, folders, skipped, links = _visit(frontier.pop(0))
        found.add(fits, zips, skipped, links)
        frontier.extend(folders)
    if frontier:
        # Interleaved shares (neighbouring subtrees are often alike in size); this process walks
        # the first share itself while processes - 1 forked workers walk the others.
        shares = [frontier[i::processes] for i in range(processes)]
        context = multiprocessing.get_context("fork")
        with context.Pool(processes - 1) as pool:
            theirs = pool.starmap_async(_walk_all, [(share, top) for share in shares[1:]])
            for result in [_walk_all(shares[0], top)] + theirs.get():
                found.merge(result)
    return found.as_tuple()


def _inside(path: str, folder: str) -> bool:
    """
    Whether real path ``path`` is ``folder`` or below it.
    """
    return path == folder or path.startswith(os.path.join(folder, ""))


def _follow_links(found: _Found, root: str, root_real: str):
    """
    Walk the linked folders ``found`` holds that lead out of the tree to folders not walked yet
    (see the module's docstring), adding what they hold to ``found``; record the others.
    """
    followed = _Followed()
    real = _RealPaths()
    pending = list(found.links)
    heapq.heapify(pending)
    # A link found inside a followed folder has a longer path than the link it was found
    # through, so popping the smallest path decides every link in sorted order.
    while pending:
        link = heapq.heappop(pending)
        target = real(link)
        reason = None
        if _inside(real(os.path.dirname(link)), target):
            reason = _reason(SYMLINK_LOOP, f"points to {target}, a folder above it")
        elif _inside(target, root_real):
            reason = _reason(SYMLINK_WALKED, f"points to {target}, inside the output folder")
        else:
            through = followed.overlapping(target)
            if through is not None:
                reason = _reason(SYMLINK_WALKED, f"points to {target}, walked through {through}")
        if reason is not None:
            found.skipped.append((link, reason))
            continue
        followed.add(target, link)
        fits, complete, lost, zips, skipped, links = _walk(link, root)
        found.merge((fits, complete, lost, zips, skipped, []))
        for inner in links:
            heapq.heappush(pending, inner)


class _RealPaths:
    """
    ``os.path.realpath`` remembering the real path of every folder it resolved a path in, so
    that a link costs a readlink and an lstat rather than one lstat per part of its path
    (links to many dataset folders share their parents).
    """

    def __init__(self):
        self._folders = {}

    def __call__(self, path: str, depth: int = 0) -> str:
        folder, name = os.path.split(path)
        if not folder or name in ("", ".", ".."):
            return os.path.realpath(path)
        if folder not in self._folders:
            self._folders[folder] = os.path.realpath(folder)
        candidate = os.path.join(self._folders[folder], name)
        try:
            points_to = os.readlink(candidate)
        except OSError:
            return candidate  # not a link (or gone): its parent's real path is all it takes
        if depth > 40 or ".." in points_to.split(os.sep):
            return os.path.realpath(candidate)  # long chains and ".." after a link: the slow way
        return self(os.path.join(self._folders[folder], points_to), depth + 1)


class _Followed:
    """
    The real folders followed through links, each with its link; a lookup costs the depth of a
    path, not the number of links (thousands of linked datasets are plausible).
    """

    def __init__(self):
        self._links = {}
        self._sorted = []

    def add(self, target: str, link: str):
        self._links[target] = link
        bisect.insort(self._sorted, target)

    def overlapping(self, target: str) -> Optional[str]:
        """
        The link of a followed folder that holds ``target`` or lies below it, or None.
        """
        path = target
        while True:
            if path in self._links:
                return self._links[path]
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
        below = os.path.join(target, "")
        index = bisect.bisect_left(self._sorted, below)
        if index < len(self._sorted) and self._sorted[index].startswith(below):
            return self._links[self._sorted[index]]
        return None


def _extract_zips(found: _Found, root: str) -> Tuple[list, Optional[TemporaryExtraction]]:
    """
    Extract every zip ``found`` holds into one temporary folder that mirrors the tree, and walk
    what comes out (zips inside zips included).

    A zip that cannot be read is recorded with its path in the user's tree, and whatever part
    of it was extracted is removed, so no half fit is found.

    Returns
    -------
    tuple
        The fits found in the zips (a ``_Found``) and the temporary folder, or None.
    """
    temporary = None
    unzipped = _Found(root)
    zips = list(found.zips)
    while zips:
        zip_path = zips.pop()
        if temporary is None:
            temporary = TemporaryExtraction()
        base = str(temporary.path) if _inside(zip_path, str(temporary.path)) else root
        relative = os.path.relpath(os.path.dirname(zip_path), base)
        target = os.path.normpath(os.path.join(str(temporary.path), relative, Path(zip_path).stem))
        try:
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(target)
        except BAD_ZIP_ERRORS as error:
            if isinstance(error, OSError) and error.errno in EXTRACTION_SPACE_ERRORS:
                raise OSError(
                    error.errno,
                    f"Cannot extract {zip_path} into the temporary folder {temporary.path} "
                    f"({error.strerror}); set TMPDIR to a folder with more space",
                ) from error
            shutil.rmtree(target, ignore_errors=True)
            found.skipped.append(
                (_in_user_tree(zip_path, root, temporary), _reason(BAD_ZIP, _describe(error)))
            )
            continue
        fits, complete, lost, inner_zips, skipped, _ = _walk(target, root)  # no links in zips
        unzipped.merge((fits, complete, lost, [], [], []))
        zips.extend(inner_zips)
        found.skipped.extend((_in_user_tree(path, root, temporary), why) for path, why in skipped)
    return unzipped, temporary


def _in_user_tree(path: str, root: str, temporary: Optional[TemporaryExtraction]) -> str:
    """
    ``path``, or, for a path inside the temporary extraction, its place in the user's tree
    (where the zip holding it is, as ``directory.py`` labels zipped fits).
    """
    if temporary is not None and _inside(path, str(temporary.path)):
        return os.path.join(root, os.path.relpath(path, str(temporary.path)))
    return path


def _check_root(root: str):
    """
    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is a file.
    OSError
        If ``root`` cannot be listed (a ``PermissionError`` names it).
    """
    if not os.path.isdir(root):
        if os.path.exists(root):
            raise NotADirectoryError(
                f"{os.path.abspath(root)} is a file; give the output folder that holds the fits"
            )
        raise FileNotFoundError(f"No output folder at {os.path.abspath(root)}")
    with os.scandir(root):
        pass


def find_fits(root, completed_only: bool = False, processes: int = 1) -> "FoundFits":
    """
    autofit's ``Aggregator`` of every fit below ``root``, ordered by folder as autofit orders
    them, with what could not be read in its ``skipped``.

    Parameters
    ----------
    root
        The output folder.
    completed_only
        Leave out fits without a ``.completed`` file (a fit folder without ``search.json`` is
        then recorded as skipped only if it has ``.completed``).
    processes
        Walk subtrees in this many processes (forked; 1 walks here).

    Returns
    -------
    FoundFits
        An autofit ``Aggregator``; zipped fits are unzipped into a temporary folder it keeps
        alive.

    Raises
    ------
    FileNotFoundError, NotADirectoryError, PermissionError
        If ``root`` is missing, a file, or cannot be listed. Nothing below ``root`` raises.
    OSError
        If the temporary folder for zips runs out of space.
    """
    root = str(Path(root))
    _check_root(root)
    parallel = processes > 1 and "fork" in multiprocessing.get_all_start_methods()
    found = _Found(root)
    found.merge(_walk_in_parallel(root, processes) if parallel else _walk(root, root))
    if found.links:
        _follow_links(found, root, os.path.realpath(root))
    unzipped, temporary = _extract_zips(found, root)

    directories, skipped = [], found.skipped
    for group in (found, unzipped):
        if completed_only:
            directories.extend(f for f, complete in zip(group.fits, group.complete) if complete)
        else:
            directories.extend(group.fits)
        for directory, complete, lost in group.lost:
            if complete or not completed_only:
                skipped.append((_in_user_tree(directory, root, temporary), lost))
    del found, unzipped
    directories = FolderPaths.sorted(root, directories)
    # autofit's Aggregator prints advice to stdout, which would mix with a CSV piped there.
    with contextlib.redirect_stdout(io.StringIO()):
        return FoundFits(
            directories, temporary, sorted(Skipped(path, reason) for path, reason in skipped)
        )


class SearchOutputs(Sequence):
    def __init__(self, directories: FolderPaths, temporary: Optional[TemporaryExtraction]):
        """
        autofit's ``SearchOutput`` of each fit folder, made when asked for and not kept: a
        survey's worth of them, each with its ``Path``, would be most of a table's memory.

        Parameters
        ----------
        directories
            The fits' folders.
        temporary
            The extraction zipped fits were unzipped into (their ``SearchOutput`` keeps it
            alive), or None.
        """
        self._directories = directories
        self._temporary = temporary
        self._zip_prefix = os.path.join(str(temporary.path), "") if temporary else None

    def __len__(self) -> int:
        return len(self._directories)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._make(directory) for directory in self._directories[item]]
        return self._make(self._directories[item])

    def _make(self, directory: str) -> SearchOutput:
        zipped = self._zip_prefix is not None and directory.startswith(self._zip_prefix)
        return SearchOutput(Path(directory), temporary_directory=self._temporary if zipped else None)


class FoundFits(Aggregator):
    def __init__(
        self,
        directories: FolderPaths,
        temporary_directory: Optional[TemporaryExtraction],
        skipped: Optional[List[Skipped]] = None,
    ):
        """
        autofit's ``Aggregator`` of the fits ``find_fits`` found. It keeps each fit's folder as
        the string the walk produced and makes a fit's ``SearchOutput`` only when asked for
        (iterating, indexing): the table reads files from the folders.

        Parameters
        ----------
        directories
            The fits' folders, sorted.
        temporary_directory
            Where zipped fits were unzipped, or None.
        skipped
            ``Skipped(path, reason)`` entries, sorted by path.
        """
        super().__init__(
            SearchOutputs(directories, temporary_directory),
            [],
            temporary_directory=temporary_directory,
        )
        self.directories = directories
        # Set here: autofit's Aggregator answers any unknown attribute with a query predicate.
        self.skipped = list(skipped or [])
