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
