"""
The build report and the counted warnings, checked against counts made independently from the
fixture tree with ``os`` and ``json`` (never with autofit_csv).
"""
import json
import os
import shutil
import warnings
import zipfile
from pathlib import Path

import pytest

from autofit_csv import AutofitCSVWarning, BuildReport, ColumnFunctionError
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT, build, fit_folder, table


def walk_fits(root: Path) -> dict:
    """
    location -> {"folder", "zip", "completed", "files"} for every fit below ``root``: a folder
    with files/search.json, or a zip holding one.
    """
    fits = {}
    for directory, folders, names in os.walk(root):
        if os.path.exists(os.path.join(directory, "files", "search.json")):
            location = os.path.relpath(os.path.dirname(directory), root)
            files = set()
            for inner, _, inner_names in os.walk(os.path.join(directory, "files")):
                files.update(
                    os.path.relpath(os.path.join(inner, n), directory) for n in inner_names
                )
            fits[location] = {
                "folder": directory,
                "completed": ".completed" in names,
                "files": files,
            }
        for name in names:
            if name.endswith(".zip") and name[:-4] not in folders:
                with zipfile.ZipFile(os.path.join(directory, name)) as archive:
                    members = set(archive.namelist())
                fits[os.path.relpath(directory, root)] = {
                    "zip": os.path.join(directory, name),
                    "completed": ".completed" in members,
                    "files": {m for m in members if m.startswith("files/")},
                }
    return fits


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [w for w in caught if issubclass(w.category, AutofitCSVWarning)]


def test_counts_equal_an_independent_walk(tmp_path):
    fits = walk_fits(OUTPUT)
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_x3_columns_with_errors("s", lambda samples: (1.0, 0.5, 1.5), folder="source_pix[2]")
    rows, _ = quiet(table, agg, tmp_path)
    report = agg.report
    assert isinstance(report, BuildReport)

    def in_folder(name):
        return {loc: fit for loc, fit in fits.items() if loc.endswith(f"/{name}")}

    source_lp, source_pix = in_folder("source_lp[1]"), in_folder("source_pix[2]")
    datasets = {loc.rsplit("/", 1)[0] for loc in list(source_lp) + list(source_pix)}
    assert report.fits_found == len(fits) == 8
    assert report.rows == len(rows) == len(datasets)
    with_summary = [f for f in source_lp.values() if "files/samples_summary.json" in f["files"]]
    with_samples = [f for f in source_pix.values() if "files/samples.csv" in f["files"]]
    assert report.fits_used == len(with_summary) + len(with_samples)

    unfinished = [f for f in source_lp.values() if not f["completed"]]
    assert len(unfinished) == 1 and "files/samples_summary.json" not in unfinished[0]["files"]
    # Every dataset has a source_lp[1] fit, so the unfinished one is er's only blank.
    assert datasets == {loc.rsplit("/", 1)[0] for loc in source_lp}
    assert report.blank["er"] == {"files/samples_summary.json is missing": [unfinished[0]["folder"]]}

    without_samples = sorted(f["folder"] for f in source_pix.values() if f not in with_samples)
    assert len(without_samples) == 1
    assert report.blank["s"]["files/samples.csv is missing (samples output switched off?)"] == without_samples
    no_pix = sorted(datasets - {loc.rsplit("/", 1)[0] for loc in source_pix})
    assert report.blank["s_upper"]["no fit in folder 'source_pix[2]'"] == no_pix
    assert report.blank_count("s_upper") == len(rows) - len(with_samples)


def test_rows_without_a_fit_in_a_folder_are_reported_by_key(tmp_path):
    fits = walk_fits(OUTPUT)
    agg = build()
    agg.add_column("lp", model_path=ER, folder="source_lp[1]")
    agg.add_column("pix", model_path=ER, folder="source_pix[2]")
    quiet(table, agg, tmp_path)
    datasets = {loc.rsplit("/", 1)[0] for loc in fits}
    with_pix = {loc.rsplit("/", 1)[0] for loc in fits if loc.endswith("source_pix[2]")}
    assert agg.report.blank["pix"]["no fit in folder 'source_pix[2]'"] == sorted(datasets - with_pix)


def test_warning_counted_once_per_column_and_reason(output_copy, tmp_path):
    fits = walk_fits(output_copy)
    removed = []
    for location, fit in fits.items():
        path = Path(fit.get("folder", "")) / "files" / "latent" / "latent_summary.json"
        if "folder" in fit and path.exists():
            path.unlink()
            removed.append(fit["folder"])
    assert len(removed) >= 6
    missing = sorted(
        fit["folder"]
        for fit in fits.values()
        if "folder" in fit and not (Path(fit["folder"]) / "files/latent/latent_summary.json").exists()
    )
    agg = build(output_copy)
    agg.add_column("mass", model_path=EINSTEIN_MASS, error="values_at_sigma_3")
    _, caught = quiet(table, agg, tmp_path)
    about = [str(w.message) for w in caught if "latent_summary.json is missing" in str(w.message)]
    assert len(about) == 1, about
    message = about[0]
    assert message.startswith(f"files/latent/latent_summary.json is missing: {len(missing)} fit(s) (")
    named = message.split(" (", 1)[1].split(")", 1)[0].split(", ")
    assert len(named) == 6 and named[-1] == "..."
    assert all(name in missing for name in named[:5])
    for header in ("mass", "mass_lower_3_sigma", "mass_upper_3_sigma"):
        assert sorted(agg.report.blank[header]["files/latent/latent_summary.json is missing"]) == missing


def test_str_is_a_short_table(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    quiet(table, agg, tmp_path)
    text = str(agg.report)
    lines = text.splitlines()
    assert lines[0].startswith(f"{agg.report.rows} rows from {agg.report.fits_used} of 8 fits")
    er_line = next(line for line in lines if line.startswith("er "))
    assert er_line.split()[1:3] == [str(agg.report.rows - 1), "1"]
    assert "files/samples_summary.json is missing (1)" in er_line
    assert len(lines) <= 10


def test_to_dict_and_save_round_trip(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    quiet(table, agg, tmp_path)
    path = agg.report.save(tmp_path / "report.json")
    data = json.loads(path.read_text())
    assert data == agg.report.to_dict()
    assert data["rows"] == agg.report.rows and data["headers"] == ["row", "er"]
    assert data["blank"]["er"] == agg.report.blank["er"]


def test_report_before_and_after_every_build(tmp_path):
    agg = build()
    assert agg.report is None
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    quiet(lambda: list(agg.rows()))
    first = agg.report.to_dict()
    quiet(agg.to_dataframe)
    assert agg.report.to_dict() == first


def test_processes_give_the_same_report_and_warnings(output_copy, tmp_path):
    (fit_folder("vis/lens_001/source_lp[1]", output_copy) / "files/info.json").unlink()

    def made(processes):
        agg = build(output_copy, processes=processes)
        agg.add_column("er", model_path=ER, folder="source_lp[1]", error="errors_at_sigma_1")
        agg.add_info_column("band", key="band", folder="source_lp[1]")
        agg.add_column("pix", model_path=ER, folder="source_pix[2]")
        _, caught = quiet(agg.save, tmp_path / f"{processes}.csv")
        return agg.report.to_dict(), [str(w.message) for w in caught]

    assert made(2) == made(1)


class ShoutWarning(UserWarning):
    pass


def shouting(instance):
    warnings.warn("the user's own words", ShoutWarning)
    return 1.0


def test_user_function_warnings_keep_their_category_in_workers(tmp_path):
    agg = build(processes=2)
    agg.add_column("x", latent_func=shouting, folder="source_lp[1]")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg.save(tmp_path / "t.csv")
    theirs = [w for w in caught if w.category is ShoutWarning]
    assert theirs and str(theirs[0].message) == "the user's own words"


@pytest.mark.parametrize("strict", [False, True])
def test_function_failing_for_every_fit_stops_the_build(tmp_path, strict):
    path = tmp_path / "t.csv"
    path.write_text("previous\n")
    agg = build(strict=strict)

    def broken(instance):
        return instance.no_such_attribute

    agg.add_column("x", latent_func=broken, folder="source_lp[1]")
    with pytest.raises(ColumnFunctionError, match=r"column 'x'.*broken raised AttributeError"):
        quiet(agg.save, path)
    assert path.read_text() == "previous\n"


def test_function_failing_for_some_fits_only_blanks_them(tmp_path):
    agg = build()

    def picky(instance):
        radius = instance.galaxies.lens.mass.einstein_radius
        if radius > 1.3:
            raise ValueError("too big")
        return radius

    agg.add_column("x", latent_func=picky, folder="source_lp[1]")
    rows, caught = quiet(table, agg, tmp_path)
    blank = agg.report.blank["x"]["picky raised ValueError"]
    assert blank and all(rows_key_for(label) in rows for label in blank)
    assert any("picky raised ValueError" in str(w.message) and "too big" in str(w.message) for w in caught)


def rows_key_for(label: str) -> str:
    parts = Path(label).parts
    index = parts.index("output")
    return "/".join(parts[index + 1 : -2])


def test_mixed_row_keys_are_said_at_add_time():
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with pytest.warns(AutofitCSVWarning, match=r"no folder=.*'source_lp\[1\]'.*folder="):
        agg.add_computed_column("n", lambda fit: 1)
    agg = build()
    agg.add_computed_column("n", lambda fit: 1)
    with pytest.warns(AutofitCSVWarning, match="other columns have none"):
        agg.add_column("er", model_path=ER, folder="source_lp[1]")


def test_computed_column_takes_a_folder(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AutofitCSVWarning)
        agg.add_computed_column("n", lambda fit: fit.name, folder="source_lp[1]")
    rows, _ = quiet(table, agg, tmp_path)
    assert rows["vis/lens_001"]["n"] == "source_lp[1]"


def test_an_empty_text_value_is_a_blank_cell_the_report_names(output_copy, tmp_path):
    # info.json's "band": "" writes a blank CSV cell (and a null / masked one in the other
    # formats); the report said the column had no blank cell.
    info_path = fit_folder("vis/lens_003/source_lp[1]", output_copy) / "files" / "info.json"
    info = json.loads(info_path.read_text())
    info["band"] = ""
    info_path.write_text(json.dumps(info))
    agg = build(output_copy)
    agg.add_info_column("band", key="band", folder="source_lp[1]")
    rows, _ = quiet(table, agg, tmp_path)
    blank_rows = sorted(key for key, row in rows.items() if row["band"] == "")
    assert "vis/lens_003" in blank_rows
    named = [who for reasons in agg.report.blank["band"].values() for who in reasons]
    assert agg.report.blank_count("band") == len(blank_rows)
    assert str(fit_folder("vis/lens_003/source_lp[1]", output_copy)) in named


def test_a_build_left_early_is_incomplete_not_ok():
    agg = build()
    agg.add_info_column("band", key="band", folder="source_pix[2]")
    rows = agg.rows()
    next(rows)
    rows.close()  # the caller stops reading
    assert agg.report.complete is False and agg.report.ok is False
    assert str(agg.report).startswith("INCOMPLETE (the build stopped): ")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        list(agg.rows())
    assert agg.report.complete is True


def test_a_failed_build_is_incomplete(tmp_path):
    agg = build()
    agg.add_column("x", latent_func=lambda instance: instance.nothing, folder="source_lp[1]")
    with pytest.raises(ColumnFunctionError):
        quiet(agg.save, tmp_path / "t.csv")
    assert agg.report.ok is False


def test_a_folder_name_that_is_not_utf8_is_written_with_escapes(output_copy, tmp_path):
    import pandas

    old = output_copy / "vis" / "lens_003"
    new = os.fsdecode(os.fsencode(str(output_copy / "vis" / "lens_")) + b"\xff003")
    os.rename(old, new)
    for search in Path(new).rglob("files/search.json"):
        raw = json.loads(search.read_text())
        raw["arguments"]["unique_tag"] = Path(new).name
        raw["arguments"]["paths"]["arguments"]["unique_tag"] = Path(new).name
        search.write_text(json.dumps(raw))
    agg = build(output_copy)
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    for suffix in (".csv", ".parquet", ".html"):
        quiet(agg.save, tmp_path / f"t{suffix}")
    keys = list(pandas.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)["row"])
    assert "vis/lens_\\xff003" in keys and len(keys) == agg.report.rows
