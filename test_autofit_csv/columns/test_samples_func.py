import warnings

import numpy as np
import pytest

from autofit_csv import ColumnFunctionError
from test_autofit_csv.conftest import ER, samples_column, table


def quantiles_of_einstein_radius(samples):
    values = np.array(samples.values_for_path(tuple(ER.split("."))))
    return tuple(np.quantile(values, [0.5, 0.00135, 0.99865]))


def numpy_quantiles(location):
    return np.quantile(samples_column(location, ER), [0.5, 0.00135, 0.99865])


def test_samples_function_matches_numpy_quantiles_of_samples_csv(make, tmp_path):
    agg = make()
    agg.add_x3_columns_with_errors("er", samples_func=quantiles_of_einstein_radius, folder="source_lp[1]")
    assert agg.headers == ["row", "er", "er_lower", "er_upper"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001"):
        median, lower, upper = numpy_quantiles(f"{key}/source_lp[1]")
        assert float(rows[key]["er"]) == median
        assert float(rows[key]["er_lower"]) == lower
        assert float(rows[key]["er_upper"]) == upper


def test_missing_samples_csv_blanks_three_cells_and_names_fit(make, tmp_path):
    agg = make()
    agg.add_x3_columns_with_errors("er", samples_func=quantiles_of_einstein_radius, folder="source_pix[2]")
    agg.add_column("er_median", model_path=ER, folder="source_pix[2]")
    with pytest.warns(Warning) as record:
        rows = table(agg, tmp_path)
    row = rows["vis/lens_003"]
    assert (row["er"], row["er_lower"], row["er_upper"]) == ("", "", "")
    assert row["er_median"] != ""
    assert rows["vis/lens_001"]["er"] != ""
    assert any("vis/lens_003/source_pix[2]" in str(w.message) and "files/samples.csv" in str(w.message) for w in record)


@pytest.mark.parametrize("bad", [None, (1.0, 2.0), "abc", (1.0, "x", 2.0)])
def test_result_that_is_not_three_numbers(make, tmp_path, bad):
    agg = make(strict=True)
    agg.add_x3_columns_with_errors("er", samples_func=lambda samples: bad, folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ColumnFunctionError, match=r"column 'er'.*three numbers.*" + repr(bad)[:3].replace("(", r"\(")):
            agg.save(tmp_path / "t.csv")
