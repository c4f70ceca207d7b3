"""
Instances made from a shared model and a summary sample's values are exactly the instances
autofit's own ``SearchOutput`` gives, for every fixture fit (linked priors included), and making
them prints nothing.
"""
import contextlib
import io
import numbers

import pytest
from autofit.aggregator.aggregator import Aggregator
from autofit.mapper.model import ModelInstance

from autofit_csv.loaders import files_for, fits_from
from test_autofit_csv.conftest import OUTPUT_RERUN


def same(ours, theirs, where="instance"):
    """
    Assert two instances are equal: the same classes all the way down, the same numbers exactly.
    """
    assert type(ours) is type(theirs), where
    if isinstance(ours, numbers.Number) or ours is None or isinstance(ours, str):
        assert ours == theirs, where
        return
    if isinstance(ours, (tuple, list)):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{where}[{index}]")
        return
    mine = {k: v for k, v in vars(ours).items() if not k.startswith("_") and k not in ("id", "item_number")}
    other = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k not in ("id", "item_number")}
    assert mine.keys() == other.keys(), where
    for key in mine:
        same(mine[key], other[key], f"{where}.{key}")


def autofit_fits(root):
    with contextlib.redirect_stdout(io.StringIO()):
        return Aggregator.from_directory(root)


@pytest.mark.parametrize("tree", ["output", "rerun"])
def test_every_fixture_fit_gives_autofits_instance(output_copy, tree, capsys):
    aggregator = autofit_fits(output_copy if tree == "output" else OUTPUT_RERUN)
    compared = 0
    for handle in fits_from(aggregator):
        search_output = handle.autofit_fit
        if not (search_output.directory / "files" / "samples_summary.json").exists():
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            summary = search_output.samples_summary
            theirs_median = summary.median_pdf(as_instance=True)
            theirs_max = summary.instance
        capsys.readouterr()
        files = files_for(handle)
        ours_median, ours_max = files.instance(False), files.instance(True)
        assert isinstance(ours_median, ModelInstance)
        same(ours_median, theirs_median, f"{handle.label} median")
        same(ours_max, theirs_max, f"{handle.label} max")
        compared += 1
        # Linked priors: the source centre is the lens mass centre in both.
        assert ours_median.galaxies.source.bulge.centre == ours_median.galaxies.lens.mass.centre
        assert capsys.readouterr().out == ""
    assert compared >= (6 if tree == "output" else 2)


def test_fits_of_one_model_share_it(output_copy):
    handles = [h for h in fits_from(autofit_fits(output_copy)) if h.location.endswith("source_pix[2]")]
    models = {id(files_for(h).model()) for h in handles}
    # The model.json files differ only in prior ids: one model serves them all.
    assert len(handles) >= 2 and len(models) == 1
