"""
The feature request's own calls, almost verbatim, on a fixture whose model has those paths.
"""
import warnings
from os import path

import autofit as af

import autofit_csv  # noqa: F401
from test_autofit_csv.conftest import ER, OUTPUT, interval, read_csv, sample_value, samples_column


def test_feature_request_calls(tmp_path):
    agg = af.AggregatorCSV.from_directory(
        directory=path.join(OUTPUT),
    )

    agg.add_column(
        folder="source_lp[1]",
        name="einstein_radius_max_lh",
        model_path="galaxies.lens.mass.einstein_radius",
    )
    agg.add_column(
        folder="source_lp[1]",
        name="einstein_radius_median_pdf",
        model_path="galaxies.lens.mass.einstein_radius",
        error="values_at_sigma_3",
    )

    def einstein_radius_x2_from(instance):
        einstein_radius = instance.galaxies.lens.mass.einstein_radius
        return einstein_radius * 2.0

    agg.add_column(
        folder="source_lp[1]",
        name="einstein_radius_x2_max_lh",
        latent_func=einstein_radius_x2_from,
        use_max_lh_instance=True,
    )

    def einstein_radius_x2_via_samples_from(samples):
        random_draws = 50
        einstein_radius_x2_list = []
        for i in range(random_draws):
            instance = samples.draw_randomly_via_pdf()
            einstein_radius_x2 = 2.0 * instance.galaxies.lens.mass.einstein_radius
            einstein_radius_x2_list.append(einstein_radius_x2)
        median_einstein_radius_x2, lower_einstein_radius_x2, upper_einstein_radius_x2 = af.marginalize(
            parameter_list=einstein_radius_x2_list,
            sigma=3.0,
        )
        return median_einstein_radius_x2, lower_einstein_radius_x2, upper_einstein_radius_x2

    agg.add_x3_columns_with_errors(
        folder="source_lp[1]",
        name="einstein_radius_x2",
        samples_func=einstein_radius_x2_via_samples_from,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "result.csv")
    rows = {row["row"]: row for row in read_csv(tmp_path / "result.csv")}

    assert list(next(iter(rows.values()))) == [
        "row",
        "einstein_radius_max_lh",
        "einstein_radius_median_pdf",
        "einstein_radius_median_pdf_lower_3_sigma",
        "einstein_radius_median_pdf_upper_3_sigma",
        "einstein_radius_x2_max_lh",
        "einstein_radius_x2",
        "einstein_radius_x2_lower",
        "einstein_radius_x2_upper",
    ]
    for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001"):
        location = f"{key}/source_lp[1]"
        row = {h: float(v) for h, v in rows[key].items() if h != "row"}
        assert row["einstein_radius_median_pdf"] == sample_value(location, ER)
        assert (
            row["einstein_radius_median_pdf_lower_3_sigma"],
            row["einstein_radius_median_pdf_upper_3_sigma"],
        ) == interval(location, ER, "values_at_sigma_3")
        assert row["einstein_radius_x2_max_lh"] == 2.0 * sample_value(
            location, ER, "max_log_likelihood_sample"
        )
        # Random draws: the numbers must be the doubled einstein radii of this fit's samples.
        doubled = 2.0 * samples_column(location, ER)
        low, high = doubled.min(), doubled.max()
        assert low <= row["einstein_radius_x2_lower"] <= row["einstein_radius_x2"]
        assert row["einstein_radius_x2"] <= row["einstein_radius_x2_upper"] <= high
    assert all(v == "" for h, v in rows["vis/lens_004"].items() if h != "row")
