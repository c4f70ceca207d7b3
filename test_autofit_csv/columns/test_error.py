import warnings

import pytest

from test_autofit_csv.conftest import ER, build, interval, read_json, table

LOCATION = "vis/lens_001/source_lp[1]"


@pytest.mark.parametrize(
    "error, lower, upper",
    [
        ("values_at_sigma_3", "er_lower_3_sigma", "er_upper_3_sigma"),
        ("values_at_sigma_1", "er_lower_1_sigma", "er_upper_1_sigma"),
        ("errors_at_sigma_3", "er_lower_error_3_sigma", "er_upper_error_3_sigma"),
        ("errors_at_sigma_1", "er_lower_error_1_sigma", "er_upper_error_1_sigma"),
    ],
)
def test_interval_headers_and_cells(make, tmp_path, error, lower, upper):
    agg = make()
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=error)
    assert agg.headers == ["row", "er", lower, upper]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_001"]
    expected_lower, expected_upper = interval(LOCATION, ER, error)
    assert float(row[lower]) == expected_lower
    assert float(row[upper]) == expected_upper


def test_error_list_gives_pairs_in_order(make, tmp_path):
    agg = make()
    agg.add_column(
        "er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"]
    )
    assert agg.headers == [
        "row",
        "er",
        "er_lower_3_sigma",
        "er_upper_3_sigma",
        "er_lower_error_1_sigma",
        "er_upper_error_1_sigma",
    ]


def test_interval_of_linked_prior_read_through_its_alias(make, tmp_path):
    # values_at_sigma_3 may write the linked centre under the other path than the samples do.
    raw = read_json(LOCATION, "samples_summary")["arguments"]
    section = raw["values_at_sigma_3"]["arguments"]
    lens, source = "galaxies.lens.mass.centre.centre_0", "galaxies.source.bulge.centre.centre_0"
    written = lens if lens in section else source
    expected = tuple(section[written]["values"])
    agg = make()
    agg.add_column("c_lens", model_path=lens, folder="source_lp[1]", error="values_at_sigma_3")
    agg.add_column("c_source", model_path=source, folder="source_lp[1]", error="values_at_sigma_3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_001"]
    for name in ("c_lens", "c_source"):
        assert (float(row[f"{name}_lower_3_sigma"]), float(row[f"{name}_upper_3_sigma"])) == expected


def test_unknown_error_kind_is_refused(make):
    agg = make()
    with pytest.raises(ValueError, match="values_at_sigma_2.*values_at_sigma_1"):
        agg.add_column("er", model_path=ER, folder="source_lp[1]", error="values_at_sigma_2")


def test_refused_call_adds_no_column():
    agg = build()
    with pytest.raises(ValueError):
        agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "nope"])
    assert agg.headers == ["row"]
