"""
A catalogue of real fixture fits for the format tests, its expected values read independently
from the fixture JSON, and a real headless Chromium for the HTML page.
"""
import contextlib
import os
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List

import pytest

from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT, fit_folder, sample_value

#: (row key, location of its source_lp[1] fit) of the fixture tree; vis/lens_004 never finished.
LP_FITS = {
    "nir/lens_001": "nir/lens_001/source_lp[1]",
    "vis/lens_001": "vis/lens_001/source_lp[1]",
    "vis/lens_002": "vis/lens_002/source_lp[1]",
    "vis/lens_003": "vis/lens_003/source_lp[1]",
    "vis/lens_004": "vis/lens_004/source_lp[1]",
}
INTENSITY = "galaxies.source.bulge.intensity"

#: Descriptions of the catalogue's headers: a long one (cut in FITS), one with accents and
#: quotes, one with markup; "band" has none.
DESCRIPTIONS = {
    "row": "row key: the folders above the search folder",
    "einstein_radius": f"{ER}, median PDF, folder source_lp[1]",
    "einstein_radius_lower_3_sigma": f"{ER}, lower value at 3 sigma, folder source_lp[1] "
    "(the values_at_sigma_3 section of samples_summary.json, read for every fit of the folder)",
    "einstein_radius_upper_3_sigma": f"{ER}, upper value at 3 sigma, folder source_lp[1]",
    "einstein_mass": f"{EINSTEIN_MASS}, median PDF, folder source_lp[1]",
    "intensity_pix": "source intensity \u2014 Sérsic 'bulge', folder source_pix[2]",
    "id_str": "info.json id_str, folder source_lp[1]",
    "big_lens": "<b>einstein radius > 1</b>, a function of the instance",
    "fit": "image/subplot_fit.png, folder source_lp[1]",
    "fit_pix": "image/subplot_fit.png, folder source_pix[2]",
}
NUMERIC = [
    "einstein_radius",
    "einstein_radius_lower_3_sigma",
    "einstein_radius_upper_3_sigma",
    "einstein_mass",
    "intensity_pix",
]
TEXT = ["row", "id_str", "band", "big_lens"]
IMAGES = ["fit", "fit_pix"]


@dataclass
class Catalogue:
    """
    Rows of a real table over the fixture output, as ``write_table`` takes them.
    """

    headers: List[str]
    rows: List[list]
    descriptions: Dict[str, str] = field(default_factory=lambda: dict(DESCRIPTIONS))
    image_headers: List[str] = field(default_factory=lambda: list(IMAGES))

    def column(self, header: str) -> list:
        position = self.headers.index(header)
        return [row[position] for row in self.rows]

    @property
    def keys(self) -> List[str]:
        return [str(row[0]) for row in self.rows]


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory):
    """
    ``AggregatorCSV.from_directory`` on the fixture output with numeric, text, bool, blank and
    image columns; its ``rows()`` as lists. Image cells are absolute paths of the fits' images,
    the zipped fit's in the folder it was unzipped to (kept until the session ends).
    """
    from autofit_csv import AggregatorCSV

    with contextlib.chdir(tmp_path_factory.mktemp("catalogue")), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = AggregatorCSV.from_directory(OUTPUT)
        agg.add_column("einstein_radius", model_path=ER, folder="source_lp[1]",
                       error="values_at_sigma_3")
        agg.add_column("einstein_mass", model_path=EINSTEIN_MASS, folder="source_lp[1]")
        agg.add_column("intensity_pix", model_path=INTENSITY, folder="source_pix[2]")
        agg.add_info_column("id_str", key="id_str", folder="source_lp[1]")
        agg.add_info_column("band", key="band", folder="source_lp[1]")
        agg.add_column(
            "big_lens",
            latent_func=lambda instance: instance.galaxies.lens.mass.einstein_radius > 1.0,
            folder="source_lp[1]",
        )
        agg.add_image_column("fit", folder="source_lp[1]")
        agg.add_image_column("fit_pix", folder="source_pix[2]")
        headers = agg.headers
        rows = [[row[h] for h in headers] for row in agg.rows()]
    yield Catalogue(headers, rows)
    agg.close()


# ---------------------------------------------------------------------- expected values


def expected_number(key: str, header: str):
    """
    The value a numeric cell must hold, read from the fixture JSON with the json module, or
    None where the fit has none (no fit in the folder, or a fit that never finished).
    """
    from test_autofit_csv.conftest import interval, read_zipped_json

    if header == "intensity_pix":
        location = f"{key}/source_pix[2]"
        if not (OUTPUT / location).is_dir():
            return None
        if list((OUTPUT / location).glob("*.zip")):
            raw = read_zipped_json(location, "samples_summary")
            return raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][
                INTENSITY
            ]
        return sample_value(location, INTENSITY)
    location = LP_FITS[key]
    if not (fit_folder(location) / "files" / "samples_summary.json").exists():
        return None
    if header == "einstein_radius":
        return sample_value(location, ER)
    if header == "einstein_mass":
        return sample_value(location, EINSTEIN_MASS, latent=True)
    lower, upper = interval(location, ER, "values_at_sigma_3")
    return lower if header.endswith("lower_3_sigma") else upper


def expected_image_bytes(key: str, header: str):
    """
    The bytes of the image a cell must point to, read from the fixture folder (or zip), or
    None where the fit has no image.
    """
    location = f"{key}/{'source_pix[2]' if header == 'fit_pix' else 'source_lp[1]'}"
    folder = OUTPUT / location
    if not folder.is_dir():
        return None
    zips = list(folder.glob("*.zip"))
    if zips:
        with zipfile.ZipFile(zips[0]) as archive:
            if "image/subplot_fit.png" in archive.namelist():
                return archive.read("image/subplot_fit.png")
            return None
    image = fit_folder(location) / "image" / "subplot_fit.png"
    return image.read_bytes() if image.exists() else None


# ---------------------------------------------------------------------- Chromium

CHROMIUM = os.environ.get("AUTOFIT_CSV_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("AUTOFIT_CSV_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_HOW = (
    "the HTML page tests need Debian's chromium and chromium-driver "
    "(apt-get install -y chromium chromium-driver, as .ci/run does) and selenium "
    "(pip install -e '.[test]'); other locations: AUTOFIT_CSV_CHROMIUM, AUTOFIT_CSV_CHROMEDRIVER"
)


@pytest.fixture(scope="session")
def browser():
    """
    A real headless Chromium driven by selenium through Debian's chromedriver, with a fresh
    profile and no network traffic of its own. Skips where there is none, or fails where
    ``AUTOFIT_CSV_REQUIRE_CHROMIUM`` is set (as in CI).
    """
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium")
    if missing:
        message = f"missing {', '.join(missing)}: {CHROMIUM_HOW}"
        if os.environ.get("AUTOFIT_CSV_REQUIRE_CHROMIUM"):
            pytest.fail(f"AUTOFIT_CSV_REQUIRE_CHROMIUM is set but {message}")
        pytest.skip(message)
    profile = tempfile.mkdtemp(prefix="autofit_csv_chromium_")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def many_rows(catalogue: Catalogue, count: int) -> List[list]:
    """
    ``count`` rows made of the catalogue's real rows over and over, each with its own key
    (``vis/lens_001/copy_0007``), images included.
    """
    rows = []
    for number in range(count):
        row = list(catalogue.rows[number % len(catalogue.rows)])
        row[0] = f"{row[0]}/copy_{number:04d}"
        rows.append(row)
    return rows
