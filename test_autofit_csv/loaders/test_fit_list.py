"""
How a table keeps its fits: one string per fit (``FolderPaths``), handles and autofit's
``SearchOutput`` made only when asked for, ``where`` keeping the aggregator's indices.
"""
import json
import os
from pathlib import Path

import pytest

from autofit_csv import AggregatorCSV
from autofit_csv.loaders import FitList, fits_from
from autofit_csv.loaders.base import FitHandle
from autofit_csv.loaders.discovery import find_fits
from autofit_csv.loaders.fit_list import HandleList
from autofit_csv.loaders.folder_paths import FolderPaths
from test_autofit_csv.conftest import ER, OUTPUT


def whole_paths(paths: FolderPaths) -> list:
    return [paths[i] for i in range(len(paths))]


def test_paths_below_an_absolute_root_are_kept_as_their_part():
    paths = FolderPaths("/data/out", ["/data/out/vis/a", "/tmp/x/b", "/data/outside/c"])
    assert paths._parts == ["vis/a", "/tmp/x/b", "/data/outside/c"]
    assert whole_paths(paths) == ["/data/out/vis/a", "/tmp/x/b", "/data/outside/c"]
    assert paths[0:2] == ["/data/out/vis/a", "/tmp/x/b"]


def test_paths_below_a_relative_root_are_kept_whole():
    paths = FolderPaths("out", ["out/vis/a", "/tmp/x/b"])
    assert paths._parts == ["out/vis/a", "/tmp/x/b"]
    assert whole_paths(paths) == ["out/vis/a", "/tmp/x/b"]


@pytest.mark.parametrize("root", ["/data/out", "/", "out", "/data/out/"])
def test_sorted_orders_as_whole_paths_would(root):
    whole = [
        os.path.join(root, "vis/lens_2/a"),
        "/tmp/autofit_x/vis/lens_1/b",  # a zipped fit's folder in the temporary extraction
        os.path.join(root, "nir/lens_1/a"),
        "/data/linked/lens_9",  # a folder reached through a link out of the tree
        os.path.join(root, "vis/lens_10/a"),
        "/zzz/last",
        "/",
    ]
    expected = sorted(whole)
    parts = [FolderPaths(root, []).part(path) for path in whole]
    assert whole_paths(FolderPaths.sorted(root, parts)) == expected


def test_a_table_of_medians_makes_no_search_output(monkeypatch, output_copy):
    # autofit's SearchOutput and its Path cost more memory than the rest of a fit's record:
    # a table that reads only JSON files must not make one per fit.
    from autofit.aggregator import search_output

    made = []
    original = search_output.SearchOutput.__init__

    def counting(self, *args, **kwargs):
        made.append(args[0] if args else kwargs.get("directory"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(search_output.SearchOutput, "__init__", counting)
    agg = AggregatorCSV.from_directory(output_copy)
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error="values_at_sigma_3")
    rows = list(agg.rows())
    assert len(rows) == 5 and rows[0]["er"] is not None
    assert made == []


def test_a_computed_column_gets_autofit_s_own_search_output(output_copy):
    seen = []

    def directory_of(search_output):
        seen.append(search_output)
        return str(search_output.directory)

    agg = AggregatorCSV.from_directory(output_copy)
    agg.add_computed_column("where", directory_of, folder="source_lp[1]")
    rows = {row["row"]: row["where"] for row in agg.rows()}
    assert rows["vis/lens_001"] == str(next((output_copy / "vis/lens_001/source_lp[1]").iterdir()))
    from autofit.aggregator.search_output import SearchOutput

    assert seen and all(type(output) is SearchOutput for output in seen)


def test_handles_of_folder_fits_match_the_walk_and_search_json(output_copy):
    found = find_fits(output_copy)
    fits = fits_from(found, output_copy)
    assert isinstance(fits, FitList) and len(fits) == len(found) == 8
    for index, handle in enumerate(fits):
        assert isinstance(handle, FitHandle) and handle.index == index
        assert handle.folder == found.directories[index]
        search = json.loads(Path(handle.folder, "files", "search.json").read_text())
        paths = search["arguments"]["paths"]["arguments"]
        prefix = paths["path_prefix"]["path"]  # autofit writes a Path as {"type": "path", ...}
        expected = "/".join(part for part in (prefix, paths["unique_tag"], paths["name"]) if part)
        assert handle.location == expected == fits.location(index)
        if handle.is_zipped:
            assert handle.label.endswith(".zip") and os.path.isfile(handle.label)
        else:
            assert handle.label == handle.folder


def test_where_keeps_the_aggregator_s_indices(output_copy):
    fits = fits_from(find_fits(output_copy), output_copy)
    nir = fits.where(lambda location: location.startswith("nir/"))
    expected = [i for i in range(len(fits)) if fits.location(i).startswith("nir/")]
    assert expected and [handle.index for handle in nir] == expected
    assert [nir.location(p) for p in range(len(nir))] == [fits.location(i) for i in expected]
    assert nir.total == len(fits) == 8


def test_handle_list_where():
    handles = [FitHandle(object(), location, index, f"fit {index}") for index, location in
               enumerate(["vis/a", "nir/a", "vis/b"])]
    fits = HandleList(handles)
    vis = fits.where(lambda location: location.startswith("vis"))
    assert [h.index for h in vis] == [0, 2] and list(vis.locations()) == ["vis/a", "vis/b"]
    with pytest.raises(IndexError):
        fits[3]


def test_relative_paths_under_an_absolute_root_are_kept_as_given():
    # A user's aggregator made from "output" holds relative folders; the root named to
    # AggregatorCSV may still be absolute. A relative path is not a part below the root.
    paths = FolderPaths("/data/out", ["out/vis/a", "/data/out/vis/b"])
    assert whole_paths(paths) == ["out/vis/a", "/data/out/vis/b"]


def test_a_user_aggregator_of_relative_folders_with_an_absolute_root(output_copy):
    # The user's aggregator was made with a relative path (the tests run in output_copy's
    # parent), the root named to AggregatorCSV absolutely: the same fits, the same values.
    import contextlib
    import io

    from autofit.aggregator.aggregator import Aggregator

    from test_autofit_csv.conftest import read_zipped_json, sample_value

    assert Path.cwd() == output_copy.parent
    with contextlib.redirect_stdout(io.StringIO()):
        aggregator = Aggregator.from_directory("output", unzip_temporary=True)
    relative = sorted(
        str(output.directory) for output in aggregator if output._temporary_directory is None
    )
    assert len(relative) == 7 and not any(os.path.isabs(path) for path in relative)
    agg = AggregatorCSV(aggregator, root=output_copy.resolve())
    agg.add_column("er", model_path=ER, folder="source_pix[2]")
    rows = {row["row"]: row["er"] for row in agg.rows()}
    zipped = read_zipped_json("vis/lens_002/source_pix[2]", "samples_summary")
    assert rows == {
        "vis/lens_001": sample_value("vis/lens_001/source_pix[2]", ER),
        "vis/lens_002": zipped["arguments"]["median_pdf_sample"]["arguments"]["kwargs"][
            "arguments"
        ][ER],
        "vis/lens_003": sample_value("vis/lens_003/source_pix[2]", ER),
    }
    assert agg.report.skipped == [] and agg.report.blank == {}
    fits = agg._index.fits
    assert sorted(fits[i].label for i in range(len(fits)) if not fits[i].is_zipped) == relative


@pytest.mark.parametrize("unzip", [True, False])
def test_computed_columns_of_a_user_aggregator_get_its_own_search_outputs(output_copy, unzip):
    # add_computed_column gives compute "the aggregator's own object": the user's aggregator
    # may carry what a fresh SearchOutput would not (a reference= of model types, say).
    import contextlib
    import io

    from autofit.aggregator.aggregator import Aggregator

    with contextlib.redirect_stdout(io.StringIO()):
        aggregator = Aggregator.from_directory(output_copy, unzip_temporary=unzip)
    seen = []

    def directory_of(search_output):
        seen.append(search_output)
        return str(search_output.directory)

    agg = AggregatorCSV(aggregator, root=output_copy)
    agg.add_computed_column("where", directory_of, folder="source_pix[2]")
    rows = {row["row"]: row["where"] for row in agg.rows()}
    assert sorted(rows) == ["vis/lens_001", "vis/lens_002", "vis/lens_003"]
    own = {id(output) for output in aggregator.search_outputs}
    assert len(seen) >= 3 and all(id(output) in own for output in seen)
