"""
Images of a table (``add_image_column``) copied beside its output, so the catalogue and its
pictures travel together: ``catalogue.csv`` + ``catalogue_files/<column>/<row>.png``, each image
cell the relative path from the output's folder.

The folder is filled in a temporary folder beside it while the rows stream past, and swapped in
only after the table file itself was written: a save that fails leaves the previous folder as it
was.
"""
import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

from autofit_csv.errors import warn
from autofit_csv.formats.atomic import current_umask
from autofit_csv.output import remove_stale_temporaries, temporary_prefix

#: Characters kept in file names made from row keys and headers; others become ``_``.
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Longest file-name stem made from a row key (file systems allow 255 bytes per name).
MAX_STEM = 100


def files_folder(output: Union[str, os.PathLike]) -> Path:
    """
    The folder of an output's images: ``<output stem>_files`` beside it.
    """
    output = Path(output)
    return output.with_name(f"{output.stem}_files")


def safe_name(text: str) -> str:
    """
    A file-name stem from a row key or header: ``vis/lens_001`` -> ``vis_lens_001``.
    """
    name = UNSAFE.sub("_", text).strip("._") or "_"
    return name[:MAX_STEM]


class StagedImages:
    def __init__(
        self,
        output: Union[str, os.PathLike],
        headers: Sequence[str],
        image_headers: Sequence[str],
        on_missing: Optional[Callable[[str, str, str], None]] = None,
    ):
        """
        The image folder of one save, filled in a temporary folder beside the output.

        Use through ``staged_images``, which swaps the folder in or throws it away.

        Parameters
        ----------
        output
            The table file being written.
        headers
            The table's headers; the first holds the row key.
        image_headers
            The headers whose cells are paths of images to copy.
        on_missing
            ``on_missing(header, row_key, reason)`` for an image cell whose file cannot be
            copied (the cell is then blank). Default: an ``AutofitCSVWarning``.
        """
        self.output = Path(output)
        self.folder = files_folder(self.output)
        missing = [h for h in image_headers if h not in headers]
        if missing:
            raise ValueError(f"image headers {missing} are not among the table's headers")
        self.positions = [headers.index(h) for h in image_headers]
        self.headers = list(headers)
        self.on_missing = on_missing or _warn_missing
        self._used = set()
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        # Named as every temporary file (host and process id), so that the next save removes
        # what a killed save left.
        remove_stale_temporaries(self.folder)
        self.staging = Path(
            tempfile.mkdtemp(
                prefix=temporary_prefix(self.folder), suffix=".tmp", dir=self.folder.parent
            )
        )

    def rows(self, rows: Iterable[list]) -> Iterator[list]:
        """
        The rows with each image copied into the staging folder and its cell replaced by the
        image's path relative to the output's folder (``catalogue_files/fit/vis_lens_001.png``,
        ``/`` separators on every system). A blank cell stays blank.
        """
        for row in rows:
            row = list(row)
            for position in self.positions:
                source = row[position]
                if source is not None and source != "":
                    row[position] = self._copy(str(source), self.headers[position], str(row[0]))
            yield row

    def _copy(self, source: str, header: str, key: str) -> Optional[str]:
        relative = self._unique_name(header, key, Path(source).suffix)
        target = self.staging.joinpath(*relative.split("/"))
        target.parent.mkdir(exist_ok=True)
        try:
            shutil.copyfile(source, target)
        except OSError as error:
            self.on_missing(header, key, f"image {source} could not be copied ({error.strerror})")
            return None
        return f"{self.folder.name}/{relative}"

    def _unique_name(self, header: str, key: str, suffix: str) -> str:
        """
        ``<header>/<row key>.<suffix>`` made safe for a file name; a name already taken (two
        keys that differ only in ``/`` vs ``_`` or in case) gets ``-2``, ``-3``, ...
        """
        stem = f"{safe_name(header)}/{safe_name(key)}"
        suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
        relative, count = f"{stem}{suffix}", 1
        # Compared without case: macOS and Windows file systems ignore it.
        while relative.lower() in self._used:
            count += 1
            relative = f"{stem}-{count}{suffix}"
        self._used.add(relative.lower())
        return relative

    def commit(self):
        """
        Put the staged folder in place of ``<stem>_files``, removing the previous one.
        """
        previous = None
        if self.folder.exists() or self.folder.is_symlink():
            previous = Path(
                tempfile.mkdtemp(
                    prefix=temporary_prefix(self.folder), suffix=".tmp", dir=self.folder.parent
                )
            )
            os.replace(self.folder, previous / self.folder.name)
        os.replace(self.staging, self.folder)
        # mkdtemp makes the folder private (0700); give it the mode a plain mkdir would have.
        os.chmod(self.folder, 0o777 & ~current_umask())
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)

    def discard(self):
        """
        Remove the staged folder; the previous ``<stem>_files`` stays as it was.
        """
        shutil.rmtree(self.staging, ignore_errors=True)


@contextlib.contextmanager
def staged_images(
    output: Union[str, os.PathLike],
    headers: Sequence[str],
    image_headers: Sequence[str],
    on_missing: Optional[Callable[[str, str, str], None]] = None,
) -> Iterator[StagedImages]:
    """
    Copy a table's images beside its output while its rows are written.

    ::

        with staged_images("catalogue.fits", headers, ["fit"]) as images:
            write_the_table("catalogue.fits", headers, images.rows(rows))

    When the block ends normally the staged folder replaces ``catalogue_files/``; when it
    raises, the staged folder is removed and the previous ``catalogue_files/`` is untouched.
    Write the table file inside the block, so the folder is swapped in after it.

    Parameters
    ----------
    output, headers, image_headers, on_missing
        See ``StagedImages``.

    Yields
    ------
    StagedImages
        Its ``rows(rows)`` wraps the rows iterator.
    """
    staged = StagedImages(output, headers, image_headers, on_missing)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    try:
        staged.commit()
    except BaseException:
        staged.discard()
        raise


def _warn_missing(header: str, key: str, reason: str):
    warn(f"column {header!r}, row {key!r}: {reason}; the cell is blank")
