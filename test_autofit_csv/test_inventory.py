"""
``folders()``, ``model_paths()``, ``latent_paths()``, ``info_keys()`` and ``describe()``, checked
against the fixture JSON read with the json module and autofit's own model.
"""
import json
import os
import zipfile
from pathlib import Path

import autofit as af
import pytest

from autofit_csv import FolderError
from test_autofit_csv.conftest import OUTPUT, OUTPUT_RERUN, build


def fit_documents(root: Path, folder: str, name: str) -> list:
    """
    ``files/<name>.json`` of every fit whose search folder is ``folder``, zipped ones included.
    """
    found = []
    for directory, _, names in os.walk(root):
        path = Path(directory) / "files" / f"{name}.json"
        if Path(directory).parent.name == folder and path.exists():
            found.append(json.loads(path.read_text()))
        for zip_name in names:
            if zip_name.endswith(".zip") and Path(directory).name == folder:
                with zipfile.ZipFile(Path(directory) / zip_name) as archive:
                    if f"files/{name}.json" in archive.namelist():
                        found.append(json.loads(archive.read(f"files/{name}.json")))
    return found


def model_paths_by_autofit(raw: dict) -> set:
    model = af.AbstractPriorModel.from_dict(raw)
    return {".".join(path) for aliases in model.all_paths for path in aliases}


def nested_keys(document: dict, prefix="") -> set:
    keys = set()
    for key, value in document.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= nested_keys(value, f"{prefix}{key}.")
    return keys


def test_folders_count_fits_per_search_name():
    counted = {}
    for directory, _, names in os.walk(OUTPUT):
        if (Path(directory) / "files" / "search.json").exists():
            name = Path(directory).parent.name
            counted[name] = counted.get(name, 0) + 1
        counted_zips = [n for n in names if n.endswith(".zip")]
        for _ in counted_zips:
            counted[Path(directory).name] = counted.get(Path(directory).name, 0) + 1
    assert build().folders() == counted == {"source_lp[1]": 5, "source_pix[2]": 3}


@pytest.mark.parametrize("folder", ["source_lp[1]", "source_pix[2]"])
def test_model_paths_are_autofits_with_aliases(folder):
    expected = set()
    for raw in fit_documents(OUTPUT, folder, "model"):
        expected |= model_paths_by_autofit(raw)
    paths = build().model_paths(folder)
    assert paths == sorted(expected)
    # The example links the source centre to the lens mass centre: both names are listed.
    assert "galaxies.source.bulge.centre.centre_0" in paths
    assert "galaxies.lens.mass.centre.centre_0" in paths


def test_model_paths_of_every_folder_is_the_union():
    agg = build()
    assert agg.model_paths() == sorted(set(agg.model_paths("source_lp[1]")) | set(agg.model_paths("source_pix[2]")))


def test_latent_paths_and_info_keys_from_the_json():
    agg = build()
    latent, info = set(), set()
    for raw in fit_documents(OUTPUT, "source_lp[1]", "latent/latent_summary"):
        latent |= set(raw["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"])
    for raw in fit_documents(OUTPUT, "source_lp[1]", "info"):
        info |= nested_keys(raw)
    assert agg.latent_paths("source_lp[1]") == sorted(latent)
    assert agg.info_keys("source_lp[1]") == sorted(info)


def test_nested_info_keys_are_dotted():
    keys = build(OUTPUT_RERUN).info_keys()
    assert "survey.band" in keys and "survey" in keys


def test_unknown_folder_is_an_error():
    with pytest.raises(FolderError, match="matches no fit"):
        build().model_paths("source_lp[9]")


def test_describe_lists_everything_per_folder():
    agg = build()
    text = agg.describe()
    assert text.splitlines()[0] == "8 fit(s) in 2 folder(s)"
    for folder, count in agg.folders().items():
        assert f"folder={folder!r}: {count} fit(s)" in text
        section = text.split(f"folder={folder!r}")[1].split("\nfolder=")[0]
        for path in agg.model_paths(folder) + agg.latent_paths(folder) + agg.info_keys(folder):
            assert f"\n    {path}\n" in section + "\n"
    # The unfinished fit has no latent summary and no info: said, not hidden.
    assert "latent paths (1; 1 fit(s) without a readable file)" in text


def test_each_distinct_model_json_is_parsed_once(monkeypatch, output_copy):
    import autofit_csv.inventory as inventory

    # Fits of one model usually share model.json byte for byte: make three of them do so.
    models = sorted(output_copy.rglob("source_lp[[]1[]]/*/files/model.json"))
    for path in models[1:]:
        path.write_bytes(models[0].read_bytes())
    parsed = []
    real = inventory.ModelPaths

    def counting(raw):
        parsed.append(raw)
        return real(raw)

    monkeypatch.setattr(inventory, "ModelPaths", counting)
    agg = build(output_copy)
    agg.model_paths()
    distinct = {p.read_bytes() for p in output_copy.rglob("files/model.json")}
    for zip_path in output_copy.rglob("*.zip"):
        with zipfile.ZipFile(zip_path) as archive:
            distinct.add(archive.read("files/model.json"))
    assert len(models) >= 3
    assert len(parsed) == len(distinct) == len(agg._index.fits) - len(models) + 1
