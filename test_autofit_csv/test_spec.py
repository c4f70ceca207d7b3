"""
TOML table specs: every column kind gives the same bytes as the Python API; a bad spec names its
key.
"""
import json
import textwrap
import warnings

import pytest

from autofit_csv import AggregatorCSV
from autofit_csv.spec import SpecError
from test_autofit_csv.conftest import EINSTEIN_MASS, ER, OUTPUT, sample_value

FUNCTIONS = '''
def einstein_radius_x2_from(instance):
    return 2.0 * instance.galaxies.lens.mass.einstein_radius


def x2_via_samples(samples):
    values = [2.0 * v for v in samples.parameter_lists[0][:5]]
    return sum(values) / 5, min(values), max(values)
'''


def write_spec(folder, body: str):
    (folder / "lens_funcs.py").write_text(FUNCTIONS)
    path = folder / "spec.toml"
    path.write_text(textwrap.dedent(body))
    return path


SPEC = f"""
source = "{OUTPUT}"
output = "tables/result.csv"
folder = "source_lp[1]"

[[columns]]
name = "er"
model_path = "{ER}"
error = ["values_at_sigma_3", "errors_at_sigma_1"]

[[columns]]
name = "er_max_lh"
model_path = "{ER}"
use_max_lh_instance = true

[[columns]]
name = "mass"
model_path = "{EINSTEIN_MASS}"
folder = "source_pix[2]"

[[columns]]
name = "x2"
latent_func = "lens_funcs:einstein_radius_x2_from"

[[columns]]
name = "x2_s"
samples_func = "lens_funcs:x2_via_samples"

[[columns]]
name = "band"
info = "band"

[[columns]]
name = "flag"
json = "dataset/{{row.name}}/result.json"
key = "flag"
"""


def test_spec_gives_the_same_bytes_as_python(tmp_path):
    for name in ("lens_001", "lens_003"):
        (tmp_path / "dataset" / name).mkdir(parents=True)
        (tmp_path / "dataset" / name / "result.json").write_text(json.dumps({"flag": name == "lens_001"}))
    spec = write_spec(tmp_path, SPEC)
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        import lens_funcs
    finally:
        sys.path.remove(str(tmp_path))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_spec = AggregatorCSV.from_spec(spec)
        assert from_spec.spec.output == tmp_path / "tables" / "result.csv"
        spec_bytes = from_spec.save(from_spec.spec.output).read_bytes()

        python = AggregatorCSV.from_directory(OUTPUT)
        python.add_column("er", model_path=ER, folder="source_lp[1]", error=["values_at_sigma_3", "errors_at_sigma_1"])
        python.add_column("er_max_lh", model_path=ER, folder="source_lp[1]", use_max_lh_instance=True)
        python.add_column("mass", model_path=EINSTEIN_MASS, folder="source_pix[2]")
        python.add_column("x2", latent_func=lens_funcs.einstein_radius_x2_from, folder="source_lp[1]")
        python.add_x3_columns_with_errors("x2_s", samples_func=lens_funcs.x2_via_samples, folder="source_lp[1]")
        python.add_info_column("band", key="band", folder="source_lp[1]")
        python.add_json_column("flag", path=str(tmp_path / "dataset" / "{row.name}" / "result.json"), key="flag")
        python_bytes = python.save(tmp_path / "python.csv").read_bytes()
    assert spec_bytes == python_bytes
    assert b"x2_s_lower" in spec_bytes and b"True" in spec_bytes


@pytest.mark.parametrize(
    "body, message",
    [
        ('source = "{out}"\n[[columns]]\nname = "a"\nmodle_path = "x"\n', r"columns\[0\]: unknown key 'modle_path'; did you mean 'model_path'\?"),
        ('sourc = "{out}"\n', r"unknown key 'sourc'; did you mean 'source'\?"),
        ('output = "x.csv"\n', r"'source' is required"),
        ('source = "{out}"\n[[columns]]\nname = "a"\nmodel_path = "x"\ninfo = "y"\n', r"give exactly one of .*found model_path, info"),
        ('source = "{out}"\n[[columns]]\nmodel_path = "x"\n', r"columns\[0\]: 'name' is required"),
        ('source = "{out}"\n[[columns]]\nname = "a"\ninfo = "band"\nerror = "values_at_sigma_3"\n', r"key 'error' does not go with 'info'"),
        ('source = "{out}"\n[[columns]]\nname = "a"\njson = "x/{{row}}.json"\n', r"a 'json' column needs 'key'"),
        ('source = "{out}"\n[[columns]]\nname = "a"\nlatent_func = "lens_funcs:nope"\nfolder = "source_lp[1]"\n', r"has no function 'nope'"),
        ('source = "{out}"\n[[columns]]\nname = "a"\nlatent_func = "no_such_module:f"\n', r"cannot import module 'no_such_module'"),
        ('source = "{out}"\n[[columns]]\nname = "a"\nmodel_path = "galaxies.lens.mass.einstien_radius"\nfolder = "source_lp[1]"\n', r"(?s)columns\[0\] \('a'\): model_path .*Closest model paths: galaxies.lens.mass.einstein_radius"),
        ('source = "{out}"\nstrict = "yes"\n', r"'strict' must be true or false"),
        ('source = [1\n', r"not valid TOML"),
        ('source = "no/such/folder"\n', r"source: .*No database file"),
    ],
)
def test_bad_spec_names_the_key(tmp_path, body, message):
    spec = write_spec(tmp_path, body.replace("{out}", str(OUTPUT)))
    with pytest.raises(SpecError, match=message) as info:
        AggregatorCSV.from_spec(spec)
    assert str(spec) in str(info.value)


def test_each_spec_uses_its_own_functions_module_of_a_shared_name(tmp_path):
    # Two specs, each with its own functions module of the same name (as the docs name them,
    # spec_functions.py): the second must not silently use the first one's functions.
    body = (
        f'source = "{OUTPUT}"\nfolder = "source_lp[1]"\n[[columns]]\nname = "scaled"\n'
        f'latent_func = "review_twin_functions:scaled"\n'
    )
    specs = {}
    for folder, factor in (("a", 2.0), ("b", 3.0)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "review_twin_functions.py").write_text(
            f"def scaled(instance):\n    return {factor} * instance.galaxies.lens.mass.einstein_radius\n"
        )
        specs[folder] = tmp_path / folder / "spec.toml"
        specs[folder].write_text(body)
    import sys

    expected = sample_value("vis/lens_001/source_lp[1]", ER)

    def scaled(table):
        return next(row["scaled"] for row in table.rows() if row["row"] == "vis/lens_001")

    try:
        first = AggregatorCSV.from_spec(specs["a"])
        assert scaled(first) == 2.0 * expected
        second = AggregatorCSV.from_spec(specs["b"])
        assert scaled(second) == 3.0 * expected
        assert scaled(first) == 2.0 * expected  # built before: keeps its own function
        assert scaled(AggregatorCSV.from_spec(specs["a"])) == 2.0 * expected
    finally:
        sys.modules.pop("review_twin_functions", None)


def test_a_functions_module_named_as_one_already_imported_is_refused(tmp_path):
    # json is imported already (from the standard library): the spec's json.py must not be
    # silently replaced by it.
    (tmp_path / "json.py").write_text("def f(instance):\n    return 1.0\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'source = "{OUTPUT}"\nfolder = "source_lp[1]"\n[[columns]]\nname = "x"\n'
        f'latent_func = "json:f"\n'
    )
    with pytest.raises(SpecError, match=r"module 'json' is already imported from .*json") as info:
        AggregatorCSV.from_spec(spec)
    assert str(tmp_path / "json.py") in str(info.value) and str(spec) in str(info.value)
