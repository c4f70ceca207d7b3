import json
import warnings

import pytest

from autofit_csv import AggregatorCSV
from test_autofit_csv.conftest import OUTPUT_RERUN, build, fit_folder, read_json, table


def test_info_column(make, tmp_path):
    agg = make()
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    agg.add_info_column("id_str", key="id_str", folder="source_lp[1]")
    agg.add_info_column("truth", key="einstein_radius_true", folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in ("vis/lens_001", "nir/lens_001", "vis/lens_003"):
        info = read_json(f"{key}/source_lp[1]", "info")
        assert rows[key]["band"] == info["band"]
        assert rows[key]["id_str"] == info["id_str"]
        assert float(rows[key]["truth"]) == info["einstein_radius_true"]
    assert rows["nir/lens_001"]["band"] == "nir"


def test_info_column_with_dotted_key_into_nested_info(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rerun warning
        agg = build(OUTPUT_RERUN)
        agg.add_info_column("band", key="survey.band", folder="source_lp[1]")
        agg.add_info_column("field", key="survey.field", folder="source_lp[1]")
        rows = table(agg, tmp_path)
    info = json.loads(next((OUTPUT_RERUN / "vis/lens_001/source_lp[1]").glob("*/files/info.json")).read_text())
    assert rows["vis/lens_001"]["band"] == info["survey"]["band"] == "vis"
    assert rows["vis/lens_001"]["field"] == info["survey"]["field"]


def test_json_file_found_from_row_key(tmp_path):
    for name, value in (("a", 1.5), ("b", 2.25)):
        (tmp_path / "data" / name).mkdir(parents=True)
        (tmp_path / "data" / name / "result.json").write_text(json.dumps({"x": {"y": value}}))
    agg = AggregatorCSV.from_rows(["b", "a"])
    agg.add_json_column("y", path=str(tmp_path / "data" / "{row}" / "result.json"), key="x.y")
    rows = table(agg, tmp_path)
    assert list(rows) == ["a", "b"]
    assert rows["a"]["y"] == "1.5" and rows["b"]["y"] == "2.25"


def test_json_template_with_row_name(make, tmp_path):
    (tmp_path / "lens_001").mkdir()
    (tmp_path / "lens_001" / "r.json").write_text('{"flag": true}')
    agg = make()
    agg.add_column("er", model_path="galaxies.lens.mass.einstein_radius", folder="source_lp[1]")
    agg.add_json_column("flag", path=str(tmp_path / "{row.name}" / "r.json"), key="flag")
    with pytest.warns(Warning, match=r"\{row.name\}/r.json is missing: 3 row\(s\).*lens_002/r.json") as record:
        rows = table(agg, tmp_path)
    assert len([w for w in record if "r.json" in str(w.message)]) == 1
    template = str(tmp_path / "{row.name}" / "r.json")
    assert agg.report.blank["flag"] == {
        f"{template} is missing": ["vis/lens_002", "vis/lens_003", "vis/lens_004"]
    }
    assert rows["vis/lens_001"]["flag"] == "True"
    assert rows["nir/lens_001"]["flag"] == "True"
    assert rows["vis/lens_002"]["flag"] == ""
    assert rows["vis/lens_002"]["er"] != ""


def test_key_no_fit_has_is_refused_with_closest_keys(make):
    from autofit_csv import InfoKeyError

    agg = make()
    with pytest.raises(InfoKeyError, match=r"'id_sr' is in no files/info.json.*Closest keys: id_str"):
        agg.add_info_column("nope", key="id_sr", folder="source_lp[1]")
    assert agg.headers == ["row"]


def test_key_some_fits_lack_is_blank_there_and_reported(output_copy, tmp_path):
    folder = fit_folder("vis/lens_002/source_lp[1]", output_copy)
    info = json.loads((folder / "files/info.json").read_text())
    del info["band"]
    (folder / "files/info.json").write_text(json.dumps(info))
    agg = build(output_copy)
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    with pytest.warns(Warning, match=r"key not in the file: 1 fit\(s\).*lens_002.*no key 'band'"):
        rows = table(agg, tmp_path)
    assert rows["vis/lens_002"]["band"] == ""
    assert rows["vis/lens_001"]["band"] == read_json("vis/lens_001/source_lp[1]", "info")["band"]
    assert agg.report.blank["band"]["key not in the file"] == [str(folder)]


def test_nested_info_value_is_written_as_json(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rerun warning
        agg = build(OUTPUT_RERUN)
        agg.add_info_column("survey", key="survey", folder="source_lp[1]")
        rows = table(agg, tmp_path)
    info = json.loads(next((OUTPUT_RERUN / "vis/lens_001/source_lp[1]").glob("*/files/info.json")).read_text())
    assert isinstance(info["survey"], dict)
    assert json.loads(rows["vis/lens_001"]["survey"]) == info["survey"]
