"""
What happened while rows were built: which cells were left blank and why, which fits filled a
cell, how often user functions failed. One ``BuildLog`` per chunk of rows (in this process or a
worker), merged in row order, so a parallel build says exactly what a serial one says.
"""
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

#: How many fits or rows a counted warning names.
NAMED_IN_WARNING = 5


class BuildLog:
    def __init__(self):
        """
        An empty log.
        """
        #: (column index, headers, reason) -> fit labels or row keys, in row order.
        self.blank: Dict[Tuple[int, Tuple[str, ...], str], List[str]] = defaultdict(list)
        #: (column index, reason) -> the full message of the first such problem.
        self.examples: Dict[Tuple[int, str], str] = {}
        #: (column index, reason) -> fit labels: things said of a fit that blanked nothing.
        self.notes: Dict[Tuple[int, str], List[str]] = defaultdict(list)
        #: Indices (in the aggregator) of fits that filled at least one cell in this chunk
        #: (``RowBuilder.run`` counts them over the whole table and does not merge them).
        self.used = set()
        #: column index -> [calls that returned, calls that raised, first failure message].
        self.functions: Dict[int, list] = {}
        #: Reasons recorded against row keys rather than fits.
        self.row_reasons = set()

    def record_blank(
        self,
        column: int,
        headers: Sequence[str],
        reason: str,
        who: str,
        message: str = "",
        is_row: bool = False,
    ):
        """
        Cells of ``headers`` left blank for one fit (or, with ``is_row``, row) ``who``.
        """
        self.blank[(column, tuple(headers), reason)].append(who)
        if is_row:
            self.row_reasons.add(reason)
        if message and (column, reason) not in self.examples:
            self.examples[(column, reason)] = message

    def note(self, column: int, reason: str, who: str, message: str = ""):
        """
        Something worth saying about one fit that left no cell blank.
        """
        self.notes[(column, reason)].append(who)
        if message and (column, reason) not in self.examples:
            self.examples[(column, reason)] = message

    def function_call(self, column: int, failure: str = ""):
        """
        Count one call of a column's user function; ``failure`` is its message if it failed.
        """
        counts = self.functions.setdefault(column, [0, 0, ""])
        if failure:
            counts[1] += 1
            counts[2] = counts[2] or failure
        else:
            counts[0] += 1

    def merge(self, other: "BuildLog"):
        """
        Add a later chunk's log to this one.
        """
        for key, who in other.blank.items():
            self.blank[key].extend(who)
        for key, message in other.examples.items():
            self.examples.setdefault(key, message)
        for key, who in other.notes.items():
            self.notes[key].extend(who)
        self.row_reasons |= other.row_reasons
        for column, (ok, failed, first) in other.functions.items():
            counts = self.functions.setdefault(column, [0, 0, ""])
            counts[0] += ok
            counts[1] += failed
            counts[2] = counts[2] or first

    def blank_by_header(self) -> Dict[str, Dict[str, List[str]]]:
        """
        header -> reason -> the fits (or rows) whose cell under that header is blank for it.
        """
        result: Dict[str, Dict[str, List[str]]] = {}
        for (_, headers, reason), who in self.blank.items():
            for header in headers:
                result.setdefault(header, {}).setdefault(reason, []).extend(who)
        return result

    def counted_warnings(self, describe) -> List[str]:
        """
        One message per column and reason (columns with the same fits for the same reason share
        one), each with the count and the first fits named.

        Parameters
        ----------
        describe
            column index -> how messages name the column.
        """
        grouped: Dict[Tuple[str, str, Tuple[str, ...]], List[int]] = {}
        for source, verb in ((self.blank, "blank"), (self.notes, "note")):
            per_column: Dict[Tuple[int, str], dict] = {}
            for key, who in source.items():
                column, reason = (key[0], key[2]) if verb == "blank" else key
                # A dict keeps the first-seen order and drops repeats in one pass.
                per_column.setdefault((column, reason), {}).update(dict.fromkeys(who))
            for (column, reason), who in per_column.items():
                grouped.setdefault((verb, reason, tuple(who)), []).append(column)
        messages = []
        for (verb, reason, who), columns in grouped.items():
            named = ", ".join(who[:NAMED_IN_WARNING]) + (", ..." if len(who) > NAMED_IN_WARNING else "")
            noun = "row(s)" if reason in self.row_reasons else "fit(s)"
            names = "; ".join(dict.fromkeys(describe(column) for column in columns))
            effect = "blank cells in" if verb == "blank" else "in"
            message = f"{reason}: {len(who)} {noun} ({named}); {effect} {names}."
            example = self.examples.get((columns[0], reason))
            if example:
                message += f" First: {example.rstrip('.')}."
            messages.append(message)
        return messages
