"""
Our pruned walk finds exactly the fits autofit's ``Aggregator.from_directory`` finds.
"""
import contextlib
import io
import shutil
from pathlib import Path

import pytest
from autofit.aggregator.aggregator import Aggregator

from autofit_csv.loaders.discovery import find_fits
from test_autofit_csv.conftest import OUTPUT


def relative(aggregator, root) -> list:
    found = []
    for output in aggregator:
        temporary = output._temporary_directory
        base = temporary.path if temporary is not None else Path(root)
        found.append((str(Path(output.directory).relative_to(base)), temporary is not None))
    return sorted(found)


def autofits(root, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return Aggregator.from_directory(root, unzip_temporary=True, **kwargs)


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("completed_only", [False, True])
def test_same_fits_as_autofit(processes, completed_only):
    ours = find_fits(OUTPUT, completed_only=completed_only, processes=processes)
    theirs = autofits(OUTPUT, completed_only=completed_only)
    assert relative(ours, OUTPUT) == relative(theirs, OUTPUT)
    assert len(ours) == (7 if completed_only else 8)
    assert ("vis/lens_002/source_pix[2]/379dbedceaaa75a7e2bba269a8a10ecb", True) in relative(ours, OUTPUT)


def test_zip_wins_over_unfinished_folder_beside_it(output_copy):
    zipped = next((output_copy / "vis/lens_002/source_pix[2]").glob("*.zip"))
    leftover = zipped.with_suffix("")
    (leftover / "files").mkdir(parents=True)
    (leftover / "files" / "search.json").write_text("{}")
    ours = find_fits(output_copy)
    assert relative(ours, output_copy) == relative(autofits(output_copy), output_copy)
    (found,) = [o for o in ours if "lens_002/source_pix" in str(o.directory)]
    assert found._temporary_directory is not None


def test_finished_folder_beside_its_zip_is_used(output_copy):
    zipped = next((output_copy / "vis/lens_001/source_lp[1]").glob("*"))
    shutil.make_archive(str(zipped), "zip", zipped)
    ours = find_fits(output_copy)
    (found,) = [o for o in ours if "lens_001/source_lp" in str(o.directory) and "vis" in str(o.directory)]
    assert found._temporary_directory is None
    assert relative(ours, output_copy) == relative(autofits(output_copy), output_copy)


def test_bad_zip_is_skipped_with_its_path(output_copy):
    bad = output_copy / "vis" / "broken.zip"
    bad.write_text("not a zip")
    ours = find_fits(output_copy)
    assert ours.skipped == [(str(bad), "bad zip (BadZipFile: File is not a zip file)")]
    assert relative(ours, output_copy) == relative(autofits(OUTPUT), OUTPUT)


def test_sound_tree_skips_nothing():
    assert find_fits(OUTPUT).skipped == []
