"""
The HTML page as text: escaped, self-contained, small. Its behaviour in a browser is tested in
``test_html_in_chromium.py``.
"""
import re

from autofit_csv.formats import write_table
from test_autofit_csv.formats.conftest import many_rows

HOSTILE = "<script>alert('x')</script>"


def test_headers_cells_and_descriptions_are_escaped(tmp_path):
    headers = ["row", HOSTILE, "note"]
    rows = [["<b>key</b>", 1.5, 'say "hi" & <img src=x onerror=alert(1)>']]
    path = write_table(tmp_path / "t.html", headers, rows, {HOSTILE: '"><script>bad()</script>'})
    page = path.read_text()
    assert "<script>alert" not in page
    assert "<b>key" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'title="&quot;&gt;&lt;script&gt;bad()&lt;/script&gt;"' in page
    assert "say &quot;hi&quot; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    # The page's own script is the only one.
    assert page.count("<script>") == 1


def test_image_links_are_url_encoded_and_escaped(tmp_path):
    source = tmp_path / "fit.png"
    source.write_bytes(b"png")
    path = write_table(
        tmp_path / "t.html",
        ["row", "fit"],
        [["vis/lens [1]&x", str(source)]],
        {},
        image_headers=["fit"],
    )
    page = path.read_text()
    (cell,) = re.findall(r'<a href="([^"]*)"><img src="([^"]*)" loading="lazy"', page)
    assert cell[0] == cell[1] == "t_files/fit/vis_lens_1_x.png"
    assert (tmp_path / cell[0]).read_bytes() == b"png"


def test_the_page_needs_no_network(catalogue, tmp_path):
    path = write_table(
        tmp_path / "t.html", catalogue.headers, catalogue.rows, catalogue.descriptions,
        image_headers=catalogue.image_headers,
    )
    page = path.read_text()
    assert not re.search(r"https?:|//[a-z]", page, re.I)
    assert "<link" not in page and "@import" not in page
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith("t_files/") for s in sources)


def test_numeric_columns_are_marked_for_sorting(catalogue, tmp_path):
    path = write_table(
        tmp_path / "t.html", catalogue.headers, catalogue.rows, catalogue.descriptions,
        image_headers=catalogue.image_headers,
    )
    found = re.findall(
        r'<th data-kind="(\w+)"[^>]*>(?:<button type="button">)?([^<]*)<', path.read_text()
    )
    kinds = {header: kind for kind, header in found}
    assert sorted(kinds) == sorted(catalogue.headers)
    assert kinds["einstein_radius"] == "number" and kinds["row"] == "text"
    assert kinds["band"] == "text" and kinds["fit"] == "image"


def test_a_page_of_3000_rows_stays_small(catalogue, tmp_path):
    rows = many_rows(catalogue, 3000)
    path = write_table(
        tmp_path / "t.html", catalogue.headers, rows, catalogue.descriptions,
        image_headers=catalogue.image_headers,
    )
    size = path.stat().st_size
    print(f"HTML page of 3000 rows x {len(catalogue.headers)} columns: {size / 1e6:.2f} MB")
    assert size < 3_000_000
    assert path.read_text().count("<tr>") == 3001
