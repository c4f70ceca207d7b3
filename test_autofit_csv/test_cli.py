"""
The command line as users run it: a real ``python -m autofit_csv`` (or ``autofit-csv``) process.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from test_autofit_csv.test_compare import R, Table, saved  # noqa: F401  (saved: a fixture)


def run(*arguments, command=(sys.executable, "-m", "autofit_csv")) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command, *map(str, arguments)], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def changed(saved, tmp_path) -> Path:  # noqa: F811
    """
    The saved table with one value moved far beyond its interval.
    """
    table = Table(saved)
    table.rows["vis/lens_002"][R] = repr(table.number("vis/lens_002", R) + 10.0)
    return table.write(tmp_path / "changed.csv")


def test_diff_of_the_same_table_exits_0(saved, tmp_path):  # noqa: F811
    copy = Table(saved).write(tmp_path / "copy.csv")

    result = run("diff", saved, copy)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Catalogue comparison\n\n**Nothing flagged: 5 rows")
    assert "## Flagged changes (0)" in result.stdout


def test_diff_with_a_flagged_change_exits_1_and_prints_it(saved, changed):  # noqa: F811
    result = run("diff", saved, changed)

    assert result.returncode == 1, result.stderr
    old, new = Table(saved).rows["vis/lens_002"][R], Table(changed).rows["vis/lens_002"][R]
    assert f"| `vis/lens_002` | `{R}` | `{old}` | `{new}` | " in result.stdout
    # Far beyond one sigma, but within a huge tolerance:
    assert run("diff", saved, changed, "--tolerance", "1e9").returncode == 0


def test_diff_report_goes_to_the_file_and_a_summary_to_stdout(saved, changed, tmp_path):  # noqa: F811
    report = tmp_path / "diff.md"

    result = run("diff", saved, changed, "--report", report)

    assert result.returncode == 1, result.stderr
    assert report.read_text() == run("diff", saved, changed).stdout
    assert result.stdout.splitlines() == [
        f"Flagged: 1 flagged cell (5 rows and 13 columns compared, 0 changes within tolerance). "
        f"Report: {report}"
    ]


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["diff", "{old}", "{missing}"], "{missing}: No such file or directory"),
        (["diff", "{norow}", "{old}"], "{norow}: no 'row' column"),
        (["diff", "{old}", "{old}", "--report", "{missing}/diff.md"], "cannot write the report"),
        (["diff", "{old}", "{old}", "--tolerance", "-1"], "must be a finite number >= 0"),
        (["diff", "{old}"], "the following arguments are required: NEW"),
        (["describe", "{missing}"], "No database file at {missing}"),
        (["build", "{missing}.toml"], "{missing}.toml: no such spec file"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_and_unreadable_files_exit_2(saved, tmp_path, arguments, words):  # noqa: F811
    norow = tmp_path / "norow.csv"
    norow.write_text("a,b\n1,2\n")
    names = {"old": saved, "missing": tmp_path / "missing", "norow": norow}

    result = run(*[argument.format(**names) for argument in arguments])

    assert result.returncode == 2
    assert words.format(**names) in result.stderr
    assert result.stdout == ""


def test_python_m_help_lists_the_commands():
    result = run("--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: autofit-csv ")
    for command in ("describe", "build", "diff"):
        assert f"    {command} " in result.stdout


def test_the_console_script_is_installed(saved):  # noqa: F811
    script = Path(sys.executable).parent / "autofit-csv"

    result = run("diff", saved, saved, command=(script,))

    assert result.returncode == 0, result.stderr
    assert "Nothing flagged" in result.stdout


# ---------------------------------------------------------------------- describe and build

from test_autofit_csv.conftest import ER, OUTPUT, read_csv, sample_value  # noqa: E402


def test_describe_prints_what_a_spec_can_name():
    result = run("describe", OUTPUT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("8 fit(s) in 2 folder(s)")
    assert "folder='source_lp[1]': 5 fit(s)" in result.stdout
    assert f"    {ER}\n" in result.stdout


def test_describe_of_nothing_readable_exits_2(tmp_path):
    result = run("describe", tmp_path / "missing.sqlite")
    assert result.returncode == 2
    assert "missing.sqlite" in result.stderr


def write_spec(folder: Path, columns: str, output='output = "out/table.csv"\n') -> Path:
    path = folder / "spec.toml"
    path.write_text(f'source = "{OUTPUT}"\n{output}folder = "source_lp[1]"\n{columns}')
    return path


ER_COLUMN = f'[[columns]]\nname = "er"\nmodel_path = "{ER}"\nerror = "values_at_sigma_3"\n'


def test_build_writes_the_spec_output_and_reports_on_stderr(tmp_path):
    spec = write_spec(tmp_path, ER_COLUMN)
    result = run("build", spec)
    assert result.returncode == 0, result.stderr
    rows = {row["row"]: row for row in read_csv(tmp_path / "out" / "table.csv")}
    assert float(rows["vis/lens_001"]["er"]) == sample_value("vis/lens_001/source_lp[1]", ER)
    assert "5 rows from 4 of 8 fits" in result.stderr
    assert "files/samples_summary.json is missing (1)" in result.stderr
    assert result.stdout == ""


def test_build_output_option_is_relative_to_the_working_directory(tmp_path):
    spec = write_spec(tmp_path, ER_COLUMN)
    (tmp_path / "here").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "autofit_csv", "build", str(spec), "-o", "t.parquet", "--processes", "2"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path / "here",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "here" / "t.parquet").exists()
    assert not (tmp_path / "out").exists()


def test_build_strict_exits_1_when_anything_is_blank(tmp_path):
    spec = write_spec(tmp_path, ER_COLUMN)
    result = run("build", spec, "--strict")
    assert result.returncode == 1
    assert (tmp_path / "out" / "table.csv").exists()
    assert "--strict" in result.stderr


def test_build_strict_exits_0_when_everything_is_filled(tmp_path):
    spec = write_spec(tmp_path, f'[[columns]]\nname = "er"\nmodel_path = "{ER}"\nfolder = "source_pix[2]"\n')
    path = tmp_path / "spec.toml"
    path.write_text(path.read_text().replace('source = "', 'completed_only = true\nsource = "'))
    result = run("build", spec, "--strict")
    # Every completed source_pix[2] fit has its summary, and every row has such a fit.
    assert result.returncode == 0, result.stderr


def test_build_failing_function_exits_1(tmp_path):
    (tmp_path / "broken.py").write_text("def f(instance):\n    raise RuntimeError('no')\n")
    spec = write_spec(tmp_path, '[[columns]]\nname = "x"\nlatent_func = "broken:f"\n')
    result = run("build", spec)
    assert result.returncode == 1
    assert "ColumnFunctionError" in result.stderr and "column 'x'" in result.stderr
    assert not (tmp_path / "out" / "table.csv").exists()


@pytest.mark.parametrize(
    "columns, output, words",
    [
        ('[[columns]]\nname = "er"\nmodle_path = "x"\n', 'output = "t.csv"\n', "did you mean 'model_path'"),
        (ER_COLUMN, "", "no output"),
        (ER_COLUMN, 'output = "t.xlsx"\n', "unknown suffix '.xlsx'"),
    ],
)
def test_build_bad_spec_exits_2_naming_the_key(tmp_path, columns, output, words):
    spec = write_spec(tmp_path, columns, output)
    result = run("build", spec)
    assert result.returncode == 2
    assert words in result.stderr


def test_build_bad_processes_exits_2(tmp_path):
    result = run("build", write_spec(tmp_path, ER_COLUMN), "--processes", "0")
    assert result.returncode == 2 and "--processes" in result.stderr


def test_the_spec_of_the_cli_page_builds_as_written(tmp_path):
    import re
    import shutil

    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    toml = re.search(r"```toml\n(.*?)```", page, re.S).group(1)
    functions = re.search(r"with `spec_functions.py` beside it:\n\n```py\n(.*?)```", page, re.S).group(1)
    # The page's relative source works from docs/; keep that layout in a copy.
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copytree(OUTPUT, tmp_path / "test_autofit_csv" / "fixtures" / "output")
    (docs / "spec.toml").write_text(toml)
    (docs / "spec_functions.py").write_text(functions)
    result = run("build", docs / "spec.toml")
    assert result.returncode == 0, result.stderr
    rows = {row["row"]: row for row in read_csv(docs / "_build" / "catalogue.csv")}
    assert float(rows["vis/lens_001"]["einstein_radius"]) == sample_value("vis/lens_001/source_lp[1]", ER)
    assert float(rows["vis/lens_001"]["einstein_radius_x2"]) == 2 * sample_value("vis/lens_001/source_lp[1]", ER)
    assert rows["vis/lens_001"]["fit"] == "catalogue_files/fit/vis_lens_001.png"
    assert (docs / "_build" / rows["vis/lens_001"]["fit"]).exists()


def test_build_of_a_source_that_is_not_a_database_exits_2_naming_it(tmp_path):
    not_a_database = tmp_path / "results.sqlite"
    not_a_database.write_text("these are notes, not a database\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(f'source = "results.sqlite"\noutput = "t.csv"\n{ER_COLUMN}')
    result = run("build", spec)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{spec}: source: " in result.stderr and str(not_a_database) in result.stderr


def test_build_of_a_strict_spec_stopped_by_a_skipped_fit_exits_1_with_a_message(tmp_path):
    import shutil

    output = tmp_path / "output"
    shutil.copytree(OUTPUT, output)
    zipped = next((output / "vis" / "lens_002" / "source_pix[2]").glob("*.zip"))
    zipped.write_bytes(b"not a zip")
    spec = tmp_path / "spec.toml"
    spec.write_text(f'source = "output"\noutput = "t.csv"\nstrict = true\n{ER_COLUMN}')
    result = run("build", spec)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("autofit-csv build: ") and str(zipped) in result.stderr
    assert not (tmp_path / "t.csv").exists()
