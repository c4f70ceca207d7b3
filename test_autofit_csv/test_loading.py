"""
Each file is read at most once per fit, and only when a column needs it.
"""
import warnings
from collections import Counter

import pytest

import autofit_csv.loaders.directory as directory_loader
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, build


@pytest.fixture
def reads(monkeypatch):
    counted = Counter()

    def counting_with(real):
        def counting(path, label, relative):
            counted[(label, relative)] += 1
            return real(path, label, relative)

        return counting

    def no_samples(path):
        raise AssertionError(f"samples.csv was parsed: {path}")

    # Every read of a fit folder's file goes through one of these two.
    for name in ("read_json_file", "read_file_bytes"):
        monkeypatch.setattr(directory_loader, name, counting_with(getattr(directory_loader, name)))
    monkeypatch.setattr(directory_loader, "read_sample_list", no_samples)
    return counted


def test_table_of_medians_reads_each_summary_once_and_nothing_else(reads, tmp_path):
    agg = build()
    reads.clear()  # discovery reads three search.json files to check the folder layout
    agg.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])
    agg.add_column("er_max", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True)
    agg.add_column("intensity", model_path="galaxies.source.bulge.intensity", folder="source_lp[1]")
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder="source_lp[1]", error="values_at_sigma_3")
    reads.clear()  # add_column looks at the first fit to tell model from latent paths
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "t.csv")
    assert max(reads.values()) == 1
    assert {file for _, file in reads} == {
        "files/samples_summary.json",
        "files/latent/latent_summary.json",
    }
    assert len({label for label, _ in reads}) == 5  # one source_lp[1] fit per row


def test_alias_reads_the_model_once(reads, tmp_path):
    agg = build()
    agg.add_column("c", model_path="galaxies.lens.mass.centre.centre_0", folder="source_lp[1]",
                   error="values_at_sigma_3", use_max_lh_instance=True)
    reads.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg.save(tmp_path / "t.csv")
    assert max(reads.values()) == 1
    assert "files/model.json" in {file for _, file in reads}
