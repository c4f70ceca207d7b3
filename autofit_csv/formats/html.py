"""
HTML: one self-contained page (its style and script inline, nothing fetched from the network)
that opens from disk. The table shows image cells as lazy-loaded thumbnails linking to the full
image, sorts by any column when its header is clicked (numbers numerically, blank cells last in
either direction, a second click reverses), and hides the rows that do not match the filter box.

Made to be read: image columns come right after the row key, and numbers show 6 significant
digits, the exact value (the CSV's text) in the cell's ``title``, which sorting uses.

Every header, description and cell is escaped with ``html.escape``: a cell holding ``<script>``
shows as that text. The script holds no data, so nothing from the table is ever read as code.
"""
import html
from pathlib import Path
from typing import Dict, List, Sequence
from urllib.parse import quote

from autofit_csv.formats.typed import TypedColumn

STYLE = """
:root { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
body { margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; padding: 12px 16px; }
h1 { font-size: 1.3em; margin: 0; }
#filter { font: inherit; padding: 4px 8px; min-width: 20em; }
#count, footer { color: #59636e; }
footer { padding: 8px 16px 16px; }
table { border-collapse: collapse; margin: 0 16px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #d1d9e0; white-space: nowrap; }
thead th { position: sticky; top: 0; z-index: 1; background: #eef1f4; text-align: left;
  vertical-align: bottom; box-shadow: 0 1px 0 #afb8c1; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid #0969da; }
th[aria-sort] button { color: #0969da; }
th[aria-sort=ascending] button::after { content: " \\25B2"; font-size: 0.8em; }
th[aria-sort=descending] button::after { content: " \\25BC"; font-size: 0.8em; }
tbody tr:nth-child(even) { background: #f6f8fa; }
tbody tr:hover { background: #ddf4ff; }
td img { display: block; width: 96px; height: 72px; object-fit: contain; }
td:has(img) { padding: 1px 4px; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("catalogue");
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var count = document.getElementById("count");
  var collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
  // Each row's text once, cells apart, so a filter never matches across two cells.
  var texts = rows.map(function (row) {
    return Array.prototype.map.call(row.cells, function (cell) {
      return cell.textContent.toLowerCase();
    }).join("\\u0000");
  });
  var sorted = {column: -1, ascending: true};

  function sortKey(row, column, numeric) {
    var cell = row.cells[column];
    // A number's exact value is its title when the cell shows it rounded.
    var text = cell ? (cell.title || cell.textContent).trim() : "";
    if (text === "") return null;
    if (!numeric) return text;
    var value = Number(text.replace(/^([-+]?)inf$/i, "$1Infinity"));
    return isNaN(value) ? null : value;
  }

  function sortBy(column) {
    var ascending = sorted.column === column ? !sorted.ascending : true;
    var numeric = headers[column].getAttribute("data-kind") === "number";
    var keyed = rows.map(function (row, index) {
      return {row: row, index: index, key: sortKey(row, column, numeric)};
    });
    keyed.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.index - b.index;
        return a.key === null ? 1 : -1;  // blank cells last, whichever the direction
      }
      var order = numeric
        ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
        : collator.compare(a.key, b.key);
      if (order === 0) return a.index - b.index;
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(headers, function (header) {
      header.removeAttribute("aria-sort");
    });
    headers[column].setAttribute("aria-sort", ascending ? "ascending" : "descending");
    sorted = {column: column, ascending: ascending};
  }

  Array.prototype.forEach.call(headers, function (header, column) {
    var button = header.querySelector("button");
    if (button) button.addEventListener("click", function () { sortBy(column); });
  });

  function applyFilter() {
    var query = filter.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row, index) {
      var match = query === "" || texts[index].indexOf(query) !== -1;
      row.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = query === ""
      ? rows.length + " rows"
      : shown + " of " + rows.length + " rows";
  }
  filter.addEventListener("input", applyFilter);
  applyFilter();
})();
"""


def page(
    title: str,
    columns: List[TypedColumn],
    descriptions: Dict[str, str],
    image_headers: Sequence[str] = (),
) -> str:
    """
    The HTML page of a table.

    Parameters
    ----------
    title
        The page's title (the output's file stem).
    columns
        The typed columns; image columns hold paths relative to the page.
    descriptions
        ``{header: text}``, each header's ``title`` (shown on hover).
    image_headers
        The headers whose cells are images.

    Returns
    -------
    The page's text.
    """
    escape = html.escape
    images = set(image_headers)
    # The key first, then the pictures, then the rest: thumbnails are what a reader scans.
    columns = (
        columns[:1]
        + [c for c in columns[1:] if c.header in images]
        + [c for c in columns[1:] if c.header not in images]
    )
    numeric = [n for n, column in enumerate(columns, start=1) if column.is_number]
    style = STYLE
    if numeric:
        selectors = ", ".join(f"td:nth-child({n})" for n in numeric)
        style += f"{selectors} {{ text-align: right; font-variant-numeric: tabular-nums; }}\n"

    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<title>{escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n",
        f"<header><h1>{escape(title)}</h1>",
        "<input id=\"filter\" type=\"search\" placeholder=\"Filter rows\" "
        "aria-label=\"Filter rows\" autocomplete=\"off\">",
        "<span id=\"count\"></span></header>\n",
        "<table id=\"catalogue\">\n<thead><tr>",
    ]
    for column in columns:
        description = descriptions.get(column.header)
        title_attribute = f" title=\"{escape(description)}\"" if description else ""
        if column.header in images:
            parts.append(f"<th data-kind=\"image\"{title_attribute}>{escape(column.header)}</th>")
        else:
            parts.append(
                f"<th data-kind=\"{column.kind}\"{title_attribute}>"
                f"<button type=\"button\">{escape(column.header)}</button></th>"
            )
    parts.append("</tr></thead>\n<tbody>\n")

    texts = [
        column.values if column.header in images else _cell_texts(column) for column in columns
    ]
    renderers = [
        _image_cell if column.header in images else _text_cell for column in columns
    ]
    headers = [escape(column.header) for column in columns]
    for cells in zip(*texts):
        # A td's end tag is optional in HTML: leaving it out keeps a large page small. The tr's
        # is written, so the line break after it is not part of the last cell's text.
        parts.append("<tr>")
        for render, header, text in zip(renderers, headers, cells):
            parts.append(render(text, header))
        parts.append("</tr>\n")
    parts.append(
        "</tbody>\n</table>\n<footer>Click a header to sort by it (again to reverse); "
        "type in the box to keep only the rows that contain the text. Hover a header for "
        "its description.</footer>\n"
    )
    parts.append(f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
    return "".join(parts)


def _cell_texts(column: TypedColumn) -> list:
    """
    Each cell's HTML (after ``<td``) but images'. A number shows 6 significant digits; when
    that is not its exact text (``repr``, as in the CSV), the exact text is its ``title``.
    """
    escape = html.escape
    if not column.is_number:
        return [f">{escape(text)}" for text in column.values]
    cells = []
    for value, blank in zip(column.values.tolist(), column.mask.tolist()):
        if blank:
            cells.append(">")
            continue
        exact, shown = repr(value), f"{value:.6g}"
        cells.append(f">{shown}" if shown == exact else f' title="{exact}">{shown}')
    return cells


def _text_cell(cell: str, header: str) -> str:
    return f"<td{cell}"


def _image_cell(path: str, header: str) -> str:
    if not path:
        return "<td>"
    url = html.escape(quote(path))
    return (
        f"<td><a href=\"{url}\"><img src=\"{url}\" loading=\"lazy\" alt=\"{header}\"></a>"
    )


def write_html(
    temporary: Path,
    columns: List[TypedColumn],
    descriptions: Dict[str, str],
    image_headers: Sequence[str] = (),
    title: str = "catalogue",
):
    """
    Write the page to ``temporary`` (the caller renames it into place).
    """
    Path(temporary).write_text(
        page(title, columns, descriptions, image_headers), encoding="utf-8"
    )
