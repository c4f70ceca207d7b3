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
        (["describe", "output"], "not yet implemented"),
        (["build", "spec.toml"], "not yet implemented"),
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
