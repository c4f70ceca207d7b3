"""
Every bad-input rule of the contract: the message says what and where, and nothing else is lost.
"""
import pytest

from autofit_csv import FolderError, ModelPathError
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, build, fit_folder, sample_value, table


def messages(record) -> list:
    return [str(w.message) for w in record]


def test_unknown_model_path_names_path_folder_and_closest_paths(make):
    agg = make()
    with pytest.raises(ModelPathError) as info:
        agg.add_column("er", model_path="galaxies.lens.mass.einstien_radius", folder="source_lp[1]")
    message = str(info.value)
    assert "'galaxies.lens.mass.einstien_radius'" in message
    assert "'source_lp[1]'" in message
    assert "Closest model paths: galaxies.lens.mass.einstein_radius" in message
    assert "Closest latent paths: galaxies.lens.mass.einstein_mass" in message


def test_unknown_path_with_no_close_latent_match_says_so(make):
    with pytest.raises(ModelPathError, match="No close latent paths"):
        make().add_column("x", model_path="galaxies.source.bulge.intensityy", folder="source_pix[2]")


def test_folder_matching_no_fit_is_an_error(make):
    with pytest.raises(FolderError, match="matches no fit"):
        make().add_column("er", model_path=ER, folder="source_lp[3]")


def test_fit_still_running_blank_row_with_warning(make, tmp_path):
    agg = make()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    assert rows["vis/lens_004"]["er"] == ""
    assert rows["vis/lens_001"]["er"] != ""
    assert any(
        "vis/lens_004/source_lp[1]" in m and "files/samples_summary.json" in m and ".completed" in m
        for m in messages(record)
    )


def test_missing_latent_summary(output_copy, tmp_path):
    (fit_folder("vis/lens_002/source_lp[1]", output_copy) / "files/latent/latent_summary.json").unlink()
    agg = build(output_copy)
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_lp[1]")
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    assert rows["vis/lens_002"]["mass"] == ""
    assert float(rows["vis/lens_002"]["er"]) == sample_value("vis/lens_002/source_lp[1]", ER)
    assert rows["vis/lens_001"]["mass"] != ""
    folder = str(fit_folder("vis/lens_002/source_lp[1]", output_copy))
    assert any(folder in m and "files/latent/latent_summary.json is missing" in m for m in messages(record))


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_unreadable_json_names_fit_and_file(output_copy, tmp_path, damage):
    path = fit_folder("vis/lens_003/source_lp[1]", output_copy) / "files/samples_summary.json"
    text = path.read_text()
    path.write_text(text[: len(text) // 2] if damage == "truncate" else "not json at all")
    agg = build(output_copy)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_info_column("id", key="id_str", folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    assert rows["vis/lens_003"]["er"] == ""
    assert rows["vis/lens_003"]["id"] == "lens_003"
    assert float(rows["vis/lens_001"]["er"]) == sample_value("vis/lens_001/source_lp[1]", ER)
    folder = str(fit_folder("vis/lens_003/source_lp[1]", output_copy))
    assert any(
        folder in m and "files/samples_summary.json is not valid JSON" in m for m in messages(record)
    )


def test_missing_file_warned_once_per_fit(make, tmp_path):
    agg = make()
    for name in ("a", "b", "c"):
        agg.add_column(name, model_path=ER, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        table(agg, tmp_path)
    about_lens_004 = [m for m in messages(record) if "lens_004" in m and "samples_summary" in m]
    assert len(about_lens_004) == 1


def test_row_without_a_fit_in_one_folder_is_said_once(make, tmp_path):
    agg = make()
    agg.add_column("er", model_path=ER, folder="source_pix[2]", error="values_at_sigma_3")
    agg.add_column("lp", model_path=ER, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    assert rows["nir/lens_001"]["er"] == "" and rows["nir/lens_001"]["lp"] != ""
    absent = [m for m in messages(record) if "no fit in folder" in m]
    assert len(absent) == 1
    assert absent[0].startswith("no fit in folder 'source_pix[2]': 2 row(s) (nir/lens_001, vis/lens_004)")
    assert agg.report.blank["er_upper_3_sigma"]["no fit in folder 'source_pix[2]'"] == [
        "nir/lens_001",
        "vis/lens_004",
    ]


def test_path_in_some_fits_only(make, tmp_path):
    # Only the nir fit models lens light.
    path = "galaxies.lens.bulge.intensity"
    agg = make()
    agg.add_column("lens_light", model_path=path, folder="source_lp[1]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    assert float(rows["nir/lens_001"]["lens_light"]) == sample_value("nir/lens_001/source_lp[1]", path)
    assert rows["vis/lens_001"]["lens_light"] == ""
    assert any("'galaxies.lens.bulge.intensity' is not in" in m and "vis/lens_001" in m for m in messages(record))
