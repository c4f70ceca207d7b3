"""
FITS: a binary table extension after an empty primary HDU. Numeric columns are float64 (``D``),
blank cells NaN, which astropy reads back as masked; text columns are UTF-8 bytes (``nA``),
blank cells empty. Each column's description is its ``TCOMMn`` card.

FITS keeps no null for floats other than NaN, so a value that is itself NaN reads back masked
like a blank cell (the CSV, ECSV and Parquet files keep the two apart).
"""
import unicodedata
from pathlib import Path
from typing import Dict, List

import numpy as np

from autofit_csv.formats.typed import TypedColumn

#: The longest string value of a FITS header card: 80 characters less ``TCOMMnnn= ''``.
CARD_TEXT = 68


def card_text(text: str, width: int = CARD_TEXT) -> str:
    """
    ``text`` as a FITS header string value fits in one card: ASCII only (accents dropped,
    dashes as ``-``, other characters as ``?``), on one line, cut with ``...`` to ``width``
    characters counting the doubling of single quotes FITS applies.

    Parameters
    ----------
    text
        The description.
    width
        The room in the card.

    Returns
    -------
    The text to put in the card.
    """
    plain = unicodedata.normalize("NFKD", " ".join(text.split()))
    plain = "".join(_ascii(c) for c in plain if not unicodedata.combining(c))
    if _card_length(plain) <= width:
        return plain
    while _card_length(plain) + 3 > width:
        plain = plain[:-1]
    return plain + "..."


def _ascii(character: str) -> str:
    if character.isascii():
        return character
    return "-" if unicodedata.category(character) == "Pd" else "?"


def _card_length(text: str) -> int:
    return len(text) + text.count("'")


def fits_hdu(columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    The columns as an ``astropy.io.fits.BinTableHDU`` with ``TCOMMn`` cards.
    """
    from astropy.io import fits

    _check_names(columns)
    fits_columns = []
    for column in columns:
        if column.is_number:
            values = column.values.copy()
            values[column.mask] = np.nan
            fits_columns.append(fits.Column(name=column.header, format="D", array=values))
        else:
            encoded = _utf8(column.values)
            width = max(encoded.dtype.itemsize, 1)
            fits_columns.append(
                fits.Column(name=column.header, format=f"{width}A", array=encoded)
            )
    # Bytes in, bytes kept: otherwise astropy decodes the text for access and encodes it again
    # when writing, a third of the time of a save.
    hdu = fits.BinTableHDU.from_columns(fits_columns, character_as_bytes=True)
    for number, column in enumerate(columns, start=1):
        description = descriptions.get(column.header)
        if description:
            # After TFORMn, where the FITS standard's examples put TCOMMn.
            hdu.header.set(
                f"TCOMM{number}", card_text(description), after=f"TFORM{number}"
            )
    return hdu


def _check_names(columns: List[TypedColumn]):
    """
    Raises
    ------
    ValueError
        A header FITS cannot hold as a column name (``TTYPEn`` is one card of ASCII text).
    """
    for column in columns:
        name = column.header
        if not name.isascii() or _card_length(name) > CARD_TEXT:
            raise ValueError(
                f"Cannot write column {name!r} to FITS: a FITS column name is ASCII text of at "
                f"most {CARD_TEXT} characters. Give the column a shorter name, or save as "
                f".parquet or .ecsv, which take any header."
            )


def _utf8(texts: list) -> np.ndarray:
    """
    The texts as an array of UTF-8 bytes (astropy itself accepts only ASCII).
    """
    try:
        return np.array(texts, dtype=bytes)  # numpy encodes ASCII in C
    except UnicodeEncodeError:
        return np.array([text.encode("utf-8") for text in texts], dtype=bytes)


def write_fits(temporary: Path, columns: List[TypedColumn], descriptions: Dict[str, str]):
    """
    Write the columns as FITS to ``temporary`` (the caller renames it into place).
    """
    from astropy.io import fits

    fits.HDUList([fits.PrimaryHDU(), fits_hdu(columns, descriptions)]).writeto(
        temporary, overwrite=True
    )
