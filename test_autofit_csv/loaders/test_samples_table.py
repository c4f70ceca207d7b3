import contextlib
import csv
import io
import math
import warnings

import autofit as af
import numpy as np
import pytest
from autofit.aggregator.aggregator import Aggregator
from autofit.non_linear.samples.sample import Sample, samples_from_iterator

from autofit_csv import AggregatorCSV
from autofit_csv.loaders import files_for, fits_from, samples_table
from autofit_csv.loaders.samples_table import read_sample_list
from test_autofit_csv.conftest import ER, OUTPUT, fit_folder, read_csv

#: Both ways of parsing the numbers; pyarrow is part of the test install, so its absence fails.
PARSERS = {
    "pyarrow": samples_table.columns_by_pyarrow,
    "numpy": samples_table.columns_by_numpy,
}


@pytest.fixture(params=sorted(PARSERS))
def parser(request, monkeypatch):
    """
    Every test taking it runs once with each parser.
    """
    if request.param == "pyarrow":
        import pyarrow.csv  # noqa: F401
    monkeypatch.setattr(samples_table, "_column_reader", lambda: PARSERS[request.param])
    return request.param


def test_pyarrow_parses_where_installed():
    import pyarrow.csv  # noqa: F401

    assert samples_table._column_reader() is samples_table.columns_by_pyarrow


@pytest.mark.parametrize("location", ["vis/lens_001/source_lp[1]", "nir/lens_001/source_lp[1]"])
def test_same_samples_as_autofits_reader(location, parser):
    path = fit_folder(location) / "files" / "samples.csv"
    with open(path, newline="") as file:
        theirs = samples_from_iterator(csv.reader(file))
    ours = read_sample_list(path)
    assert len(ours) == len(theirs) >= 5
    for mine, expected in zip(ours, theirs):
        assert type(mine) is Sample
        assert vars(mine) == vars(expected)
        assert list(vars(mine)) == list(vars(expected))
        assert list(mine.kwargs) == list(expected.kwargs)
        assert all(type(value) is float for value in mine.kwargs.values())
        assert all(type(value) is float for value in (mine.log_likelihood, mine.log_prior, mine.weight))


#: Cells whose parsing could differ from Python's ``float``: padding, signs, non-finite values,
#: the smallest subnormal and a value halfway between two doubles.
AWKWARD_CELLS = [
    "   0.1", "-0.0", "nan", "inf", "-inf", "Infinity", "5e-324", "2.4703282292062328e-324",
    "1.7976931348623157e+308", "0.30000000000000004", "9007199254740993", "1e22  ",
]


def test_awkward_numbers_parse_as_pythons_float(tmp_path, parser):
    path = tmp_path / "samples.csv"
    lines = ["a.b,   log_likelihood,log_prior,log_posterior,weight"]
    lines += [f"{cell},1.0,2.0,3.0,0.5" for cell in AWKWARD_CELLS]
    path.write_text("\n".join(lines) + "\n")
    values = [sample.kwargs[("a", "b")] for sample in read_sample_list(path)]
    for cell, value in zip(AWKWARD_CELLS, values):
        expected = float(cell)
        assert type(value) is float
        assert (math.isnan(value) and math.isnan(expected)) or (
            value == expected and math.copysign(1, value) == math.copysign(1, expected)
        ), cell
    assert len(values) == len(AWKWARD_CELLS)


def test_ragged_file_is_refused(tmp_path, parser):
    path = tmp_path / "samples.csv"
    path.write_text("a,log_likelihood,log_prior,weight\n1.0,2.0,3.0,4.0\n1.0,2.0\n")
    with pytest.raises(ValueError):
        read_sample_list(path)


def test_text_cell_is_refused(tmp_path, parser):
    path = tmp_path / "samples.csv"
    path.write_text("a,log_likelihood,log_prior,weight\n1.0,2.0,x,4.0\n")
    with pytest.raises(ValueError):
        read_sample_list(path)


def test_model_without_free_parameters_has_samples_without_values(tmp_path, parser):
    path = tmp_path / "samples.csv"
    path.write_text("log_likelihood,log_prior,log_posterior,weight\n-1.5,0.5,-1.0,0.25\n-2.5,0.5,-2.0,0.75\n")
    samples = read_sample_list(path)
    assert [vars(sample) for sample in samples] == [
        {"log_likelihood": -1.5, "log_prior": 0.5, "weight": 0.25, "kwargs": {}},
        {"log_likelihood": -2.5, "log_prior": 0.5, "weight": 0.75, "kwargs": {}},
    ]


def test_file_without_a_weight_column_is_refused(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_text("a,log_likelihood,log_prior\n1.0,2.0,3.0\n")
    with pytest.raises(ValueError, match="weight"):
        read_sample_list(path)


def test_header_only_file_is_said_to_have_no_samples(tmp_path, parser):
    # A samples function handed no samples would fail or give nonsense: the file is refused.
    path = tmp_path / "samples.csv"
    path.write_text("a,log_likelihood,log_prior,log_posterior,weight\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="no samples below the header line"):
            read_sample_list(path)


def _quiet_aggregator(root):
    with contextlib.redirect_stdout(io.StringIO()):
        return Aggregator.from_directory(root)


def _draws(samples, count=20):
    """
    Seeded draws from the PDF, as the user's functions make them.
    """
    np.random.seed(1)
    return [samples.draw_randomly_via_pdf().galaxies.lens.mass.einstein_radius for _ in range(count)]


def test_samples_objects_behave_as_autofits_own(output_copy, parser):
    """
    For every fixture fit with a samples.csv (the zipped one included), what a samples function
    asks of ``samples`` is the same through our loader as through autofit's
    ``SearchOutput.samples``.
    """
    compared = 0
    # autofit unzips beside the zip: a copy of the fixtures.
    for handle in fits_from(_quiet_aggregator(output_copy)):
        search_output = handle.autofit_fit
        if not (search_output.directory / "files" / "samples.csv").exists():
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = search_output.samples
        ours = files_for(handle).samples()
        assert type(ours) is type(theirs), handle.label
        assert ours.parameter_lists == theirs.parameter_lists
        assert ours.weight_list == theirs.weight_list
        assert ours.log_likelihood_list == theirs.log_likelihood_list
        assert ours.log_prior_list == theirs.log_prior_list
        assert ours.log_posterior_list == theirs.log_posterior_list
        assert ours.samples_info == theirs.samples_info
        assert ours.model.paths == theirs.model.paths
        path = tuple(ER.split("."))
        assert af.marginalize(ours.values_for_path(path), sigma=3.0, weight_list=ours.weight_list) == (
            af.marginalize(theirs.values_for_path(path), sigma=3.0, weight_list=theirs.weight_list)
        )
        assert ours.max_log_likelihood(as_instance=False) == theirs.max_log_likelihood(as_instance=False)
        assert ours.median_pdf(as_instance=False) == theirs.median_pdf(as_instance=False)
        assert _draws(ours) == _draws(theirs)
        compared += 1
    assert compared == 6


def einstein_radius_x2_via_draws(samples):
    values = [2.0 * radius for radius in _draws(samples, 30)]
    return af.marginalize(parameter_list=values, sigma=3.0)


def test_samples_function_cells_equal_autofits_own_samples(tmp_path):
    """
    A samples function's cells are what the same function gives on autofit's own samples object
    of each fit.
    """
    agg = AggregatorCSV.from_directory(OUTPUT, progress=False)
    agg.add_x3_columns_with_errors("er_x2", samples_func=einstein_radius_x2_via_draws, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "table.csv")
    rows = {row["row"]: row for row in read_csv(tmp_path / "table.csv")}
    for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001"):
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = af.SearchOutput(fit_folder(f"{key}/source_lp[1]")).samples
        expected = einstein_radius_x2_via_draws(theirs)
        cells = rows[key]
        assert (float(cells["er_x2"]), float(cells["er_x2_lower"]), float(cells["er_x2_upper"])) == (
            tuple(float(value) for value in expected)
        )


def test_a_sample_constructor_that_sets_more_is_used_for_every_row(monkeypatch):
    """
    Should autofit's ``Sample`` keep more state than this reader knows, every sample is made
    by its constructor, so none lacks it.
    """
    original = Sample.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.tag = "made by the constructor"

    monkeypatch.setattr(Sample, "__init__", init)
    ours = read_sample_list(fit_folder("vis/lens_001/source_lp[1]") / "files" / "samples.csv")
    assert len(ours) >= 5
    assert all(sample.tag == "made by the constructor" for sample in ours)
