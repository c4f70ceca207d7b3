"""
The Markdown report of a catalogue comparison, for people and for pull-request comments.

Everything is printed in the comparison's own order (columns as in the new catalogue, rows by
key), so the same two catalogues always give the same report, byte for byte.
"""
import re
from typing import Dict, List, Optional


def number_text(value: Optional[float]) -> str:
    """
    A sigma or relative change as reports show it: three significant digits.
    """
    return "" if value is None else f"{value:.3g}"


def code(text: str) -> str:
    """
    ``text`` as a Markdown code span that is safe inside a table cell; a blank cell is
    ``(blank)``, outside code, so that it cannot be mistaken for a cell holding that text.

    The fence is one backtick longer than any run of backticks in the text; ``|`` is escaped
    (GitHub ends a table cell at ``|`` even inside code); line breaks are shown as ``\\n``.
    """
    if text == "":
        return "(blank)"
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}".replace("|", "\\|")


def _table(headers: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _key_list(title: str, keys: List[str]) -> List[str]:
    if not keys:
        return []
    return [f"## {title} ({len(keys)})", "", ", ".join(code(key) for key in keys), ""]


def comparison_markdown(comparison) -> str:
    """
    The report of a ``Comparison``.

    Parameters
    ----------
    comparison
        What ``autofit_csv.compare`` returned.

    Returns
    -------
    str
        Markdown: the verdict, a table of the two catalogues' sizes, the rules applied, rows and
        columns added or removed, changes per column, and every flagged change.
    """
    old_columns = len(comparison.columns_compared) + len(comparison.columns_removed)
    new_columns = len(comparison.columns_compared) + len(comparison.columns_added)
    rtol = "any change" if comparison.rtol == 0 else f"by more than {comparison.rtol:g} relative"
    lines = [
        "# Catalogue comparison",
        "",
        f"**{comparison.summary()}**",
        "",
        *_table(
            ["", "old", "new"],
            [
                ["catalogue", code(comparison.old), code(comparison.new)],
                [
                    "rows",
                    str(comparison.rows_compared + len(comparison.rows_removed)),
                    str(comparison.rows_compared + len(comparison.rows_added)),
                ],
                ["columns besides `row`", str(old_columns), str(new_columns)],
            ],
        ),
        "",
        "A cell is flagged when:",
        "",
        f"- a number with an interval in both catalogues moved more than "
        f"{comparison.tolerance:g} combined sigma (the interval used is named);",
        f"- a number without an interval changed: {rtol};",
        "- a text changed;",
        "- a value became blank, or a blank cell got a value.",
        "",
    ]
    lines += _key_list("Rows added", comparison.rows_added)
    lines += _key_list("Rows removed", comparison.rows_removed)
    lines += _key_list("Columns added", comparison.columns_added)
    lines += _key_list("Columns removed", comparison.columns_removed)

    lines += ["## Changes per column", ""]
    grouped = _changes_by_column(comparison)
    if grouped:
        per_column = []
        for column, changes in grouped.items():
            sigmas = [c.sigma for c in changes if c.sigma is not None]
            per_column.append(
                [
                    code(column),
                    str(len(changes)),
                    str(sum(c.flagged for c in changes)),
                    number_text(max(sigmas)) if sigmas else "",
                ]
            )
        lines += _table(["column", "changed", "flagged", "largest sigma"], per_column)
    else:
        lines.append("No cell of the rows and columns both catalogues have changed.")
    lines.append("")

    flagged = comparison.flagged
    lines += [f"## Flagged changes ({len(flagged)})", ""]
    if flagged:
        lines += _table(
            ["row", "column", "old", "new", "sigma", "why"],
            [
                [
                    code(c.row), code(c.column), code(c.old), code(c.new),
                    number_text(c.sigma), c.why.replace("|", "\\|"),
                ]
                for c in flagged
            ],
        )
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _changes_by_column(comparison) -> Dict[str, list]:
    grouped = {column: [] for column in comparison.columns_compared}
    for change in comparison.changes:
        grouped[change.column].append(change)
    return {column: changes for column, changes in grouped.items() if changes}
