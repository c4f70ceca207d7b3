"""
``BuildReport``: what a build did not fill, and why. Set as ``agg.report`` after every build.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple, Union


#: Entries a warning names before "...".
NAMED = 5


def skipped_kind(reason: str) -> str:
    """
    The kind of a skipped entry's reason, how warnings and ``str(report)`` count them: its words
    before any `` (`` or ``:`` (``"bad zip (BadZipFile: ...)"`` -> ``"bad zip"``, ``"rerun not
    kept: shares ..."`` -> ``"rerun not kept"``).
    """
    return reason.split(" (")[0].split(":")[0]


@dataclass
class BuildReport:
    """
    What one build of the table found, used, skipped and left blank.

    Attributes
    ----------
    fits_found
        Fits the table was built over (after ``path_prefix`` and ``completed_only``).
    fits_used
        Fits that filled at least one cell.
    rows
        Rows written.
    skipped
        ``(path, reason)`` of what discovery could not read (bad zips, unreadable folders,
        symlink loops, fit folders without ``files/search.json``) and of reruns not kept.
    blank
        header -> reason -> the fits (their labels) or rows (their keys) whose cell is blank for
        that reason; every header with a blank cell is here.
    problems
        Data-quality flags, one line each (a value outside its own interval, a non-finite value,
        two columns of different kinds equal in every row, NUL characters removed).
    headers
        Every header of the table, in order (the row key first).
    """

    fits_found: int = 0
    fits_used: int = 0
    rows: int = 0
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    blank: Dict[str, Dict[str, List[str]]] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)
    headers: List[str] = field(default_factory=list)
    #: False while rows are being built, and after a build that stopped (an error, or a
    #: ``rows()`` loop left early): then the counts cover only the rows built so far.
    complete: bool = False

    def fill(self, log, quality, skipped: List[Tuple[str, str]], fits_used: int):
        """
        Complete the report from a finished build: its merged ``BuildLog``, ``QualityPart``,
        the entries discovery and the row index did not keep, and how many fits filled a cell.
        """
        self.complete = True
        self.fits_used = fits_used
        self.skipped = list(skipped)
        self.blank = log.blank_by_header()
        self.problems = quality.problems()

    def announce(self, log, describe):
        """
        The counted warnings of a build: one per column and reason, one per kind of skipped
        entry, one for the data-quality problems.

        Parameters
        ----------
        log
            The build's merged ``BuildLog``.
        describe
            column index -> how messages name the column.
        """
        from autofit_csv.errors import warn

        for message in log.counted_warnings(describe):
            warn(f"{message} See agg.report for all of them.")
        kinds: Dict[str, List[str]] = {}
        for path, reason in self.skipped:
            kinds.setdefault(skipped_kind(reason), []).append(path)
        for kind, paths in kinds.items():
            named = ", ".join(paths[:NAMED]) + (", ..." if len(paths) > NAMED else "")
            warn(f"{kind}: {len(paths)} skipped ({named}). See agg.report.skipped.")
        if self.problems:
            warn(
                f"{len(self.problems)} data-quality problem(s): {self.problems[0]}"
                + (" ..." if len(self.problems) > 1 else "")
                + " See agg.report.problems."
            )

    @property
    def ok(self) -> bool:
        """
        True when the build finished and nothing was skipped, left blank or flagged.
        """
        return self.complete and not (self.skipped or self.blank or self.problems)

    def blank_count(self, header: str) -> int:
        """
        How many cells under ``header`` are blank.
        """
        return sum(len(who) for who in self.blank.get(header, {}).values())

    def to_dict(self) -> dict:
        """
        The report as plain JSON-ready data.
        """
        return {
            "fits_found": self.fits_found,
            "fits_used": self.fits_used,
            "rows": self.rows,
            "skipped": [[path, reason] for path, reason in self.skipped],
            "blank": {
                header: {reason: list(who) for reason, who in reasons.items()}
                for header, reasons in self.blank.items()
            },
            "problems": list(self.problems),
            "headers": list(self.headers),
            "complete": self.complete,
        }

    def save(self, path: Union[str, os.PathLike]) -> Path:
        """
        Write the report as JSON, atomically.

        Parameters
        ----------
        path
            The file.

        Returns
        -------
        Path
            The path written.
        """
        from autofit_csv.output import replace_atomically

        text = json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"
        return replace_atomically(path, lambda file: file.write(text))

    def __str__(self) -> str:
        lines = [
            ("" if self.complete else "INCOMPLETE (the build stopped): ")
            + f"{self.rows} rows from {self.fits_used} of {self.fits_found} fits"
            + (f"; {len(self.skipped)} skipped" if self.skipped else "")
            + (f"; {len(self.problems)} problem(s)" if self.problems else "")
        ]
        columns = self.headers[1:]
        if columns:
            width = max(len("column"), *(len(h) for h in columns))
            lines.append(f"{'column':<{width}}  {'filled':>6}  {'blank':>5}  why blank")
            for header in columns:
                blank = self.blank_count(header)
                reasons = "; ".join(
                    f"{reason} ({len(who)})" for reason, who in self.blank.get(header, {}).items()
                )
                lines.append(
                    f"{header:<{width}}  {self.rows - blank:>6}  {blank:>5}  {reasons}".rstrip()
                )
        kinds = {}
        for _, reason in self.skipped:
            kind = skipped_kind(reason)
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, count in kinds.items():
            lines.append(f"skipped: {kind} ({count})")
        for problem in self.problems:
            lines.append(f"problem: {problem}")
        return "\n".join(lines)
