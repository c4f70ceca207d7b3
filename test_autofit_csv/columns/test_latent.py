import warnings

from test_autofit_csv.conftest import EINSTEIN_MASS, ER, interval, sample_value, table


def test_latent_path_is_read_from_latent_summary(make, tmp_path):
    agg = make()
    agg.add_column("einstein_mass", model_path=EINSTEIN_MASS, folder="source_lp[1]", error="values_at_sigma_3")
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    # The columns decided their own kind from the fits: the latent summary, then the samples one.
    assert [column.is_latent for column in agg._columns] == [True, True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in ("vis/lens_001", "vis/lens_003", "nir/lens_001"):
        location = f"{key}/source_lp[1]"
        assert float(rows[key]["einstein_mass"]) == sample_value(location, EINSTEIN_MASS, latent=True)
        lower, upper = interval(location, EINSTEIN_MASS, "values_at_sigma_3", latent=True)
        assert float(rows[key]["einstein_mass_lower_3_sigma"]) == lower
        assert float(rows[key]["einstein_mass_upper_3_sigma"]) == upper


def test_latent_max_likelihood(make, tmp_path):
    agg = make()
    agg.add_column("m", model_path=EINSTEIN_MASS, folder="source_lp[1]", use_max_lh_instance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_002"]
    expected = sample_value(
        "vis/lens_002/source_lp[1]", EINSTEIN_MASS, "max_log_likelihood_sample", latent=True
    )
    assert float(row["m"]) == expected
