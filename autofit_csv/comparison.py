"""
Two versions of a catalogue side by side: which rows, columns and cells changed, and which of
those changes matter.

A number that carries an interval in both versions is judged against that interval (its change in
combined sigma); every other change is judged by exact rules. See ``compare`` for the rules.
"""
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from autofit_csv.catalogue import KEY_HEADER, Catalogue, CatalogueError, read_catalogue
from autofit_csv.compare_report import comparison_markdown, number_text

__all__ = ["compare", "Comparison", "Change", "CatalogueError"]


@dataclass(frozen=True)
class IntervalKind:
    """
    One way a catalogue writes an interval for a value ``x``: two columns named by suffix.

    Attributes
    ----------
    name
        The kind, as reports show it (``values_at_sigma_1``, ...).
    lower
        The suffix of the lower column's header: ``x`` + ``lower``.
    upper
        The suffix of the upper column's header.
    errors
        True when the two columns hold errors (distances below and above the value), False when
        they hold the interval's bounds.
    """

    name: str
    lower: str
    upper: str
    errors: bool

    def half_width(self, lower: float, upper: float) -> float:
        """
        Half the interval's width: ``(upper - lower) / 2`` for bounds, ``(lower + upper) / 2``
        for errors.
        """
        return (lower + upper) / 2 if self.errors else (upper - lower) / 2


# In order of preference: a 1 sigma interval first, so that a change "in sigma" is in sigma;
# bounds before errors at the same level (they give the same width); the x3 columns of a samples
# function last, since their level is whatever the user's function chose.
INTERVAL_KINDS = (
    IntervalKind("values_at_sigma_1", "_lower_1_sigma", "_upper_1_sigma", errors=False),
    IntervalKind("errors_at_sigma_1", "_lower_error_1_sigma", "_upper_error_1_sigma", errors=True),
    IntervalKind("values_at_sigma_3", "_lower_3_sigma", "_upper_3_sigma", errors=False),
    IntervalKind("errors_at_sigma_3", "_lower_error_3_sigma", "_upper_error_3_sigma", errors=True),
    IntervalKind("lower/upper", "_lower", "_upper", errors=False),
)

# Change kinds, for ``Change.kind``.
SIGMA = "sigma"
NUMBER = "number"
NON_FINITE = "non-finite"
TEXT = "text"
BLANK = "blank"
APPEARED = "appeared"


@dataclass(frozen=True)
class Interval:
    """
    The two headers that hold one interval of a column, and their kind.
    """

    kind: IntervalKind
    lower: str
    upper: str

    def __str__(self):
        return f"{self.lower}/{self.upper}"


@dataclass(frozen=True)
class Change:
    """
    One cell that differs between the two catalogues.

    Attributes
    ----------
    row
        The row key.
    column
        The header.
    old
        The cell's text in the old catalogue (``""`` for a blank cell).
    new
        The cell's text in the new catalogue.
    kind
        ``"sigma"`` (a number judged against its interval), ``"number"`` (a number without a
        usable interval), ``"non-finite"`` (NaN or infinity on one side), ``"text"``,
        ``"blank"`` (a value became blank) or ``"appeared"`` (a blank became a value).
    flagged
        Whether the change counts against the comparison (see ``compare``).
    sigma
        For ``"sigma"``: ``|new - old| / sqrt(w_old**2 + w_new**2)``, ``w`` the half-width of the
        interval in each catalogue (infinite when both widths are zero).
    interval
        For ``"sigma"``: the two headers of the interval used,
        ``"x_lower_1_sigma/x_upper_1_sigma"``.
    relative
        For ``"number"``: ``|new - old| / max(|old|, |new|)``.
    """

    row: str
    column: str
    old: str
    new: str
    kind: str
    flagged: bool
    sigma: Optional[float] = None
    interval: Optional[str] = None
    relative: Optional[float] = None

    @property
    def why(self) -> str:
        """
        The change in words, for reports.
        """
        if self.kind == SIGMA:
            return f"{number_text(self.sigma)} sigma ({self.interval})"
        if self.kind == NUMBER:
            return f"no interval; relative change {number_text(self.relative)}"
        return {
            NON_FINITE: "not finite",
            TEXT: "text changed",
            BLANK: "blank now",
            APPEARED: "was blank",
        }[self.kind]


@dataclass
class Comparison:
    """
    What ``compare`` found.

    Attributes
    ----------
    old
        The old catalogue's name: its path as given, or ``"DataFrame"``.
    new
        The new catalogue's name.
    tolerance
        The largest change in combined sigma that is not flagged.
    rtol
        The largest relative change of a number without an interval that is not flagged.
    rows_added
        Row keys only the new catalogue has, sorted.
    rows_removed
        Row keys only the old catalogue has, sorted.
    columns_added
        Headers only the new catalogue has, in its order.
    columns_removed
        Headers only the old catalogue has, in its order.
    rows_compared
        How many row keys both catalogues have.
    columns_compared
        The headers both have, in the new catalogue's order (``row`` left out).
    changes
        Every differing cell of the rows and columns both have, flagged or not, by column (in
        ``columns_compared`` order) then row key.
    """

    old: str
    new: str
    tolerance: float
    rtol: float
    rows_added: List[str] = field(default_factory=list)
    rows_removed: List[str] = field(default_factory=list)
    columns_added: List[str] = field(default_factory=list)
    columns_removed: List[str] = field(default_factory=list)
    rows_compared: int = 0
    columns_compared: List[str] = field(default_factory=list)
    changes: List[Change] = field(default_factory=list)

    @property
    def flagged(self) -> List[Change]:
        """
        The changes that count against the comparison.
        """
        return [change for change in self.changes if change.flagged]

    @property
    def ok(self) -> bool:
        """
        True when nothing is flagged and both catalogues have the same rows and columns.
        """
        added_or_removed = (
            self.rows_added or self.rows_removed or self.columns_added or self.columns_removed
        )
        return not (added_or_removed or self.flagged)

    def summary(self) -> str:
        """
        One line for a terminal: the verdict and the counts.
        """
        within = len(self.changes) - len(self.flagged)
        compared = (
            f"{_count(self.rows_compared, 'row', 'rows')} and "
            f"{_count(len(self.columns_compared), 'column', 'columns')} compared, "
            f"{_count(within, 'change', 'changes')} within tolerance"
        )
        if self.ok:
            return f"Nothing flagged: {compared}."
        parts = [_count(len(self.flagged), "flagged cell", "flagged cells")]
        for names, one, many in (
            (self.rows_added, "row added", "rows added"),
            (self.rows_removed, "row removed", "rows removed"),
            (self.columns_added, "column added", "columns added"),
            (self.columns_removed, "column removed", "columns removed"),
        ):
            if names:
                parts.append(_count(len(names), one, many))
        return f"Flagged: {', '.join(parts)} ({compared})."

    def to_markdown(self) -> str:
        """
        The comparison as a Markdown report: a summary, then tables of what changed.

        Returns
        -------
        str
            A summary table and the rules, the rows and columns added or removed, a table of
            changes per column, and a table of every flagged change (row, column, old, new,
            sigma, why), all in a fixed order.
        """
        return comparison_markdown(self)


def compare(old, new, tolerance: float = 1.0, rtol: float = 0.0) -> Comparison:
    """
    Compare two catalogues row by row, matching rows by their ``row`` column.

    Rules for a cell of a row and column both catalogues have:

    - Texts that are equal are unchanged; so are two numbers that are equal as floats
      (``1.0`` and ``1``, or a float written by another format).
    - A value that became blank, or a blank that became a value, is flagged.
    - A column is numeric when every non-blank cell of it, in both catalogues, reads as a float;
      any other column is text, and a text change is flagged.
    - A number with an interval in both catalogues is measured in combined sigma,
      ``|new - old| / sqrt(w_old**2 + w_new**2)``, ``w`` the interval's half-width
      (``(upper - lower) / 2`` for ``x_lower_1_sigma``/``x_upper_1_sigma`` or
      ``x_lower``/``x_upper``; ``(lower + upper) / 2`` for ``x_lower_error_1_sigma``/
      ``x_upper_error_1_sigma``), and flagged when beyond ``tolerance``. The interval used is the
      first of 1 sigma bounds, 1 sigma errors, 3 sigma bounds, 3 sigma errors, ``x_lower``/
      ``x_upper`` whose four cells are finite numbers; the number is in units of that interval's
      half-width (so with only 3 sigma intervals, ``tolerance=1`` means a change of one combined
      3 sigma half-width). The interval's own columns (``x_lower_3_sigma``, ...) are measured
      with that same interval.
    - A number without such an interval is flagged when its relative change
      ``|new - old| / max(|old|, |new|)`` exceeds ``rtol`` (default 0: any change).
    - NaN or infinity on one side only is flagged.

    Rows or columns that only one catalogue has are listed, and make ``ok`` False.

    Parameters
    ----------
    old, new
        Each a path to a ``.csv`` (``.parquet``, ``.fits`` or ``.ecsv`` where pyarrow or astropy
        is installed) or a pandas DataFrame. In CSV a blank is an empty cell; in the other
        formats a null, masked or NaN value.
    tolerance
        The largest change in combined sigma that is not flagged.
    rtol
        The largest relative change of a number without an interval that is not flagged.

    Returns
    -------
    Comparison
        ``.ok``, ``.to_markdown()``, and every change found.

    Raises
    ------
    CatalogueError
        A catalogue cannot be compared (unknown format, no ``row`` column, a repeated row key,
        not a table); the message names it.
    OSError
        A file cannot be opened.
    ValueError
        ``tolerance`` or ``rtol`` is negative or not a number.
    """
    for name, limit in (("tolerance", tolerance), ("rtol", rtol)):
        if not limit >= 0:  # also refuses NaN
            raise ValueError(f"{name} must be a number >= 0, not {limit!r}")
    old_table, new_table = read_catalogue(old), read_catalogue(new)
    old_headers, new_headers = set(old_table.headers), set(new_table.headers)
    common_rows = sorted(old_table.rows.keys() & new_table.rows.keys())
    columns = [h for h in new_table.headers if h in old_headers and h != KEY_HEADER]
    comparison = Comparison(
        old=old_table.name,
        new=new_table.name,
        tolerance=float(tolerance),
        rtol=float(rtol),
        rows_added=sorted(new_table.rows.keys() - old_table.rows.keys()),
        rows_removed=sorted(old_table.rows.keys() - new_table.rows.keys()),
        columns_added=[h for h in new_table.headers if h not in old_headers],
        columns_removed=[h for h in old_table.headers if h not in new_headers],
        rows_compared=len(common_rows),
        columns_compared=columns,
    )
    judge = _Judge(old_table, new_table, tolerance, rtol)
    for column in columns:
        intervals = intervals_of(column, old_headers & new_headers)
        comparison.changes += judge.column(column, common_rows, intervals)
    return comparison


def intervals_of(header: str, headers: set) -> List[Interval]:
    """
    The intervals a column can be measured with, in order of preference.

    A column's own intervals (``x`` -> ``x_lower_1_sigma``/``x_upper_1_sigma``, ...) come first;
    a column that is itself one side of an interval (``x_lower_3_sigma``) is measured with that
    interval. Only intervals whose two headers are in ``headers`` count.

    Parameters
    ----------
    header
        The column.
    headers
        The headers both catalogues have.

    Returns
    -------
    list of Interval
    """
    own = [
        Interval(kind, header + kind.lower, header + kind.upper)
        for kind in INTERVAL_KINDS
        if header + kind.lower in headers and header + kind.upper in headers
    ]
    if own:
        return own
    for kind in INTERVAL_KINDS:
        for suffix in (kind.lower, kind.upper):
            if header.endswith(suffix):
                stem = header[: -len(suffix)]
                pair = Interval(kind, stem + kind.lower, stem + kind.upper)
                # x3 columns are only known by their value column beside them.
                needs_stem = kind is INTERVAL_KINDS[-1]
                if {pair.lower, pair.upper} <= headers and (stem in headers or not needs_stem):
                    return [pair]
    return []


class _Judge:
    """
    Decides whether one cell changed, and whether the change is flagged.
    """

    def __init__(self, old: Catalogue, new: Catalogue, tolerance: float, rtol: float):
        self.tables = (old, new)
        self.tolerance = tolerance
        self.rtol = rtol
        # (0 for old / 1 for new, header) -> {row key: float or None}: each cell is parsed once,
        # though a bound is read for the value, for itself and for the other bound.
        self._numbers: Dict[Tuple[int, str], Dict[str, Optional[float]]] = {}

    def numbers(self, side: int, column: str) -> Dict[str, Optional[float]]:
        found = self._numbers.get((side, column))
        if found is None:
            rows = self.tables[side].rows
            found = self._numbers[side, column] = {k: _number(r[column]) for k, r in rows.items()}
        return found

    def is_numeric(self, column: str) -> bool:
        return all(
            value is not None or self.tables[side].rows[key][column] == ""
            for side in (0, 1)
            for key, value in self.numbers(side, column).items()
        )

    def column(self, column: str, keys: List[str], intervals: List[Interval]) -> List[Change]:
        """
        The changes of one column in the rows ``keys``, in that order.
        """
        old_rows, new_rows = self.tables[0].rows, self.tables[1].rows
        keys = [key for key in keys if old_rows[key][column] != new_rows[key][column]]
        if not keys:
            return []  # no cell to judge: spare parsing the column
        numeric = self.is_numeric(column)
        old_numbers, new_numbers = self.numbers(0, column), self.numbers(1, column)
        # Per interval: the kind and the bounds' parsed cells, old lower/upper, new lower/upper.
        bounds = [
            (i, [self.numbers(side, h) for side in (0, 1) for h in (i.lower, i.upper)])
            for i in intervals
        ]
        changes = []
        for key in keys:
            old_text, new_text = old_rows[key][column], new_rows[key][column]
            cell = (key, column, old_text, new_text)
            if old_text == "":
                changes.append(Change(*cell, APPEARED, flagged=True))
            elif new_text == "":
                changes.append(Change(*cell, BLANK, flagged=True))
            elif not numeric:
                changes.append(Change(*cell, TEXT, flagged=True))
            else:
                change = self._number_change(cell, old_numbers[key], new_numbers[key], bounds)
                if change is not None:
                    changes.append(change)
        return changes

    def _number_change(self, cell: tuple, old: float, new: float, bounds) -> Optional[Change]:
        if old == new or (math.isnan(old) and math.isnan(new)):
            return None  # the same number written differently
        if not (math.isfinite(old) and math.isfinite(new)):
            return Change(*cell, NON_FINITE, flagged=True)
        key = cell[0]
        for interval, (old_lower, old_upper, new_lower, new_upper) in bounds:
            four = (old_lower[key], old_upper[key], new_lower[key], new_upper[key])
            if None in four or not all(math.isfinite(bound) for bound in four):
                continue  # no usable interval in this row: try the next kind
            old_width = interval.kind.half_width(four[0], four[1])
            new_width = interval.kind.half_width(four[2], four[3])
            sigma = _combined_sigma(abs(new - old), old_width, new_width)
            return Change(
                *cell, SIGMA, flagged=sigma > self.tolerance, sigma=sigma, interval=str(interval)
            )
        relative = abs(new - old) / max(abs(old), abs(new))
        return Change(*cell, NUMBER, flagged=relative > self.rtol, relative=relative)


def _combined_sigma(difference: float, old_width: float, new_width: float) -> float:
    combined = math.hypot(old_width, new_width)
    return difference / combined if combined > 0 else math.inf


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _number(text: str) -> Optional[float]:
    """
    The float a cell holds, or None for text; ``float()`` alone would also take ``" 1"`` and
    ``"1_000"``, which are text in a catalogue.
    """
    if not text or "_" in text or text != text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None



