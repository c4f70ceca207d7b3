import warnings

import pytest

from test_autofit_csv.conftest import (
    ER,
    read_json,
    read_zipped_json,
    sample_value,
    table,
)

COMPLETE_LP = ["vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001"]


@pytest.fixture
def agg(make):
    return make()


def test_median_pdf_values_match_every_summary(agg, tmp_path):
    agg.add_column("einstein_radius", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in COMPLETE_LP:
        expected = sample_value(f"{key}/source_lp[1]", ER)
        assert float(rows[key]["einstein_radius"]) == expected
        # repr round trip: the text is the shortest text of exactly that float
        assert rows[key]["einstein_radius"] == repr(expected)


def test_max_likelihood_values(agg, tmp_path):
    agg.add_column(
        "einstein_radius_max_lh", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in COMPLETE_LP:
        expected = sample_value(f"{key}/source_lp[1]", ER, "max_log_likelihood_sample")
        assert float(rows[key]["einstein_radius_max_lh"]) == expected
    # The column must tell the two samples apart: they differ in this fit.
    location = "vis/lens_001/source_lp[1]"
    assert sample_value(location, ER) != sample_value(location, ER, "max_log_likelihood_sample")


def test_zipped_fit_is_read(agg, tmp_path):
    agg.add_column("einstein_radius", model_path=ER, folder="source_pix[2]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    raw = read_zipped_json("vis/lens_002/source_pix[2]", "samples_summary")
    expected = raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER]
    assert float(rows["vis/lens_002"]["einstein_radius"]) == expected


@pytest.mark.parametrize("section", ["median_pdf_sample", "max_log_likelihood_sample"])
def test_alias_of_linked_prior_gives_the_same_value(agg, tmp_path, section):
    # The source centre is linked to the lens mass centre: the summary writes one path only.
    raw = read_json("vis/lens_001/source_lp[1]", "samples_summary")
    written = raw["arguments"][section]["arguments"]["kwargs"]["arguments"]
    lens, source = "galaxies.lens.mass.centre.centre_0", "galaxies.source.bulge.centre.centre_0"
    assert (lens in written) != (source in written)
    expected = written.get(lens, written.get(source))
    use_max = section == "max_log_likelihood_sample"
    agg.add_column("lens_centre", model_path=lens, folder="source_lp[1]", use_max_lh_instance=use_max)
    agg.add_column("source_centre", model_path=source, folder="source_lp[1]", use_max_lh_instance=use_max)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_001"]
    assert float(row["lens_centre"]) == expected
    assert float(row["source_centre"]) == expected


def test_values_from_two_searches_share_one_row(agg, tmp_path):
    agg.add_column("er_lp", model_path=ER, folder="source_lp[1]")
    agg.add_column("er_pix", model_path=ER, folder="source_pix[2]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_003"]
    assert float(row["er_lp"]) == sample_value("vis/lens_003/source_lp[1]", ER)
    assert float(row["er_pix"]) == sample_value("vis/lens_003/source_pix[2]", ER)
