"""
A value from a JSON file: a fit's ``info.json``, or any JSON file found from the row key.
"""
from typing import Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.errors import PathNotInFitError


def value_at(document, key: str, where: str):
    """
    ``document[key]``, where a dotted key (``survey.band``) reaches into nested dicts; a key
    that exists as written wins over its dotted reading.

    Raises
    ------
    PathNotInFitError
        The key is not in the document.
    """
    if isinstance(document, dict) and key in document:
        return document[key]
    node = document
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            keys = ", ".join(sorted(map(str, document))) if isinstance(document, dict) else ""
            raise PathNotInFitError(f"{where}: no key {key!r} (keys: {keys})")
    return node


class JsonColumn(Column):
    def __init__(
        self,
        name: str,
        key: str,
        path: Optional[str] = None,
        folder: Optional[str] = None,
    ):
        """
        One value of a JSON file.

        Parameters
        ----------
        name
            The header.
        key
            The key in the file; dots reach into nested dicts (``survey.band``).
        path
            None for the fit's ``info.json`` (the ``info`` passed to ``search.fit``). Otherwise
            a path relative to the working directory, in which ``{row}`` is the row key
            (``{row.name}`` its last part), e.g. ``dataset/lens/{row}/result.json``; such a
            column reads no fit.
        folder
            With ``path=None``, the end of the location of the fits read.
        """
        super().__init__(name, folder)
        self.key = key
        self.path = path
        self.uses_fit = path is None

    def cells(self, fit, row: RowContext) -> list:
        if self.path is None:
            document = fit.json("info")
            where = f"{fit.label}: files/info.json"
        else:
            where = self.path.format(row=row.key)
            document = row.json_file(where)
        value = value_at(document, self.key, where)
        return [value]
