import warnings

import pytest

from autofit_csv import ColumnFunctionError
from test_autofit_csv.conftest import ER, build, fit_folder, sample_value, table


def double_einstein_radius(instance):
    return instance.galaxies.lens.mass.einstein_radius * 2.0


@pytest.mark.parametrize(
    "use_max_lh_instance, section",
    [(True, "max_log_likelihood_sample"), (False, "median_pdf_sample")],
)
def test_function_of_instance(make, tmp_path, use_max_lh_instance, section):
    agg = make()
    agg.add_column(
        "er_x2",
        latent_func=double_einstein_radius,
        folder="source_lp[1]",
        use_max_lh_instance=use_max_lh_instance,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in ("vis/lens_001", "vis/lens_002", "nir/lens_001"):
        expected = sample_value(f"{key}/source_lp[1]", ER, section) * 2.0
        assert float(rows[key]["er_x2"]) == expected


def test_instance_sees_linked_prior_at_both_paths(make, tmp_path):
    agg = make()
    agg.add_column(
        "same",
        latent_func=lambda i: i.galaxies.lens.mass.centre[0] == i.galaxies.source.bulge.centre[0],
        folder="source_lp[1]",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert table(agg, tmp_path)["vis/lens_001"]["same"] == "True"


def test_dict_result_spreads_into_columns(make, tmp_path):
    agg = make()
    agg.add_column(
        "lens",
        latent_func=lambda i: {
            "er": i.galaxies.lens.mass.einstein_radius,
            "redshift": i.galaxies.lens.redshift,
        },
        folder="source_lp[1]",
    )
    assert agg.headers == ["row", "lens_er", "lens_redshift"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = table(agg, tmp_path)["vis/lens_002"]
    assert float(row["lens_er"]) == sample_value("vis/lens_002/source_lp[1]", ER)
    assert float(row["lens_redshift"]) == 0.5


def failing(instance):
    if instance.galaxies.lens.mass.einstein_radius > 1.3:
        raise ZeroDivisionError("too big")
    return 1.0


def test_raising_function_blanks_cell_and_warns_with_column_and_fit(make, tmp_path):
    agg = make()
    agg.add_column("f", latent_func=failing, folder="source_lp[1]")
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    big = [
        key
        for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001")
        if sample_value(f"{key}/source_lp[1]", ER) > 1.3
    ]
    assert big, "the fixture needs a fit the function fails on"
    messages = [str(w.message) for w in record]
    for key in big:
        assert rows[key]["f"] == ""
        assert rows[key]["er"] != ""
        assert any(
            "column 'f'" in m and "ZeroDivisionError" in m and f"{key}/source_lp[1]" in m
            for m in messages
        )
    small = [k for k in ("vis/lens_002",) if k not in big]
    for key in small:
        assert rows[key]["f"] == "1.0"


def test_strict_stops_with_context(make, tmp_path):
    agg = make(strict=True)
    agg.add_column("f", latent_func=failing, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ColumnFunctionError, match="column 'f'.*ZeroDivisionError.*too big"):
            agg.save(tmp_path / "t.csv")


def changing_result(instance):
    radius = instance.galaxies.lens.mass.einstein_radius
    if radius < 1.0:
        return radius  # a value where the other fits give a dict
    if radius < 1.3:
        return {"radius": radius, "extra": 1.0}
    return {"radius": radius}


def test_result_of_another_shape_is_said_and_blanked(tmp_path):
    keys = ("nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003")
    radii = {key: sample_value(f"{key}/source_lp[1]", ER) for key in keys}
    # The first row's fit (nir/lens_001) sets the headers: it must give a dict here.
    assert radii["nir/lens_001"] >= 1.3
    assert any(r < 1.0 for r in radii.values()) and any(1.0 <= r < 1.3 for r in radii.values())
    agg = build()
    agg.add_column("f", latent_func=changing_result, folder="source_lp[1]")
    assert agg.headers == ["row", "f_radius"]
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    messages = [str(w.message) for w in record]
    blank = agg.report.blank.get("f_radius", {})
    for key, radius in radii.items():
        label = str(fit_folder(f"{key}/source_lp[1]"))
        if radius < 1.0:
            assert rows[key]["f_radius"] == ""
            assert label in blank["changing_result returned another shape than for the first fit"]
        else:
            assert float(rows[key]["f_radius"]) == radius
        if 1.0 <= radius < 1.3:
            assert any(
                m.startswith("changing_result returned keys that are not headers (not written): ")
                and label in m
                for m in messages
            )
    assert any("dict with keys ['radius']" in m for m in messages)