from autofit_csv.model_paths import ModelPaths
from test_autofit_csv.conftest import read_json


def test_linked_centre_has_both_paths():
    paths = ModelPaths(read_json("vis/lens_001/source_lp[1]", "model"))
    lens, source = "galaxies.lens.mass.centre.centre_0", "galaxies.source.bulge.centre.centre_0"
    assert paths.aliases(lens) == [lens, source]
    assert paths.aliases(source) == [source, lens]
    assert paths.aliases("galaxies.lens.mass.einstein_radius") == ["galaxies.lens.mass.einstein_radius"]
    assert paths.aliases("galaxies.lens.redshift") == []  # a constant, not a prior
    assert len(paths.paths) == 9  # 7 free parameters, two of them reached twice


def test_lists_are_indexed():
    raw = {
        "type": "collection",
        "arguments": {
            "profile_list": [
                {"type": "model", "arguments": {"a": {"type": "Uniform", "id": 3}}},
                {"type": "model", "arguments": {"a": {"type": "Uniform", "id": 3}}},
            ]
        },
    }
    assert ModelPaths(raw).aliases("profile_list.1.a") == ["profile_list.1.a", "profile_list.0.a"]
