"""
Damaged output trees: discovery records what it cannot read and every other fit still fills its
row. Each test damages a copy of the real fixture output, builds a table of one column and
compares every cell with the fixture's JSON, read independently.

Tests marked ``unprivileged`` need file permissions to bind the test process: as root they skip,
and ``make test`` runs them again without root's permission override (see the Makefile); there,
``AUTOFIT_CSV_REQUIRE_UNPRIVILEGED=1`` makes a file that stays readable a failure, not a skip.
"""
import errno
import io
import os
import re
import shutil
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from autofit_csv import AggregatorCSV, AutofitCSVWarning
from autofit_csv.loaders.discovery import (
    BAD_ZIP,
    BROKEN_SYMLINK,
    NO_SEARCH_JSON,
    SKIP_KINDS,
    SYMLINK_LOOP,
    SYMLINK_WALKED,
    UNREADABLE_FOLDER,
    find_fits,
    skip_kind,
)
from test_autofit_csv.conftest import ER, OUTPUT, as_float, fit_folder, read_csv, sample_value

#: The fits of the column's folder, by row key (the location less ``source_lp[1]``).
FOLDER = "source_lp[1]"
ROW_KEYS = ["nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003", "vis/lens_004"]

REQUIRE_UNPRIVILEGED = "AUTOFIT_CSV_REQUIRE_UNPRIVILEGED"


def expected_value(key: str):
    """
    The einstein radius of the fit at ``key``, from its ``samples_summary.json``; None for a fit
    that has none yet (it is still running).
    """
    location = f"{key}/{FOLDER}"
    if not (fit_folder(location) / "files" / "samples_summary.json").exists():
        return None
    return sample_value(location, ER)


def build(root: Path, tmp_path: Path, **options):
    """
    ``from_directory(root)`` with one column, saved and read back: ``(agg, {row key: cell})``.
    """
    agg = AggregatorCSV.from_directory(root, **options)
    agg.add_column("er", model_path=ER, folder=FOLDER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AutofitCSVWarning)
        path = agg.save(tmp_path / "table.csv")
    # What discovery skipped reaches the build report, and each kind is said once.
    skipped = agg._aggregator.skipped
    assert [tuple(entry) for entry in agg.report.skipped] == [tuple(entry) for entry in skipped]
    messages = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    for kind in {skip_kind(reason) for _, reason in skipped}:
        assert len([m for m in messages if m.startswith(f"{kind}: ")]) == 1, (kind, messages)
    return agg, {row["row"]: row["er"] for row in read_csv(path)}


def assert_rows_intact(cells: dict, lost=()):
    """
    Every row but ``lost`` holds the fixture's value; a lost row is absent or blank.
    """
    for key in ROW_KEYS:
        if key in lost:
            assert cells.get(key, "") == "", key
        else:
            assert as_float(cells[key]) == expected_value(key), key


def skipped_kinds(agg) -> list:
    """
    ``(path, kind)`` of every skipped entry, checking each reason names its kind first.
    """
    found = []
    for path, reason in agg._aggregator.skipped:
        assert skip_kind(reason) in SKIP_KINDS, reason
        found.append((path, skip_kind(reason)))
    return found


def reason_of(agg, path) -> str:
    (reason,) = [r for p, r in agg._aggregator.skipped if p == str(path)]
    return reason


def the_fit(root: Path, key: str) -> Path:
    (folder,) = [p for p in (root / key / FOLDER).iterdir() if p.is_dir()]
    return folder


# ---------------------------------------------------------------------------- symbolic links


@pytest.mark.parametrize("processes", [1, 2])
def test_symlink_loops_are_recorded(output_copy, tmp_path, processes):
    up = output_copy / "vis" / "lens_001" / "up"
    up.symlink_to("..")  # the folder above: walking it would never end
    itself = output_copy / "vis" / "itself"
    itself.symlink_to("itself")  # the system refuses to resolve it (ELOOP)
    agg, cells = build(output_copy, tmp_path, processes=processes)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == [(str(itself), SYMLINK_LOOP), (str(up), SYMLINK_LOOP)]
    assert len(agg._aggregator) == 8


def test_linked_folder_outside_the_tree_is_followed(output_copy, tmp_path):
    # Scratch space linked into the output folder, as on clusters.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.move(output_copy / "vis" / "lens_003", scratch / "lens_003")
    (output_copy / "vis" / "lens_003").symlink_to(scratch / "lens_003")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == []
    found = {d for d in agg._aggregator.directories if "lens_003" in d}
    assert found == {
        str(output_copy / "vis" / "lens_003" / FOLDER / "3ec97b2cf193ea8ec8a2f0b4eef1c106"),
        str(output_copy / "vis" / "lens_003" / "source_pix[2]" / "fcae66088c2adeb22ef49bb06103960c"),
    }


def test_links_that_would_find_fits_twice_are_recorded(output_copy, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.move(output_copy / "vis" / "lens_003", scratch / "lens_003")
    (output_copy / "vis" / "lens_003").symlink_to(scratch / "lens_003")
    again = output_copy / "vis" / "lens_003_again"
    again.symlink_to(scratch / "lens_003")  # sorts after vis/lens_003, which is followed
    inside = output_copy / "nir" / "vis_alias"
    inside.symlink_to(output_copy / "vis")  # walked anyway as part of the tree
    back = scratch / "lens_003" / "tree"
    back.symlink_to(output_copy)  # from the followed folder back into the tree
    loop = scratch / "lens_003" / "scratch"
    loop.symlink_to(scratch)  # above the folder it is in
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    through = output_copy / "vis" / "lens_003"
    assert skipped_kinds(agg) == sorted(
        [
            (str(inside), SYMLINK_WALKED),
            (str(through / "scratch"), SYMLINK_LOOP),
            (str(through / "tree"), SYMLINK_WALKED),
            (str(again), SYMLINK_WALKED),
        ]
    )
    assert str(through) in reason_of(agg, again)
    assert len(agg._aggregator) == 8


def test_real_paths_of_links_are_those_of_the_system(tmp_path, monkeypatch):
    from autofit_csv.loaders.discovery import _RealPaths

    (tmp_path / "data" / "deep").mkdir(parents=True)
    (tmp_path / "tree").mkdir()
    (tmp_path / "alias").symlink_to("data")
    links = {
        "absolute": tmp_path / "data" / "deep",
        "relative": "sub/deep",  # through a link named sub
        "parent": "../data/deep",
        "chain": "hop",  # to another link
        "dot_dot_after_link": "../alias/deep/..",
    }
    (tmp_path / "tree" / "sub").symlink_to(tmp_path / "alias")
    (tmp_path / "tree" / "hop").symlink_to("relative")
    for name, target in links.items():
        (tmp_path / "tree" / name).symlink_to(target)
    monkeypatch.chdir(tmp_path)
    real = _RealPaths()
    for path in [str(tmp_path / "tree" / name) for name in links] + ["tree/relative", "tree/../alias"]:
        assert real(path) == os.path.realpath(path), path


def test_broken_symlink_is_recorded(output_copy, tmp_path):
    link = output_copy / "vis" / "lens_005"
    link.symlink_to(tmp_path / "unmounted_scratch")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == [(str(link), BROKEN_SYMLINK)]
    assert "unmounted_scratch" in reason_of(agg, link)


# ------------------------------------------------------------------------------------- zips


def zip_fit(root: Path, key: str, corrupt_last: str = "files/samples_summary.json", **options) -> Path:
    """
    Replace the fit of ``root/key/source_lp[1]`` by ``<identifier>.zip`` as autofit archives
    it, with ``corrupt_last`` written last (so damage there comes after other members are out).
    """
    folder = the_fit(root, key)
    names = sorted(
        (str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()),
        key=lambda name: (name == corrupt_last, name),
    )
    zip_path = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(zip_path, "w", **options) as archive:
        for name in names:
            archive.write(folder / name, name)
    shutil.rmtree(folder)
    return zip_path


def member_data_start(data: bytes, name: str) -> int:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    return info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)


def central_record(data: bytes, name: str) -> int:
    offset = data.find(b"PK\x01\x02")
    while data[offset + 46 : offset + 46 + struct.unpack_from("<H", data, offset + 28)[0]] != name.encode():
        offset = data.find(b"PK\x01\x02", offset + 4)
    return offset


def not_a_zip(data: bytes) -> bytes:
    return b"not a zip at all"


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def bad_crc(data: bytes) -> bytes:
    data = bytearray(data)
    data[member_data_start(bytes(data), "files/samples_summary.json") + 100] ^= 0xFF
    return bytes(data)


def bad_deflate_stream(data: bytes) -> bytes:
    data = bytearray(data)
    start = member_data_start(bytes(data), "files/samples_summary.json")
    data[start : start + 2] = b"\xff\xff"  # a reserved deflate block type
    return bytes(data)


def member_past_the_end(data: bytes) -> bytes:
    # The directory says the member is longer than the whole file: reading it runs out.
    data = bytearray(data)
    record = central_record(bytes(data), "files/samples_summary.json")
    struct.pack_into("<II", data, record + 20, 2 * len(data), 2 * len(data))
    return bytes(data)


DAMAGES = [
    (not_a_zip, zipfile.ZIP_DEFLATED, "BadZipFile"),
    (truncated, zipfile.ZIP_DEFLATED, "BadZipFile"),
    (bad_crc, zipfile.ZIP_STORED, "BadZipFile: Bad CRC-32"),
    (bad_deflate_stream, zipfile.ZIP_DEFLATED, "zlib.error"),
    (member_past_the_end, zipfile.ZIP_STORED, "EOFError"),
]


def test_zipped_fit_is_found_when_the_zip_is_sound(output_copy, tmp_path):
    zip_fit(output_copy, "vis/lens_003", compression=zipfile.ZIP_DEFLATED)
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == []


@pytest.mark.parametrize("damage, compression, error", DAMAGES, ids=[d[0].__name__ for d in DAMAGES])
def test_bad_zip_is_recorded_and_nothing_half_extracted(output_copy, tmp_path, damage, compression, error):
    zip_path = zip_fit(output_copy, "vis/lens_003", compression=compression)
    zip_path.write_bytes(damage(zip_path.read_bytes()))
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(zip_path), BAD_ZIP)]
    assert reason_of(agg, zip_path).startswith(f"{BAD_ZIP} ({error}")
    temporary = agg._aggregator._temporary_directory
    assert temporary is not None and temporary.path.is_dir()  # the fixture's own zip is there
    assert not (temporary.path / zip_path.relative_to(output_copy).with_suffix("")).exists()
    assert all("lens_003/source_lp" not in d for d in agg._aggregator.directories)


def test_junk_zip_beside_the_fits_costs_nothing(output_copy, tmp_path):
    junk = output_copy / "vis" / "broken.zip"
    junk.write_text("not a zip")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == [(str(junk), BAD_ZIP)]
    assert agg._aggregator.skipped[0].kind == BAD_ZIP
    assert len(agg._aggregator) == 8


def test_full_temporary_folder_is_an_error_not_a_bad_zip(output_copy, monkeypatch):
    def no_space(self, path=None, members=None, pwd=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "extractall", no_space)
    zip_path = next((output_copy / "vis" / "lens_002" / "source_pix[2]").glob("*.zip"))
    with pytest.raises(OSError, match=re.escape(f"Cannot extract {zip_path}")):
        find_fits(output_copy)


@pytest.mark.unprivileged
def test_unreadable_zip_is_recorded(output_copy, tmp_path, unreadable):
    zip_path = zip_fit(output_copy, "vis/lens_003")
    unreadable(zip_path)
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(zip_path), BAD_ZIP)]
    assert reason_of(agg, zip_path) == f"{BAD_ZIP} (PermissionError: Permission denied)"


# ----------------------------------------------------------------------------- folders


@pytest.mark.unprivileged
@pytest.mark.parametrize("processes", [1, 2])
def test_unreadable_folder_is_recorded(output_copy, tmp_path, unreadable, processes):
    folder = unreadable(output_copy / "vis" / "lens_003")
    agg, cells = build(output_copy, tmp_path, processes=processes)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(folder), UNREADABLE_FOLDER)]
    assert reason_of(agg, folder) == f"{UNREADABLE_FOLDER} (PermissionError: Permission denied)"


@pytest.mark.unprivileged
def test_unreadable_output_folder_is_an_error(output_copy, unreadable):
    unreadable(output_copy)
    with pytest.raises(PermissionError, match=re.escape(str(output_copy))):
        find_fits(output_copy)


def test_output_folder_that_is_a_file_is_an_error(tmp_path):
    file = tmp_path / "results.csv"
    file.write_text("row\n")
    with pytest.raises(NotADirectoryError, match=re.escape(f"{file} is a file")):
        find_fits(file)
    with pytest.raises(OSError, match=re.escape(str(file))):
        AggregatorCSV.from_directory(file)


# ------------------------------------------------------------------------- search.json


def test_fit_without_search_json_is_recorded(output_copy, tmp_path):
    fit = the_fit(output_copy, "vis/lens_003")
    (fit / "files" / "search.json").unlink()
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]
    assert reason_of(agg, fit) == f"{NO_SEARCH_JSON} (missing)"


def test_running_fit_without_search_json_is_recorded_unless_completed_only(output_copy, tmp_path):
    fit = the_fit(output_copy, "vis/lens_004")  # no .completed, files/model.json only
    (fit / "files" / "search.json").unlink()
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_004"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]
    agg, cells = build(output_copy, tmp_path, completed_only=True)
    assert skipped_kinds(agg) == []


def test_completed_folder_without_files_is_recorded(output_copy, tmp_path):
    fit = the_fit(output_copy, "vis/lens_003")
    shutil.rmtree(fit / "files")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]


def test_fit_without_search_json_inside_a_zip_is_named_in_the_tree(output_copy, tmp_path):
    fit = the_fit(output_copy, "vis/lens_003")
    (fit / "files" / "search.json").unlink()
    zip_fit(output_copy, "vis/lens_003")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]


def test_folders_that_are_not_fits_are_not_recorded(output_copy, tmp_path):
    (output_copy / "notes" / "files").mkdir(parents=True)
    (output_copy / "notes" / "files" / "readme.txt").write_text("not a fit")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells)
    assert skipped_kinds(agg) == []


@pytest.mark.unprivileged
def test_unreadable_search_json_is_recorded(output_copy, tmp_path, unreadable):
    fit = the_fit(output_copy, "vis/lens_003")
    unreadable(fit / "files" / "search.json")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]
    assert reason_of(agg, fit) == f"{NO_SEARCH_JSON} (PermissionError: Permission denied)"


@pytest.mark.unprivileged
def test_unreadable_files_folder_is_recorded(output_copy, tmp_path, unreadable):
    fit = the_fit(output_copy, "vis/lens_003")
    unreadable(fit / "files")
    agg, cells = build(output_copy, tmp_path)
    assert_rows_intact(cells, lost={"vis/lens_003"})
    assert skipped_kinds(agg) == [(str(fit), NO_SEARCH_JSON)]


# --------------------------------------------------------------------------- all at once


def test_every_fault_at_once_in_parallel(output_copy, tmp_path):
    (output_copy / "vis" / "itself").symlink_to("itself")
    (output_copy / "vis" / "broken.zip").write_text("not a zip")
    (the_fit(output_copy, "vis/lens_002") / "files" / "search.json").unlink()
    zip_path = zip_fit(output_copy, "vis/lens_003")
    zip_path.write_bytes(truncated(zip_path.read_bytes()))
    one, cells_one = build(output_copy, tmp_path, processes=1)
    two, cells_two = build(output_copy, tmp_path, processes=2)
    assert cells_one == cells_two
    assert_rows_intact(cells_two, lost={"vis/lens_002", "vis/lens_003"})
    assert one._aggregator.skipped == two._aggregator.skipped
    assert [kind for _, kind in skipped_kinds(two)] == [BAD_ZIP, SYMLINK_LOOP, NO_SEARCH_JSON, BAD_ZIP]


# ------------------------------------------------------------------------ permissions


def _still_readable(path: Path) -> bool:
    try:
        if path.is_dir():
            os.listdir(path)
        else:
            path.read_bytes()
    except PermissionError:
        return False
    return True


@pytest.fixture
def unreadable():
    """
    ``unreadable(path)`` takes every permission from ``path`` (restored afterwards) and returns
    it; skips where that does not make it unreadable (root), fails instead where
    ``AUTOFIT_CSV_REQUIRE_UNPRIVILEGED`` is set.
    """
    changed = []

    def make(path: Path) -> Path:
        changed.append((path, stat.S_IMODE(path.stat().st_mode)))
        path.chmod(0)
        if _still_readable(path):
            message = (
                f"{path} is still readable with mode 000: this process overrides file "
                f"permissions (root); `make test` runs these tests again without that right"
            )
            if os.environ.get(REQUIRE_UNPRIVILEGED):
                pytest.fail(f"{REQUIRE_UNPRIVILEGED} is set but {message}")
            pytest.skip(message)
        return path

    yield make
    for path, mode in reversed(changed):
        path.chmod(mode)


def test_a_sampled_fit_with_garbled_search_json_keeps_its_row(output_copy, tmp_path):
    # The last fit in folder order is one of the three whose search.json is read to learn the
    # layout; garbled, it must neither cost its row nor make the others read theirs.
    from test_autofit_csv.conftest import build, fit_folder, table

    folder = fit_folder("vis/lens_004/source_lp[1]", output_copy)
    (folder / "files" / "search.json").write_text('{"trunc')
    agg = build(output_copy)
    assert agg.folders() == {"source_lp[1]": 5, "source_pix[2]": 3}
    agg.add_info_column("id", key="id_str", folder="source_lp[1]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    assert "vis/lens_004" in rows and agg.report.rows == 5
