"""
Writing a file so that a reader sees the previous file or the complete new one, never half of
one: the writer fills a temporary file beside the target, which is then renamed into place.
"""
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Union

from autofit_csv.output import remove_stale_temporaries, temporary_prefix


@contextlib.contextmanager
def replaced_atomically(path: Union[str, os.PathLike]) -> Iterator[Path]:
    """
    A temporary path beside ``path`` to write to; renamed to ``path`` when the block ends
    normally, removed when it raises (the previous file, if any, is then untouched).

    The temporary file is named as every other output's (``.<name>.<host>.<pid>.<random>.tmp``),
    so the next save of the same path removes it if this save is killed.

    Parameters
    ----------
    path
        The file to write. Its folder is created if missing.

    Yields
    ------
    Path
        The temporary file (it exists, empty, with the mode a plain ``open()`` would give).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(temporary, 0o666 & ~current_umask())
        yield Path(temporary)
        _flush_to_disk(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _flush_to_disk(path: str):
    # The writers (pyarrow, astropy) close their files but do not fsync them; without it a
    # power cut right after the rename could leave an empty file under the final name.
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def current_umask() -> int:
    """
    The process's umask (reading it means setting it; it is set straight back).
    """
    mask = os.umask(0)
    os.umask(mask)
    return mask
