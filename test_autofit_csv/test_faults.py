"""
Trust I: one bad fit never costs the table.

Each test damages one fit of a private copy of the real fixtures (``output_copy``), builds the
table, and checks four things: the table is written; every other cell equals the fixture JSON
(read here with the json module, csv module and numpy, never with autofit_csv); the damaged fit's
cells are blank; a counted ``AutofitCSVWarning`` and ``agg.report`` name the fit and the file.
"""
import json
import os
import shutil
import warnings

import numpy as np
import pytest

from autofit_csv import (
    AggregatorCSV,
    AutofitCSVWarning,
    ColumnFunctionError,
    FitFileError,
)
from test_autofit_csv.conftest import (
    EINSTEIN_MASS,
    ER,
    OUTPUT,
    build,
    fit_folder,
    interval,
    read_json,
    read_zipped_json,
    rename_dataset,
    sample_value,
    samples_column,
    table,
)
# chmod 000 that skips where it does not bind (root), fails where it must (make test's
# unprivileged pass).
from test_autofit_csv.loaders.test_discovery_faults import unreadable  # noqa: F401

LP, PIX = "source_lp[1]", "source_pix[2]"
#: The row whose source_lp[1] fit each test damages.
DAMAGED_ROW = "vis/lens_002"
DAMAGED_FIT = f"{DAMAGED_ROW}/{LP}"
#: Rows with a finished source_lp[1] fit in the fixture.
FINISHED = ("nir/lens_001", "vis/lens_001", "vis/lens_002", "vis/lens_003")
ROWS = FINISHED + ("vis/lens_004",)

SUMMARY = ("er", "er_lower_3_sigma", "er_upper_3_sigma")
LATENT = ("mass",)
INSTANCE = ("x2",)
SAMPLES = ("q", "q_lower", "q_upper")
INFO = ("id",)
HEADERS = SUMMARY + LATENT + INSTANCE + SAMPLES + INFO + ("pix",)
QUANTILES = [0.5, 0.00135, 0.99865]


def quantiles(samples):
    values = np.array(samples.values_for_path(tuple(ER.split("."))))
    return tuple(np.quantile(values, QUANTILES))


def doubled(instance):
    return 2.0 * instance.galaxies.lens.mass.einstein_radius


def define(agg: AggregatorCSV) -> AggregatorCSV:
    """
    One column of every kind that reads a fit's files, so a damaged file shows which cells need it.
    """
    agg.add_column("er", model_path=ER, folder=LP, error="values_at_sigma_3")
    agg.add_column("mass", model_path=EINSTEIN_MASS, folder=LP)
    agg.add_column("x2", latent_func=doubled, folder=LP)
    agg.add_x3_columns_with_errors("q", samples_func=quantiles, folder=LP)
    agg.add_info_column("id", key="id_str", folder=LP)
    agg.add_column("pix", model_path=ER, folder=PIX)
    return agg


def expected_rows() -> dict:
    """
    {row key: {header: value}} of the undamaged fixture, from its JSON and samples.csv; None for
    a cell that is blank there (the unfinished lens_004, rows without a source_pix[2] fit).
    """
    rows = {key: dict.fromkeys(HEADERS) for key in ROWS}
    for key in FINISHED:
        location = f"{key}/{LP}"
        lower, upper = interval(location, ER, "values_at_sigma_3")
        median, q_lower, q_upper = np.quantile(samples_column(location, ER), QUANTILES)
        rows[key].update(
            er=sample_value(location, ER),
            er_lower_3_sigma=lower,
            er_upper_3_sigma=upper,
            mass=sample_value(location, EINSTEIN_MASS, latent=True),
            x2=2.0 * sample_value(location, ER),
            q=median,
            q_lower=q_lower,
            q_upper=q_upper,
            id=read_json(location, "info")["id_str"],
        )
    for key in ("vis/lens_001", "vis/lens_003"):
        rows[key]["pix"] = sample_value(f"{key}/{PIX}", ER)
    zipped = read_zipped_json(f"vis/lens_002/{PIX}", "samples_summary")
    rows["vis/lens_002"]["pix"] = zipped["arguments"]["median_pdf_sample"]["arguments"]["kwargs"][
        "arguments"
    ][ER]
    return rows


def assert_table(rows: dict, blank=(), row: str = DAMAGED_ROW):
    """
    Every cell of ``rows`` (read back from the CSV) equals the fixture, except ``blank`` headers
    of ``row``, which are empty.
    """
    expected = expected_rows()
    assert sorted(rows) == sorted(expected)
    for key, cells in expected.items():
        assert list(rows[key]) == ["row", *HEADERS]
        for header, value in cells.items():
            text = rows[key][header]
            where = (key, header, text)
            if value is None or (key == row and header in blank):
                assert text == "", where
            elif isinstance(value, str):
                assert text == value, where
            else:
                assert float(text) == value, where


def built(root, tmp_path, **kwargs):
    """
    Build and save the table over ``root``; the rows read back, our counted warnings, the table.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = define(build(root, **kwargs))
        rows = table(agg, tmp_path)
    ours = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    return rows, ours, agg


def assert_named(agg, ours, root, headers, file, fit=DAMAGED_FIT):
    """
    The report lists the fit under each blank header with a reason naming ``file``, and one
    counted warning names both the fit and the file.
    """
    label = str(fit_folder(fit, root))
    for header in headers:
        reasons = agg.report.blank[header]
        assert any(file in reason and label in who for reason, who in reasons.items()), (
            header,
            reasons,
        )
    assert any(label in message and file in message for message in ours), ours


# ---------------------------------------------------------------------- damage to one fit


def files_of(root):
    return fit_folder(DAMAGED_FIT, root) / "files"


def write(name, text):
    def damage(root):
        (files_of(root) / name).write_text(text)

    return damage


def folder_instead(name):
    def damage(root):
        (files_of(root) / name).unlink()
        (files_of(root) / name).mkdir()

    return damage


def remove(name):
    def damage(root):
        (files_of(root) / name).unlink()

    return damage


def samples_cut(inside_last_column: bool):
    """
    samples.csv cut off mid-line, as a job killed while writing leaves it: in the middle of a
    line, or inside the last number of the line (which still parses, as a different number).
    """

    def damage(root):
        path = files_of(root) / "samples.csv"
        data = path.read_bytes()
        line_start = data.index(b"\n", len(data) // 2) + 1
        line_end = data.index(b"\n", line_start)
        if inside_last_column:
            cut = data.rindex(b",", line_start, line_end) + 4
        else:
            cut = data.index(b",", line_start) + 3
        assert line_start < cut < line_end
        path.write_bytes(data[:cut])

    return damage


def edit_json(name, change):
    def damage(root):
        path = files_of(root) / name
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))

    return damage


def median_text(summary):
    """
    The median of the einstein radius written as text, as a hand-edited or foreign file might.
    """
    values = summary["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"]
    values[ER] = str(values[ER])


def interval_text(summary):
    entry = summary["arguments"]["values_at_sigma_3"]["arguments"][ER]
    entry["values"] = [str(value) for value in entry["values"]]


def link(name, target):
    def damage(root):
        (files_of(root) / name).unlink()
        (files_of(root) / name).symlink_to(target)

    return damage


def header_only(root):
    path = files_of(root) / "samples.csv"
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])


def model_damage(text):
    return write("model.json", text)


CASES = [
    pytest.param(
        write("samples_summary.json", '{"arguments": null}'),
        SUMMARY + INSTANCE,
        "files/samples_summary.json",
        id="summary-arguments-null",
    ),
    pytest.param(
        write("samples_summary.json", '{"arguments": {"median_pdf_sample": 3}}'),
        SUMMARY + INSTANCE,
        "files/samples_summary.json",
        id="summary-median-is-a-number",
    ),
    pytest.param(
        write("samples_summary.json", "[1, 2, 3]"),
        SUMMARY + INSTANCE,
        "files/samples_summary.json",
        id="summary-is-a-list",
    ),
    pytest.param(
        folder_instead("samples_summary.json"),
        SUMMARY + INSTANCE,
        "files/samples_summary.json",
        id="summary-is-a-folder",
    ),
    pytest.param(folder_instead("info.json"), INFO, "files/info.json", id="info-is-a-folder"),
    pytest.param(
        model_damage('{"type": "collection", "arguments": 5}'),
        INSTANCE + SAMPLES,
        "files/model.json",
        id="model-autofit-cannot-build",
    ),
    pytest.param(model_damage("[]"), INSTANCE + SAMPLES, "files/model.json", id="model-is-a-list"),
    pytest.param(
        samples_cut(inside_last_column=False),
        SAMPLES,
        "files/samples.csv",
        id="samples-truncated-mid-line",
    ),
    pytest.param(
        samples_cut(inside_last_column=True),
        SAMPLES,
        "files/samples.csv",
        id="samples-truncated-inside-last-number",
    ),
    pytest.param(
        write("samples.csv", "hello,world\n\x01\x02 garbage,,\n"),
        SAMPLES,
        "files/samples.csv",
        id="samples-garbage",
    ),
    pytest.param(folder_instead("samples.csv"), SAMPLES, "files/samples.csv", id="samples-folder"),
    pytest.param(remove("samples_info.json"), SAMPLES, "files/samples_info.json", id="no-samples-info"),
    pytest.param(
        write("latent/latent_summary.json", '{"arguments": {"median_pdf_sample": {"arguments": 5}}}'),
        LATENT,
        "files/latent/latent_summary.json",
        id="latent-summary-wrong-shape",
    ),
    pytest.param(
        write("latent/latent_summary.json", '"a string"'),
        LATENT,
        "files/latent/latent_summary.json",
        id="latent-summary-a-string",
    ),
    # Found by attack (docs/bad_input.md, "Found by attack").
    pytest.param(
        edit_json("samples_summary.json", median_text),
        ("er",) + INSTANCE,
        "files/samples_summary.json",
        id="attack-summary-value-is-text",
    ),
    pytest.param(
        edit_json("samples_summary.json", interval_text),
        ("er_lower_3_sigma", "er_upper_3_sigma"),
        "files/samples_summary.json",
        id="attack-interval-values-are-text",
    ),
    pytest.param(
        write("samples_summary.json", ""),
        SUMMARY + INSTANCE,
        "files/samples_summary.json",
        id="attack-summary-empty-file",
    ),
    pytest.param(
        link("info.json", "nowhere.json"), INFO, "files/info.json", id="attack-info-broken-symlink"
    ),
    pytest.param(link("info.json", "info.json"), INFO, "files/info.json", id="attack-info-symlink-loop"),
    pytest.param(
        header_only, SAMPLES, "files/samples.csv", id="attack-samples-header-without-samples"
    ),
    pytest.param(write("samples.csv", ""), SAMPLES, "files/samples.csv", id="attack-samples-empty-file"),
]


@pytest.mark.parametrize("damage, blank, file", CASES)
def test_damaged_file_blanks_only_the_cells_that_need_it(output_copy, tmp_path, damage, blank, file):
    damage(output_copy)
    rows, ours, agg = built(output_copy, tmp_path)
    assert_table(rows, blank)
    assert_named(agg, ours, output_copy, blank, file)
    assert agg.report.rows == len(ROWS)


@pytest.mark.parametrize("damage, blank, file", CASES)
def test_strict_stops_at_the_damaged_fit_naming_it_and_the_file(output_copy, tmp_path, damage, blank, file):
    damage(output_copy)
    previous = tmp_path / "table.csv"
    previous.write_bytes(b"previous\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = define(build(output_copy, strict=True))
        with pytest.raises(FitFileError) as info:
            agg.save(previous)
    message = str(info.value)
    assert str(fit_folder(DAMAGED_FIT, output_copy)) in message
    assert file in message
    assert previous.read_bytes() == b"previous\n"
    assert sorted(os.listdir(tmp_path)) == ["output", "table.csv"]


# ---------------------------------------------------------------------- unreadable files


@pytest.mark.unprivileged
@pytest.mark.parametrize(
    "name, blank",
    [("info.json", INFO), ("samples_summary.json", SUMMARY + INSTANCE), ("samples.csv", SAMPLES)],
)
def test_unreadable_file_blanks_only_its_cells(output_copy, tmp_path, unreadable, name, blank):
    unreadable(files_of(output_copy) / name)
    rows, ours, agg = built(output_copy, tmp_path)
    assert_table(rows, blank)
    assert_named(agg, ours, output_copy, blank, f"files/{name}")
    assert any("permission denied" in m for m in ours)


# ---------------------------------------------------------------------- counted warnings


class FitWarning(UserWarning):
    """
    A user's own warning category, raised inside a latent_func.
    """


def forking(caught) -> bool:
    """
    Python's own warning that this process forks while another thread runs (a thread left by an
    earlier test): said by the parallel build only, and not about the fits.
    """
    return "use of fork()" in str(caught.message)


def damage_three_fits(root):
    (fit_folder("vis/lens_002/source_lp[1]", root) / "files/samples_summary.json").write_text("[]")
    info = fit_folder("vis/lens_003/source_lp[1]", root) / "files/info.json"
    info.unlink()
    info.mkdir()
    (fit_folder("nir/lens_001/source_lp[1]", root) / "files/samples.csv").write_text("x\ny\n")


def test_two_processes_give_the_same_warnings_report_and_bytes(output_copy, tmp_path):
    damage_three_fits(output_copy)
    results = []
    for processes in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            agg = define(build(output_copy, processes=processes))
            path = agg.save(tmp_path / f"p{processes}.csv")
        ours = [(w.category, str(w.message)) for w in caught if not forking(w)]
        results.append((path.read_bytes(), ours, agg.report.to_dict()))
    (serial_bytes, serial_warnings, serial_report), (bytes_2, warnings_2, report_2) = results
    assert bytes_2 == serial_bytes
    assert warnings_2 == serial_warnings
    assert report_2 == serial_report
    # The damage is there to be said, the same way both times.
    for location in ("vis/lens_002/source_lp[1]", "vis/lens_003/source_lp[1]", "nir/lens_001/source_lp[1]"):
        label = str(fit_folder(location, output_copy))
        assert any(label in message for _, message in serial_warnings)


def warning_function(instance):
    radius = instance.galaxies.lens.mass.einstein_radius
    warnings.warn(f"old style radius {radius!r}", DeprecationWarning)
    warnings.warn("a warning of the user's own kind", FitWarning)
    return radius


def warnings_of_save(processes: int, action: str, tmp_path):
    agg = build(processes=processes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the function also runs at add time, to learn its shape
        agg.add_column("er", model_path=ER, folder=LP)
        agg.add_column("f", latent_func=warning_function, folder=LP)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        agg.save(tmp_path / f"{processes}-{action}.csv")
    return [
        (w.category, str(w.message))
        for w in caught
        if w.category is not AutofitCSVWarning and not forking(w)
    ]


@pytest.mark.parametrize("action", ["always", "default"])
def test_warnings_of_a_function_reach_the_caller_with_their_category(tmp_path, action):
    serial = warnings_of_save(1, action, tmp_path)
    parallel = warnings_of_save(2, action, tmp_path)
    radii = [sample_value(f"{key}/{LP}", ER) for key in sorted(FINISHED)]
    expected_deprecations = [(DeprecationWarning, f"old style radius {r!r}") for r in radii]
    assert [w for w in serial if w[0] is DeprecationWarning] == expected_deprecations
    own = [w for w in serial if w[0] is FitWarning]
    # "default" shows a repeated warning from one line once; "always" every time.
    assert len(own) == (len(radii) if action == "always" else 1)
    assert parallel == serial


# ---------------------------------------------------------------------- functions that always fail


def never_works(instance):
    raise ValueError(f"cannot use radius {instance.galaxies.lens.mass.einstein_radius!r}")


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("processes", [1, 2])
def test_function_failing_for_every_fit_stops_the_build(tmp_path, strict, processes):
    agg = build(strict=strict, processes=processes)
    agg.add_column("er", model_path=ER, folder=LP)
    agg.add_column("broken", latent_func=never_works, folder=LP)
    path = tmp_path / "out" / "table.csv"
    path.parent.mkdir()
    path.write_bytes(b"previous\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ColumnFunctionError) as info:
            agg.save(path)
    message = str(info.value)
    first = f"{sorted(FINISHED)[0]}/{LP}"
    assert "column 'broken'" in message
    assert f"ValueError: cannot use radius {sample_value(first, ER)!r}" in message
    assert str(fit_folder(first)) in message
    assert path.read_bytes() == b"previous\n"
    assert os.listdir(path.parent) == ["table.csv"]


# ---------------------------------------------------------------------- add_json_column containment


def test_row_key_never_leads_a_json_path_out_of_its_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "data" / "a").mkdir(parents=True)
    (work / "data" / "a" / "result.json").write_text(json.dumps({"mass": 1.25}))
    # A real file where "../../secret" leads from the template's fixed folder, work/data.
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "result.json").write_text(json.dumps({"mass": 666.0}))
    monkeypatch.chdir(work)
    agg = AggregatorCSV.from_rows(["../../secret", "a"])
    agg.add_json_column("mass", path="data/{row}/result.json", key="mass")
    with pytest.warns(AutofitCSVWarning) as record:
        rows = table(agg, tmp_path)
    assert rows["a"]["mass"] == "1.25"
    assert rows["../../secret"]["mass"] == ""
    reasons = agg.report.blank["mass"]
    assert any("outside" in reason and who == ["../../secret"] for reason, who in reasons.items())
    assert any("../../secret" in str(w.message) and "outside" in str(w.message) for w in record)


def test_absolute_template_is_contained_too(tmp_path):
    (tmp_path / "data" / "a").mkdir(parents=True)
    (tmp_path / "data" / "a" / "result.json").write_text(json.dumps({"mass": 2.5}))
    (tmp_path / "secret.json").write_text(json.dumps({"mass": 666.0}))
    agg = AggregatorCSV.from_rows(["a", "../secret.json/..", "a/../../secret"])
    agg.add_json_column("mass", path=str(tmp_path / "data" / "{row}" / "result.json"), key="mass")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    assert rows["a"]["mass"] == "2.5"
    assert rows["../secret.json/.."]["mass"] == rows["a/../../secret"]["mass"] == ""
    (reason,) = agg.report.blank["mass"]
    assert sorted(agg.report.blank["mass"][reason]) == ["../secret.json/..", "a/../../secret"]


# ---------------------------------------------------------------------- found by attack
# Each case is a row of docs/bad_input.md, "Found by attack".


def set_median(root, text: str):
    """
    Replace the einstein radius of the damaged fit's median PDF sample by the JSON ``text``
    (NaN, 1e400: what the json module reads, but is not a finite number).
    """
    path = files_of(root) / "samples_summary.json"
    raw = path.read_text()
    value = json.loads(raw)["arguments"]["median_pdf_sample"]["arguments"]["kwargs"]["arguments"][ER]
    assert raw.count(repr(value)) >= 1
    path.write_text(raw.replace(f'"{ER}": {value!r}', f'"{ER}": {text}'))


@pytest.mark.parametrize("text, written", [("NaN", "nan"), ("1e400", "inf"), ("-1e400", "-inf")])
def test_non_finite_summary_value_is_written_and_flagged(output_copy, tmp_path, text, written):
    set_median(output_copy, text)
    rows, ours, agg = built(output_copy, tmp_path)
    assert rows[DAMAGED_ROW]["er"] == written
    assert rows[DAMAGED_ROW]["x2"] == written
    others = {key: row for key, row in rows.items() if key != DAMAGED_ROW}
    expected = expected_rows()
    for key, row in others.items():
        if expected[key]["er"] is not None:
            assert float(row["er"]) == expected[key]["er"]
    flagged = [p for p in agg.report.problems if "non-finite" in p]
    assert any(p.startswith("er:") and DAMAGED_ROW in p for p in flagged)
    assert any(p.startswith("x2:") and DAMAGED_ROW in p for p in flagged)
    assert any("data-quality" in m for m in ours)


def test_duplicated_key_in_info_takes_the_last_as_json_does(output_copy, tmp_path):
    text = '{"id_str": "first", "id_str": "second", "band": "vis"}'
    (files_of(output_copy) / "info.json").write_text(text)
    rows, _, _ = built(output_copy, tmp_path)
    assert rows[DAMAGED_ROW]["id"] == json.loads(text)["id_str"] == "second"
    assert rows["vis/lens_001"]["id"] == read_json(f"vis/lens_001/{LP}", "info")["id_str"]


def test_model_without_parameters_blanks_alias_lookups_naming_model_json(output_copy, tmp_path):
    # The lens mass centre is linked to the source centre; the summary writes the source path.
    lens, source = "galaxies.lens.mass.centre.centre_0", "galaxies.source.bulge.centre.centre_0"
    median = read_json(DAMAGED_FIT, "samples_summary")["arguments"]["median_pdf_sample"]
    assert lens not in median["arguments"]["kwargs"]["arguments"]
    (files_of(output_copy) / "model.json").write_text("[]")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = build(output_copy)
        agg.add_column("centre", model_path=lens, folder=LP)
        rows = table(agg, tmp_path)
    assert rows[DAMAGED_ROW]["centre"] == ""
    for key in ("vis/lens_001", "vis/lens_003", "nir/lens_001"):
        assert float(rows[key]["centre"]) == sample_value(f"{key}/{LP}", source)
    label = str(fit_folder(DAMAGED_FIT, output_copy))
    assert any(
        "files/model.json" in reason and label in who
        for reason, who in agg.report.blank["centre"].items()
    )
    assert any(label in str(w.message) and "files/model.json" in str(w.message) for w in caught)


def test_header_only_samples_csv_raises_no_numpy_warning(output_copy, tmp_path):
    header_only(output_copy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agg = define(build(output_copy))
        table(agg, tmp_path)
    assert [w for w in caught if not issubclass(w.category, AutofitCSVWarning)] == []
    assert any("no samples" in m for m in (str(w.message) for w in caught))


def test_unicode_dataset_folder(output_copy, tmp_path):
    name = "vis/lens_\u00e9\U0001F52D002"
    rename_dataset(output_copy, DAMAGED_ROW, name)
    rows, _, _ = built(output_copy, tmp_path)
    assert DAMAGED_ROW not in rows
    expected = expected_rows()
    rows[DAMAGED_ROW] = dict(rows.pop(name), row=DAMAGED_ROW)
    assert_table(rows)
    assert expected[DAMAGED_ROW]["er"] is not None


class Unprintable:
    def __str__(self):
        raise RuntimeError("no text for this")


ODD_RESULTS = [
    pytest.param(lambda radius: np.linspace(0.0, radius, 2000), "array", id="long-numpy-array"),
    pytest.param(lambda radius: np.array([radius, 1.0]), "array", id="two-element-array"),
    pytest.param(lambda radius: Unprintable(), "returned a Unprintable, not a number or text", id="str-raises"),
    pytest.param(lambda radius: {radius}, "returned a set, not a number or text", id="a-set"),
    pytest.param(lambda radius: (r for r in [radius]), "returned a generator, not a number or text", id="a-generator"),
    pytest.param(lambda radius: 10**5000, "cannot be written as text", id="integer-too-long"),
]


@pytest.mark.parametrize("odd, reason", ODD_RESULTS)
def test_odd_function_result_blanks_only_that_fits_cell(tmp_path, odd, reason):
    damaged = sample_value(DAMAGED_FIT, ER)

    def function(instance):
        radius = instance.galaxies.lens.mass.einstein_radius
        return odd(radius) if radius == damaged else radius

    agg = build()
    agg.add_column("f", latent_func=function, folder=LP)
    with pytest.warns(AutofitCSVWarning) as record:
        rows = table(agg, tmp_path)
    assert rows[DAMAGED_ROW]["f"] == ""
    for key in ("vis/lens_001", "vis/lens_003", "nir/lens_001"):
        assert float(rows[key]["f"]) == sample_value(f"{key}/{LP}", ER)
    label = str(fit_folder(DAMAGED_FIT))
    assert any(reason in r and label in who for r, who in agg.report.blank["f"].items())
    assert any(label in str(w.message) and "column 'f'" in str(w.message) for w in record)


def test_one_element_array_is_its_number_in_full(tmp_path):
    agg = build()
    agg.add_column("f", latent_func=lambda i: np.array([i.galaxies.lens.mass.einstein_radius]), folder=LP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    for key in ("vis/lens_001", "vis/lens_002", "vis/lens_003", "nir/lens_001"):
        assert rows[key]["f"] == repr(sample_value(f"{key}/{LP}", ER))


def test_dict_result_with_keys_that_are_not_text(tmp_path):
    agg = build()
    agg.add_column(
        "f",
        latent_func=lambda i: {1: i.galaxies.lens.mass.einstein_radius, (2, 3): 0.5},
        folder=LP,
    )
    assert agg.headers == ["row", "f_1", "f_(2, 3)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = table(agg, tmp_path)
    assert float(rows["vis/lens_002"]["f_1"]) == sample_value(DAMAGED_FIT, ER)
    assert rows["vis/lens_002"]["f_(2, 3)"] == "0.5"


def test_dict_result_whose_keys_collide_as_text_is_refused_at_add_time():
    agg = build()
    with pytest.raises(ValueError, match="'f_1'"):
        agg.add_column("f", latent_func=lambda i: {1: 1.0, "1": 2.0}, folder=LP)
    assert agg.headers == ["row"]


@pytest.mark.parametrize("damage", ["files-is-a-file", "completed-without-files"])
def test_fit_folder_that_cannot_be_read_is_recorded_as_skipped(output_copy, tmp_path, damage):
    folder = fit_folder(DAMAGED_FIT, output_copy)
    shutil.rmtree(folder / "files")
    if damage == "files-is-a-file":
        (folder / "files").write_text("not a folder")
    assert (folder / ".completed").exists()
    rows, _, agg = built(output_copy, tmp_path)
    assert any(str(folder) in path for path, _ in agg.report.skipped), agg.report.skipped
    assert_table(rows, HEADERS[:-1])


def test_fit_with_garbage_search_json_keeps_its_row(output_copy, tmp_path):
    # Fits are placed by their folders; search.json is not needed to read the fit's cells.
    (files_of(output_copy) / "search.json").write_text("garbage")
    rows, _, _ = built(output_copy, tmp_path)
    assert_table(rows)


def test_corrupt_zip_is_skipped_not_fatal(output_copy, tmp_path):
    (zip_path,) = (output_copy / "vis/lens_002" / PIX).glob("*.zip")
    zip_path.write_bytes(b"PK\x03\x04 but not a zip")
    rows, _, agg = built(output_copy, tmp_path)
    assert any(str(zip_path) in path for path, _ in agg.report.skipped)
    assert rows[DAMAGED_ROW]["pix"] == ""
