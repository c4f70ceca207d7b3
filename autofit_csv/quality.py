"""
Data-quality flags: numbers that cannot be right, found while rows are built.

- a value outside its own interval (``lower > value`` or ``upper < value``), or a negative error;
- a non-finite number (NaN, infinity);
- two numeric columns of different kinds (``x`` and ``x_max_lh``, ``_1_sigma`` and ``_3_sigma``)
  equal in every row: the signature of a reader that returned the wrong section, which is how
  wrong numbers reach a catalogue unnoticed.

Rows are checked a chunk at a time (columns, not cells, so the work is done by C loops); each
chunk's ``QualityPart`` is small and merges in row order, so a parallel build flags exactly what
a serial one does without shipping cells twice.
"""
import math
from typing import Dict, List, Tuple

from autofit_csv.columns import Column, ErrorColumn, SamplesFuncColumn, ValueColumn

#: Rows named per flag.
NAMED_ROWS = 5
#: Two columns must be filled in at least this many rows to be called equal.
MIN_EQUAL_ROWS = 3


class QualityPlan:
    def __init__(self, columns: List[Column]):
        """
        Which headers to check, and how, for a table of ``columns`` (the row key is header 0).

        Parameters
        ----------
        columns
            The table's columns, in order.
        """
        index = {}
        position = 1
        for column in columns:
            for header in column.headers():
                index[header] = position
                position += 1
        #: (header index, kind) of numbers read from a section.
        self.kinds: List[Tuple[int, str]] = []
        #: (value, lower, upper) header indices of a value and its own interval.
        self.intervals: List[Tuple[int, int, int]] = []
        #: Header indices of errors, which must not be negative.
        self.errors: List[int] = []
        for column in columns:
            for header, kind in column.numeric_kinds().items():
                self.kinds.append((index[header], kind))
            if isinstance(column, SamplesFuncColumn):
                self.intervals.append(tuple(index[h] for h in column.headers()))
            if isinstance(column, ErrorColumn):
                lower, upper = (index[h] for h in column.headers())
                if column.is_errors:
                    self.errors.extend((lower, upper))
                    continue
                for other in columns:
                    if (
                        isinstance(other, ValueColumn)
                        and other.name == column.name
                        and other.model_path == column.model_path
                        and other.folder == column.folder
                        and other.section == "median_pdf_sample"
                    ):
                        self.intervals.append((index[other.name], lower, upper))
        self.headers = {position: header for header, position in index.items()}
        self.width = position

    def part(self) -> "QualityPart":
        """
        An empty accumulator for one chunk of rows.
        """
        return QualityPart(self)


class QualityPart:
    def __init__(self, plan: QualityPlan):
        """
        What one chunk of rows showed (see ``QualityPlan``).
        """
        self.filled = {position: 0 for position, _ in plan.kinds}
        #: (position, position) of two numeric columns of different kinds -> equal so far.
        self.equal = {
            (first, second): True
            for i, (first, first_kind) in enumerate(plan.kinds)
            for second, second_kind in plan.kinds[i + 1 :]
            if first_kind != second_kind
        }
        self.outside: Dict[Tuple[int, int, int], List[str]] = {}
        self.negative: Dict[int, List[str]] = {}
        self.non_finite: Dict[int, List[str]] = {}
        self._plan = plan

    def __getstate__(self):
        # The plan stays with the caller; workers return only what they found.
        state = dict(vars(self))
        state["_plan"] = None
        return state

    def add(self, rows: List[list]):
        """
        Check a chunk of rows of raw cells (None for blank).
        """
        if not rows:
            return
        columns = list(zip(*rows))
        keys = columns[0]
        for position in range(1, len(columns)):
            values = columns[position]
            floats = [v for v in values if isinstance(v, float)]
            # The sum of finite floats is finite unless it overflows; only then look closer.
            if floats and not math.isfinite(sum(floats)):
                bad = [
                    k for k, v in zip(keys, values) if isinstance(v, float) and not math.isfinite(v)
                ]
                if bad:
                    self.non_finite.setdefault(position, []).extend(bad)
        for position in self.filled:
            values = columns[position]
            self.filled[position] += len(values) - values.count(None)
        # Compared exactly, a chunk at a time (tuples compare in C and stop at the first
        # difference, which is almost always the first row).
        for pair, equal in self.equal.items():
            if equal and columns[pair[0]] != columns[pair[1]]:
                self.equal[pair] = False
        for triple in self._plan.intervals:
            value, lower, upper = (columns[i] for i in triple)
            bad = [
                k
                for k, v, lo, up in zip(keys, value, lower, upper)
                if _number(v) and ((_number(lo) and lo > v) or (_number(up) and up < v))
            ]
            if bad:
                self.outside.setdefault(triple, []).extend(bad)
        for position in self._plan.errors:
            values = columns[position]
            bad = [k for k, v in zip(keys, values) if _number(v) and v < 0]
            if bad:
                self.negative.setdefault(position, []).extend(bad)

    def merge(self, later: "QualityPart"):
        """
        Add the findings of the next chunk of rows.
        """
        for position, count in later.filled.items():
            self.filled[position] += count
        for pair, equal in later.equal.items():
            self.equal[pair] = self.equal[pair] and equal
        for mine, theirs in (
            (self.outside, later.outside),
            (self.negative, later.negative),
            (self.non_finite, later.non_finite),
        ):
            for key, rows in theirs.items():
                mine.setdefault(key, []).extend(rows)

    def problems(self) -> List[str]:
        """
        The flags, one line each, naming the headers and the first rows.
        """
        plan, headers = self._plan, self._plan.headers
        found = []
        for (value, lower, upper), rows in self.outside.items():
            found.append(
                f"{headers[value]}: outside its own interval ({headers[lower]} > "
                f"{headers[value]} or {headers[upper]} < {headers[value]}) in "
                f"{_rows(rows)}"
            )
        for position, rows in self.negative.items():
            found.append(f"{headers[position]}: negative error in {_rows(rows)}")
        for position, rows in sorted(self.non_finite.items()):
            found.append(f"{headers[position]}: non-finite value (NaN or infinity) in {_rows(rows)}")
        kinds = dict(plan.kinds)
        for (first, second), equal in self.equal.items():
            if (
                equal
                and self.filled[first] >= MIN_EQUAL_ROWS
                and self.filled[first] == self.filled[second]
            ):
                found.append(
                    f"{headers[first]} ({kinds[first]}) and {headers[second]} ({kinds[second]}) "
                    f"are equal in every one of {self.filled[first]} rows: a reader may have "
                    f"returned the wrong section, or the files hold one section twice"
                )
        return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _rows(rows: List[str]) -> str:
    named = ", ".join(repr(str(r)) for r in rows[:NAMED_ROWS])
    more = ", ..." if len(rows) > NAMED_ROWS else ""
    return f"{len(rows)} row(s): {named}{more}"
