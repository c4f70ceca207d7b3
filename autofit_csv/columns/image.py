"""
A picture of each fit: a file below the fit's ``image/`` folder (autofit's visualizer output,
e.g. ``subplot_fit.png``), copied beside the table when it is saved.
"""
from pathlib import PurePosixPath
from typing import Optional

from autofit_csv.columns.base import Column, RowContext


class ImageColumn(Column):
    def __init__(self, name: str, file: str = "subplot_fit.png", folder: Optional[str] = None):
        """
        The path of one image of each fit.

        The cell is the image's absolute path while rows are built; saving copies the image
        into ``<output stem>_files/`` beside the output and writes its relative path instead.
        A fit without the image (visualization off, a database fit) has a blank cell, reported.

        Parameters
        ----------
        name
            The header.
        file
            The image's path below the fit's ``image/`` folder (``subplot_fit.png``,
            ``fit_dataset/data.png``), with ``/`` between folders.
        folder
            The end of the location of the fits read.

        Raises
        ------
        ValueError
            ``file`` is empty, absolute or climbs out of ``image/`` with ``..``.
        """
        super().__init__(name, folder)
        parts = PurePosixPath(str(file).replace("\\", "/")).parts
        if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
            raise ValueError(
                f"{self.describe()}: file={file!r} must be a path below the fit's image/ "
                f"folder, such as 'subplot_fit.png'"
            )
        self.file = "/".join(parts)

    def cells(self, files, row: RowContext) -> list:
        """
        The absolute path of the image, as a string.

        Raises
        ------
        MissingFileError
            The fit has no such image.
        """
        return [str(files.image_path(self.file))]
