import json
import warnings

import pytest

from autofit_csv import FolderError
from autofit_csv.rows import RowKey, key_for
from test_autofit_csv.conftest import ER, OUTPUT, OUTPUT_RERUN, build, table


def test_key_is_everything_above_the_folder():
    assert key_for("vis/lens_001/source_lp[1]", ("source_lp[1]",)) == "vis/lens_001"
    assert key_for("vis/lens_001/source_lp[1]", ("lens_001", "source_lp[1]")) == "vis"
    assert key_for("vis/lens_001/source_lp[1]", ()) == "vis/lens_001/source_lp[1]"
    assert key_for("vis/lens_001/source_lp[1]", ("lp[1]",)) is None
    assert key_for("vis/lens_001/source_lp[1]", ("source_lp[?]",)) is None
    assert key_for("vis/lens_001/source_lp[1]", ("source_pix[2]",)) is None


def test_row_key_parts():
    key = RowKey("vis/lens_001")
    assert key.name == "lens_001" and key.parts == ["vis", "lens_001"]
    assert "{row.name}/{row}".format(row=key) == "lens_001/vis/lens_001"


def test_rows_sorted_one_per_key(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = list(table(agg, tmp_path))
    assert rows == ["nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"]


def test_two_part_folder(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER, folder="lens_001/source_lp[1]")
    rows = table(agg, tmp_path)
    assert list(rows) == ["nir", "vis"]


def test_no_folder_is_one_row_per_fit(tmp_path):
    agg = build()
    agg.add_column("er", model_path=ER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    assert len(rows) == 8
    assert "vis/lens_002/source_pix[2]" in rows


def test_folder_matching_nothing_lists_what_exists():
    agg = build()
    with pytest.raises(FolderError) as info:
        agg.add_column("er", model_path=ER, folder="source_lp[?]")
    message = str(info.value)
    assert "source_lp[?]" in message
    assert "'source_lp[1]'" in message and "'source_pix[2]'" in message
    assert "'lens_001/source_lp[1]'" in message


def test_partial_component_does_not_match():
    with pytest.raises(FolderError):
        build().add_info_column("x", key="id_str", folder="lp[1]")


def test_rerun_keeps_higher_likelihood_and_says_so(tmp_path):
    folders = [p for p in (OUTPUT_RERUN / "vis/lens_001/source_lp[1]").iterdir() if p.is_dir()]
    assert len(folders) == 2

    def max_log_likelihood(folder):
        raw = json.loads((folder / "files" / "samples_summary.json").read_text())
        return raw["arguments"]["max_log_likelihood_sample"]["arguments"]["log_likelihood"]

    best = max(folders, key=max_log_likelihood)
    other = min(folders, key=max_log_likelihood)
    assert max_log_likelihood(best) != max_log_likelihood(other)

    with pytest.warns(Warning) as record:
        agg = build(OUTPUT_RERUN)
        agg.add_column("er", model_path=ER, folder="source_lp[1]")
        rows = table(agg, tmp_path)

    expected = json.loads((best / "files" / "samples_summary.json").read_text())["arguments"][
        "median_pdf_sample"
    ]["arguments"]["kwargs"]["arguments"][ER]
    assert float(rows["vis/lens_001"]["er"]) == expected
    (message,) = [str(w.message) for w in record if "rerun not kept" in str(w.message)]
    assert "1 skipped" in message and str(other) in message
    ((label, reason),) = agg.report.skipped
    assert label == str(other)
    assert reason.startswith("rerun not kept") and f"with {best}, kept" in reason


def locations(agg) -> list:
    return sorted(handle.location for handle in agg._index.fits)


def test_locations_from_folders_match_search_json():
    from autofit.aggregator.aggregator import Aggregator
    from autofit_csv import AggregatorCSV

    from_folders = build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_search_json = AggregatorCSV(Aggregator.from_directory(OUTPUT, unzip_temporary=True))
    assert locations(from_folders) == locations(from_search_json)
    assert "vis/lens_002/source_pix[2]" in locations(from_folders)  # the zipped fit


def test_subfolder_root_keeps_whole_locations():
    agg = build(OUTPUT / "vis")
    assert "vis/lens_001/source_lp[1]" in locations(agg)
    assert all(location.startswith("vis/") for location in locations(agg))


def test_folders_renamed_by_hand_fall_back_to_search_json(output_copy):
    (output_copy / "vis").rename(output_copy / "renamed")
    agg = build(output_copy)
    assert "vis/lens_001/source_lp[1]" in locations(agg)
    assert not any(location.startswith("renamed") for location in locations(agg))


def test_zipped_fit_is_named_by_its_zip_in_messages(tmp_path):
    agg = build()
    (handle,) = [h for h in agg._index.fits if h.location == "vis/lens_002/source_pix[2]"]
    assert handle.label.startswith(str(OUTPUT / "vis/lens_002/source_pix[2]"))
    assert handle.label.endswith(".zip")


def test_row_fits_find_keys_in_any_order_and_refuse_others():
    agg = build()
    fits = agg._index.fits_for(("source_lp[1]",))
    keys = list(fits)
    assert keys == sorted(keys) == [
        "nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"
    ]
    # Asked for backwards, twice, and for keys that are not rows (between and beyond them).
    for key in reversed(keys + keys):
        handle = fits[key]
        assert handle.location == f"{key}/source_lp[1]"
    for missing in ["", "nir", "vis/lens_0015", "zzz", "vis/lens_001/source_lp[1]"]:
        assert missing not in fits and fits.get(missing) is None
    assert fits.get("vis/lens_002").location == "vis/lens_002/source_lp[1]"
    assert len(fits) == 5
