import pytest

from autofit_csv.summary import Summary
from test_autofit_csv.conftest import read_json

LOCATION = "vis/lens_001/source_lp[1]"


def test_sections_read_as_written():
    raw = read_json(LOCATION, "samples_summary")
    summary = Summary(raw)
    arguments = raw["arguments"]
    assert summary.section("median_pdf_sample") == arguments["median_pdf_sample"]["arguments"]["kwargs"]["arguments"]
    for path, entry in arguments["errors_at_sigma_3"]["arguments"].items():
        assert summary.section("errors_at_sigma_3")[path] == tuple(entry["values"])
    assert summary.max_log_likelihood() == arguments["max_log_likelihood_sample"]["arguments"]["log_likelihood"]


def test_section_not_written_is_none():
    raw = read_json(LOCATION, "samples_summary")
    del raw["arguments"]["median_pdf_sample"]
    assert Summary(raw).section("median_pdf_sample") is None


def test_not_a_summary():
    with pytest.raises(ValueError, match="not an autofit samples summary"):
        Summary({"x": 1})
