"""
Data-quality flags in ``report.problems``, on copies of the fixtures damaged the way a wrong
reader or a broken fit would damage a catalogue.
"""
import json
import os
import warnings
import zipfile
from pathlib import Path

from autofit_csv import AutofitCSVWarning
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT, build, fit_folder, table


def summaries(root: Path, name="samples_summary.json"):
    """
    Every unzipped fit's summary file below ``root``.
    """
    return sorted(Path(d) / "files" / name for d, _, _ in os.walk(root) if (Path(d) / "files" / name).exists())


def rewrite_zips(root: Path, change, name="files/samples_summary.json"):
    for zip_path in root.rglob("*.zip"):
        with zipfile.ZipFile(zip_path) as archive:
            members = {m: archive.read(m) for m in archive.namelist()}
        if name in members:
            members[name] = json.dumps(change(json.loads(members[name]))).encode()
        with zipfile.ZipFile(zip_path, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)


def change_every_summary(root: Path, change, name="samples_summary.json"):
    for path in summaries(root, name):
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    rewrite_zips(root, change, f"files/{name}")


def built(root, define, tmp_path):
    agg = build(root)
    define(agg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = table(agg, tmp_path)
    ours = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    return agg, rows, ours


def median_and_max_lh(agg):
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_1", "values_at_sigma_3"])
    agg.add_column("er_max_lh", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True)
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_lp[1]", error=["values_at_sigma_1", "values_at_sigma_3"])


def test_clean_fixtures_raise_no_flag(tmp_path):
    agg, _, ours = built(OUTPUT, median_and_max_lh, tmp_path)
    assert agg.report.problems == []
    assert not any("data-quality" in m for m in ours)


def test_max_likelihood_section_holding_the_median_is_flagged(output_copy, tmp_path):
    def median_as_max_lh(raw):
        raw["arguments"]["max_log_likelihood_sample"] = raw["arguments"]["median_pdf_sample"]
        return raw

    change_every_summary(output_copy, median_as_max_lh)
    agg, rows, ours = built(output_copy, median_and_max_lh, tmp_path)
    filled = sum(1 for row in rows.values() if row["er"] != "")
    assert filled >= 3
    (problem,) = [p for p in agg.report.problems if "er_max_lh" in p]
    assert problem.startswith(
        f"er (median_pdf_sample) and er_max_lh (max_log_likelihood_sample) are equal in every one of {filled} rows"
    )
    assert any(m.startswith("1 data-quality problem(s): er (median_pdf_sample)") for m in ours)


def test_latent_one_sigma_holding_three_sigma_is_flagged(output_copy, tmp_path):
    def three_as_one(raw):
        raw["arguments"]["values_at_sigma_1"] = raw["arguments"]["values_at_sigma_3"]
        return raw

    change_every_summary(output_copy, three_as_one, "latent/latent_summary.json")
    agg, _, _ = built(output_copy, median_and_max_lh, tmp_path)
    flagged = [p for p in agg.report.problems if p.startswith("mass_lower_1_sigma")]
    assert flagged and "mass_lower_3_sigma (values_at_sigma_3.lower)" in flagged[0]
    assert not any(p.startswith("er_") or p.startswith("er ") for p in agg.report.problems)


def test_value_outside_its_own_interval_and_negative_error(output_copy, tmp_path):
    path = fit_folder("vis/lens_002/source_lp[1]", output_copy) / "files/samples_summary.json"
    raw = json.loads(path.read_text())
    median = raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER]
    raw["arguments"]["values_at_sigma_3"]["arguments"][ER]["values"] = [median + 0.1, median + 0.2]
    raw["arguments"]["errors_at_sigma_1"]["arguments"][ER]["values"][0] = -0.5
    path.write_text(json.dumps(raw))

    def define(agg):
        agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])

    agg, rows, _ = built(output_copy, define, tmp_path)
    assert float(rows["vis/lens_002"]["er_lower_3_sigma"]) > float(rows["vis/lens_002"]["er"])
    assert (
        "er: outside its own interval (er_lower_3_sigma > er or er_upper_3_sigma < er) in "
        "1 row(s): 'vis/lens_002'"
    ) in agg.report.problems
    assert "er_lower_error_1_sigma: negative error in 1 row(s): 'vis/lens_002'" in agg.report.problems


def test_non_finite_value_is_flagged(output_copy, tmp_path):
    path = fit_folder("vis/lens_003/source_lp[1]", output_copy) / "files/samples_summary.json"
    raw = json.loads(path.read_text())
    raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER] = float("nan")
    path.write_text(json.dumps(raw))  # json writes NaN, as Python's json reads it

    def define(agg):
        agg.add_column("er", model_path=ER, folder="source_lp[1]")

    agg, rows, _ = built(output_copy, define, tmp_path)
    assert rows["vis/lens_003"]["er"] == "nan"
    assert "er: non-finite value (NaN or infinity) in 1 row(s): 'vis/lens_003'" in agg.report.problems


def test_columns_that_differ_in_every_row_are_not_called_equal(output_copy, tmp_path):
    # -1.0 and -2.0 have the same Python hash: a check by hash alone called them equal.
    def minus_one_and_two(raw):
        raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER] = -1.0
        raw["arguments"]["max_log_likelihood_sample"]["arguments"]["kwargs"]["arguments"][ER] = -2.0
        return raw

    change_every_summary(output_copy, minus_one_and_two)

    def define(agg):
        agg.add_column("er", model_path=ER, folder="source_lp[1]")
        agg.add_column("er_max_lh", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True)

    agg, rows, _ = built(output_copy, define, tmp_path)
    filled = [row for row in rows.values() if row["er"] != ""]
    assert len(filled) >= 3
    assert all((row["er"], row["er_max_lh"]) == ("-1.0", "-2.0") for row in filled)
    assert agg.report.problems == []
