import pytest

from autofit_csv.formats import write_table
from autofit_csv.formats.fits import CARD_TEXT, card_text


def test_short_ascii_text_is_kept():
    assert card_text("galaxies.lens.mass.einstein_radius, median PDF") == (
        "galaxies.lens.mass.einstein_radius, median PDF"
    )


def test_long_text_is_cut_with_an_ellipsis_to_one_card():
    text = card_text("x" * 200)
    assert text == "x" * (CARD_TEXT - 3) + "..."


def test_quotes_count_double_because_fits_doubles_them():
    text = card_text("'" * 40)
    assert text.endswith("...")
    assert len(text) + text.count("'") <= CARD_TEXT


def test_accents_dashes_and_line_breaks_become_plain_ascii():
    assert card_text("Sérsic \u2014 bulge\nintensity \u2603") == "Sersic - bulge intensity ?"


def test_a_card_written_by_astropy_holds_the_text_whole(tmp_path):
    from astropy.io import fits

    header = fits.Header()
    header["TCOMM1"] = card_text("it's " * 30)
    card = header.cards["TCOMM1"].image
    assert len(card) == 80
    assert "CONTINUE" not in header.tostring()


@pytest.mark.parametrize("header", ["x" * 69, "Sérsic"])
def test_a_header_fits_cannot_name_is_refused_clearly(tmp_path, header):
    path = tmp_path / "t.fits"
    path.write_text("previous")
    with pytest.raises(ValueError, match="FITS column name is ASCII text of at most 68"):
        write_table(path, ["row", header], [["a", 1.0]], {})
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.fits"]


def test_the_longest_header_fits_takes(tmp_path):
    from astropy.table import Table

    header = "x" * 68
    table = Table.read(write_table(tmp_path / "t.fits", ["row", header], [["a", 1.5]], {}))
    assert table.colnames == ["row", header] and table[header][0] == 1.5
