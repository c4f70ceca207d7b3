"""
The ``autofit-csv`` command (also ``python -m autofit_csv``).

Each subcommand's parser sets ``handler``, a function of the parsed arguments that returns the exit
status. Other modules add subcommands the same way: ``autofit_csv.database.add_db_subcommands``,
where that module has it, is given the subparsers and adds ``db``.
"""
import argparse
import importlib
import math
import sys
from pathlib import Path
from typing import List, Optional

# Exit statuses, as documented in docs/cli.md.
OK = 0
FLAGGED = 1
USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """
    The parser of every subcommand.

    Returns
    -------
    argparse.ArgumentParser
    """
    from autofit_csv import __version__

    parser = argparse.ArgumentParser(
        prog="autofit-csv",
        description="One table from a folder or database full of PyAutoFit results.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True

    describe = subparsers.add_parser(
        "describe",
        help="list the folders, model paths, latent paths and info keys of some results",
        description="List the folders, model paths, latent paths and info keys of some results.",
    )
    describe.add_argument("source", metavar="OUTPUT_FOLDER_OR_DATABASE")
    describe.set_defaults(handler=describe_command)

    build = subparsers.add_parser(
        "build",
        help="build the table a TOML spec describes",
        description="Build the table a TOML spec describes; the build report goes to stderr.",
    )
    build.add_argument("spec", metavar="SPEC.toml")
    build.add_argument("-o", "--output", metavar="PATH", help="overrides the spec's output")
    build.add_argument("--processes", type=int, metavar="N", help="worker processes")
    build.add_argument(
        "--strict", action="store_true", help="exit 1 when anything is blank, skipped or flagged"
    )
    build.set_defaults(handler=build_command)

    diff = subparsers.add_parser(
        "diff",
        help="compare two catalogues; exit 1 when a change is flagged",
        description=(
            "Compare two catalogues, matching rows by their 'row' column, and print a Markdown "
            "report. Exit 0 when nothing is flagged, 1 when something is, 2 on bad arguments "
            "or a file that cannot be read."
        ),
    )
    diff.add_argument("old", metavar="OLD", help="a .csv, .parquet, .fits or .ecsv catalogue")
    diff.add_argument("new", metavar="NEW", help="the catalogue to compare with OLD")
    diff.add_argument(
        "--tolerance",
        type=_non_negative,
        default=1.0,
        metavar="SIGMA",
        help="largest change, in combined sigma, of a value with an interval that is not "
        "flagged (default 1.0)",
    )
    diff.add_argument(
        "--rtol",
        type=_non_negative,
        default=0.0,
        metavar="R",
        help="largest relative change of a number without an interval that is not flagged "
        "(default 0: any change is flagged)",
    )
    diff.add_argument(
        "--report",
        metavar="PATH",
        help="write the Markdown report here and print only a one-line summary",
    )
    diff.set_defaults(handler=diff_command)

    _add_plugin_subcommands(subparsers)
    return parser


def _add_plugin_subcommands(subparsers):
    """
    Let ``autofit_csv.database`` add its ``db`` subcommands, where it exists and offers them.
    """
    try:
        database = importlib.import_module("autofit_csv.database")
    except ModuleNotFoundError as error:
        if error.name != "autofit_csv.database":
            raise  # the module is there but one of its own imports is missing: say so
        return
    add_db_subcommands = getattr(database, "add_db_subcommands", None)
    if add_db_subcommands is not None:
        add_db_subcommands(subparsers)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text!r}")
    return value


def _fail(command: str, message: str) -> int:
    print(f"autofit-csv {command}: {message}", file=sys.stderr)
    return USAGE


def diff_command(args: argparse.Namespace) -> int:
    """
    ``autofit-csv diff OLD NEW``: compare two catalogues and report.

    Parameters
    ----------
    args
        ``old``, ``new``, ``tolerance``, ``rtol`` and ``report`` (a path or None).

    Returns
    -------
    int
        0 when nothing is flagged, 1 when something is, 2 when a catalogue cannot be read or the
        report cannot be written.
    """
    from autofit_csv.comparison import CatalogueError, compare

    try:
        comparison = compare(args.old, args.new, tolerance=args.tolerance, rtol=args.rtol)
    except CatalogueError as error:
        return _fail("diff", str(error))
    except OSError as error:
        return _fail("diff", _os_error_text(error))
    markdown = comparison.to_markdown()
    if args.report is None:
        sys.stdout.write(markdown)
    else:
        try:
            Path(args.report).write_text(markdown, encoding="utf-8")
        except OSError as error:
            return _fail("diff", f"cannot write the report: {_os_error_text(error)}")
        print(f"{comparison.summary()} Report: {args.report}")
    return OK if comparison.ok else FLAGGED


def _os_error_text(error: OSError) -> str:
    # str(error) would show the file name repr()-quoted after the reason; lead with the file.
    if error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return str(error)


def _table_over(source: str, **options):
    """
    The table over an output folder, or over a database file or URL.
    """
    from autofit_csv import AggregatorCSV

    if "://" not in source and Path(source).is_dir():
        return AggregatorCSV.from_directory(source, **options)
    return AggregatorCSV.from_database(source, **options)


def describe_command(args: argparse.Namespace) -> int:
    """
    ``autofit-csv describe OUTPUT_FOLDER_OR_DATABASE``: print the folders, model paths, latent
    paths and info keys of the fits there (what a spec's columns can name).

    Returns
    -------
    int
        0, or 2 when the source cannot be read.
    """
    try:
        table = _table_over(args.source, progress=False)
        print(table.describe())
    except (FileNotFoundError, NotADirectoryError, ValueError) as error:
        return _fail("describe", str(error))
    except Exception as error:  # a database that cannot be opened, ...
        return _fail("describe", f"{type(error).__name__}: {error}")
    return OK


def build_command(args: argparse.Namespace) -> int:
    """
    ``autofit-csv build SPEC.toml [-o PATH] [--processes N] [--strict]``: build the table a spec
    declares and save it; the build report goes to stderr.

    Returns
    -------
    int
        0 when the table was written; 2 for a bad spec or arguments (the message names the spec
        key); 1 when the build failed, or, with ``--strict``, when anything is blank, skipped or
        flagged (the table is still written).
    """
    from autofit_csv import AggregatorCSV
    from autofit_csv.errors import DatabaseError
    from autofit_csv.spec import SpecError

    if args.processes is not None and args.processes < 1:
        return _fail("build", f"--processes must be at least 1, not {args.processes}")
    try:
        table = AggregatorCSV.from_spec(args.spec, processes=args.processes or 1, progress=False)
    except SpecError as error:
        return _fail("build", str(error))
    except DatabaseError as error:
        # The spec's source is not a database that can be read, as `describe` says with 2.
        return _fail("build", f"{Path(args.spec).absolute()}: source: {error}")
    except Exception as error:  # strict=true stopped at a skipped fit, ...: the build failed
        print(f"autofit-csv build: {type(error).__name__}: {error}", file=sys.stderr)
        return FLAGGED
    output = Path(args.output) if args.output else table.spec.output
    if output is None:
        return _fail("build", f"{table.spec.path}: no output: give 'output' in the spec or -o PATH")
    try:
        written = table.save(output)
    except (ValueError, ImportError, IsADirectoryError, NotADirectoryError) as error:
        if table.report is None:  # refused before any row was built: an argument or spec issue
            return _fail("build", f"{output}: {error}")
        print(f"autofit-csv build: {type(error).__name__}: {error}", file=sys.stderr)
        return FLAGGED
    except Exception as error:
        print(f"autofit-csv build: {type(error).__name__}: {error}", file=sys.stderr)
        return FLAGGED
    report = table.report
    print(str(report), file=sys.stderr)
    print(f"written: {written}", file=sys.stderr)
    if args.strict and not report.ok:
        print(
            "autofit-csv build --strict: the table has blank cells, skipped entries or "
            "data-quality problems (above)",
            file=sys.stderr,
        )
        return FLAGGED
    return OK


def main(argv: Optional[List[str]] = None) -> int:
    """
    Run the command line.

    Parameters
    ----------
    argv
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status. argparse itself exits with 2 on bad arguments.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader of stdout stopped (``| head``): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
