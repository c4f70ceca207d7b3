import csv

import pytest
from autofit.non_linear.samples.sample import samples_from_iterator

from autofit_csv.loaders.samples_table import read_sample_list
from test_autofit_csv.conftest import fit_folder


@pytest.mark.parametrize("location", ["vis/lens_001/source_lp[1]", "nir/lens_001/source_lp[1]"])
def test_same_samples_as_autofits_reader(location):
    path = fit_folder(location) / "files" / "samples.csv"
    with open(path, newline="") as file:
        theirs = samples_from_iterator(csv.reader(file))
    ours = read_sample_list(path)
    assert len(ours) == len(theirs) >= 5
    for mine, expected in zip(ours, theirs):
        assert mine.kwargs == expected.kwargs
        assert list(mine.kwargs) == list(expected.kwargs)
        assert (mine.log_likelihood, mine.log_prior, mine.weight) == (
            expected.log_likelihood, expected.log_prior, expected.weight)
        assert all(type(value) is float for value in mine.kwargs.values())


def test_ragged_file_is_refused(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_text("a,log_likelihood,weight\n1.0,2.0\n")
    with pytest.raises(ValueError):
        read_sample_list(path)
