"""
A value from a JSON file: a fit's ``info.json``, or any JSON file found from the row key.
"""
import difflib
import os
import string
from typing import Iterable, List, Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.errors import FitFileError, InfoKeyError, PathNotInFitError, UnreadableFileError
from autofit_csv.output import unwritable_text

#: The reason for a value whose text no UTF-8 file can hold.
NOT_UNICODE = "holds text that is not valid Unicode (a lone surrogate such as \\ud800)"


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
            raise PathNotInFitError(
                f"{where}: no key {key!r} (keys: {keys})", "key not in the file"
            )
    return node


def dotted_keys(document, prefix: str = "") -> List[str]:
    """
    Every key of a JSON document, nested dicts reached with dots (``survey.band``), sorted.
    """
    keys = []
    if isinstance(document, dict):
        for key, value in document.items():
            dotted = f"{prefix}{key}"
            keys.append(dotted)
            if isinstance(value, dict):
                keys.extend(dotted_keys(value, f"{dotted}."))
    return sorted(keys)


def fixed_folder(template: str) -> str:
    """
    The leading folder of a path template that no placeholder can change:
    ``dataset/lens/{row}/result.json`` -> ``dataset/lens``.
    """
    literal = ""
    for text, field, _, _ in string.Formatter().parse(template):
        literal += text
        if field is not None:
            break
    if literal.endswith(("/", os.sep)):
        return literal.rstrip("/" + os.sep) or literal[:1]
    return os.path.dirname(literal)


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
            column reads no fit. A row key can never lead the path out of its fixed leading
            folder (``dataset/lens``): such a cell is blank and reported.
        folder
            With ``path=None``, the end of the location of the fits read.

        Raises
        ------
        ValueError
            An empty key.
        """
        super().__init__(name, folder)
        if not isinstance(key, str) or not key:
            raise ValueError(f"column {name!r}: key must be a non-empty string")
        self.key = key
        self.path = path
        self.uses_fit = path is None
        self._fixed_folder = fixed_folder(path) if path is not None else None

    def prepare(self, fits: Iterable):
        """
        For an ``info.json`` column: refuse a key that no fit of the folder has, listing the
        closest keys there are. Fits are read until one has the key (usually the first).
        """
        if self.path is not None:
            return
        seen, readable = set(), 0
        for files in fits:
            try:
                document = files.json("info")
            except FitFileError:
                continue
            readable += 1
            try:
                value_at(document, self.key, "")
                return
            except PathNotInFitError:
                seen.update(dotted_keys(document))
        where = f" in folder {self.folder_text!r}" if self.folder else ""
        if not readable:
            raise InfoKeyError(
                f"add_info_column({self.name!r}): no fit{where} has a readable files/info.json, "
                f"so key {self.key!r} cannot be read from any"
            )
        close = difflib.get_close_matches(self.key, sorted(seen), n=5, cutoff=0.5)
        hint = f"Closest keys: {', '.join(close)}" if close else f"Keys there: {', '.join(sorted(seen)[:20])}"
        raise InfoKeyError(
            f"add_info_column({self.name!r}): key {self.key!r} is in no files/info.json of the "
            f"{readable} fit(s){where}. {hint}"
        )

    def empty_reason(self) -> str:
        return "the value is null in the file"

    def source(self) -> str:
        if self.path is None:
            return f"info.json key {self.key}"
        return f"{self.path} key {self.key}"

    def cells(self, files, row: RowContext) -> list:
        if self.path is None:
            document = files.json("info")
            where = f"{files.label}: files/info.json"
        else:
            where = self.path.format(row=row.key)
            # Lexical, at read time (relative paths follow the working directory then).
            root = os.path.abspath(self._fixed_folder or os.curdir)
            target = os.path.abspath(where)
            if target != root and not target.startswith(os.path.join(root, "")):
                raise PathNotInFitError(
                    f"row {str(row.key)!r}: {self.path} would read {where}, outside "
                    f"{root}; the row key is not used as a path",
                    f"row key leads {self.path} outside its folder",
                )
            document = row.json_file(where, shown_as=self.path)
        value = value_at(document, self.key, where)
        if unwritable_text(value):
            # No UTF-8 file can hold it: blank this cell rather than fail the whole save.
            if self.path is None:
                raise UnreadableFileError(files.label, "files/info.json", NOT_UNICODE, repr(self.key))
            raise UnreadableFileError(
                f"row {str(row.key)!r}", where, NOT_UNICODE, repr(self.key), grouped_as=self.path
            )
        return [value]
